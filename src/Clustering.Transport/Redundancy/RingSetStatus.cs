using System.Globalization;
using System.Text;

namespace Clustering.Transport.Redundancy;

/// <summary>A snapshot of every ring of a node: what <c>corosync-cfgtool -s</c> prints.</summary>
/// <param name="LocalNodeId">This node's id.</param>
/// <param name="Rings">One entry per ring, by ring number.</param>
public sealed record RingSetStatus(uint LocalNodeId, IReadOnlyList<RingStatus> Rings)
{
    /// <summary>Whether any ring is FAULTY (<c>corosync-cfgtool -s</c> then exits 1).</summary>
    public bool HasFaults => Rings.Any(r => r.IsFaulty);

    /// <summary>The exit code <c>corosync-cfgtool -s</c> gives for this status: 1 while a ring is FAULTY, else 0.</summary>
    public int CfgtoolExitCode => HasFaults ? 1 : 0;

    /// <summary>
    /// The text of Corosync 2's <c>corosync-cfgtool -s</c>, tabs included:
    /// <code>
    /// Printing ring status.
    /// Local node ID 1097041162
    /// RING ID 0
    /// 	id	= 10.0.0.1
    /// 	status	= ring 0 active with no faults
    /// </code>
    /// </summary>
    public string ToCfgtoolText()
    {
        var text = new StringBuilder();
        text.Append("Printing ring status.\n");
        text.Append(CultureInfo.InvariantCulture, $"Local node ID {LocalNodeId}\n");
        foreach (var ring in Rings)
        {
            text.Append(CultureInfo.InvariantCulture, $"RING ID {ring.RingNumber}\n");
            text.Append(CultureInfo.InvariantCulture, $"\tid\t= {ring.Address}\n");
            text.Append(CultureInfo.InvariantCulture, $"\tstatus\t= {ring.StatusText}\n");
        }

        return text.ToString();
    }
}
