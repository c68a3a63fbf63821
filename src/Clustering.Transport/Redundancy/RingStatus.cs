using System.Globalization;
using System.Net;

namespace Clustering.Transport.Redundancy;

/// <summary>A snapshot of one ring's health, as <c>corosync-cfgtool -s</c> reports it.</summary>
/// <param name="RingNumber">The ring number.</param>
/// <param name="Address">The address this node uses on the ring (<c>id</c>).</param>
/// <param name="Health">Active, degraded or FAULTY.</param>
/// <param name="ProblemCount">The current problem counter.</param>
/// <param name="ProblemThreshold">The counter value that marks the ring FAULTY.</param>
/// <param name="Status">The last status the protocol recorded for the ring.</param>
/// <param name="StatusSequence">The frame sequence the last increment or FAULTY status names.</param>
public sealed record RingStatus(
    int RingNumber,
    IPAddress Address,
    RingHealth Health,
    int ProblemCount,
    int ProblemThreshold,
    RingStatusKind Status,
    ulong StatusSequence)
{
    /// <summary>The status line in Corosync's words, e.g. <c>ring 0 active with no faults</c> or <c>Marking ringid 1 interface 10.0.0.2 FAULTY</c>.</summary>
    public string StatusText => Status switch
    {
        RingStatusKind.ProblemIncremented => string.Create(CultureInfo.InvariantCulture,
            $"Incrementing problem counter for seqid {StatusSequence} iface {Address} to [{ProblemCount} of {ProblemThreshold}]"),
        RingStatusKind.ProblemDecremented => string.Create(CultureInfo.InvariantCulture,
            $"Decrementing problem counter for iface {Address} to [{ProblemCount} of {ProblemThreshold}]"),
        RingStatusKind.Faulty => string.Create(CultureInfo.InvariantCulture, $"Marking ringid {RingNumber} interface {Address} FAULTY"),
        _ => string.Create(CultureInfo.InvariantCulture, $"ring {RingNumber} active with no faults"),
    };

    /// <summary>Whether the ring is marked FAULTY.</summary>
    public bool IsFaulty => Health == RingHealth.Faulty;
}
