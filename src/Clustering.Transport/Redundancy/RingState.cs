namespace Clustering.Transport.Redundancy;

/// <summary>The monitor's mutable view of one ring.</summary>
internal sealed class RingState
{
    public RingHealth Health { get; set; }

    public int ProblemCount { get; set; }

    public RingStatusKind Status { get; set; }

    /// <summary>The sequence named by the last increment or FAULTY status.</summary>
    public ulong StatusSequence { get; set; }

    /// <summary>Passive mode: tokens received on this ring (rebased on recovery).</summary>
    public long TokensReceived { get; set; }

    /// <summary>Passive mode: other frames received on this ring (rebased on recovery).</summary>
    public long MulticastsReceived { get; set; }

    /// <summary>The current probe round while the ring is FAULTY.</summary>
    public int ProbeRound { get; set; }

    /// <summary>Peers that answered the current probe round.</summary>
    public HashSet<uint> ProbeReplies { get; } = [];

    public bool IsFaulty => Health == RingHealth.Faulty;
}
