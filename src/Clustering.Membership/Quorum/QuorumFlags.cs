namespace Clustering.Membership.Quorum;

/// <summary>The flags <c>corosync-quorumtool -s</c> prints on its <c>Flags:</c> line.</summary>
[Flags]
public enum QuorumFlags
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary><c>2Node</c>: two_node is in force.</summary>
    TwoNode = 1,

    /// <summary><c>Quorate</c>: this partition has quorum.</summary>
    Quorate = 2,

    /// <summary><c>WaitForAll</c>: wait_for_all is configured.</summary>
    WaitForAll = 4,

    /// <summary><c>LastManStanding</c>: last_man_standing is configured.</summary>
    LastManStanding = 8,

    /// <summary><c>AutoTieBreaker</c>: auto_tie_breaker is configured.</summary>
    AutoTieBreaker = 16,
}
