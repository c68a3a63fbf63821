namespace Clustering.Transport.Configuration;

/// <summary>The <c>quorum { … }</c> section: votequorum's options.</summary>
public sealed record QuorumOptions
{
    /// <summary>The only provider: Corosync's vote-based quorum.</summary>
    public const string VotequorumProvider = "corosync_votequorum";

    /// <summary>The quorum provider (<c>provider</c>): <see cref="VotequorumProvider"/>, or null for no quorum at all (no <c>quorum</c> section).</summary>
    public string? Provider { get; init; }

    /// <summary>Expected votes (<c>expected_votes</c>); null computes them from the nodelist's <c>quorum_votes</c>.</summary>
    public int? ExpectedVotes { get; init; }

    /// <summary>Two-node cluster: one vote is enough while at most two nodes are members (<c>two_node: 1</c>). Implies <see cref="WaitForAll"/> unless it is set. Default off.</summary>
    public bool TwoNode { get; init; }

    /// <summary>Not quorate for the first time until all expected votes were seen together (<c>wait_for_all</c>); null follows <see cref="TwoNode"/>.</summary>
    public bool? WaitForAll { get; init; }

    /// <summary>Recompute expected votes after a loss once <see cref="LastManStandingWindow"/> has passed (<c>last_man_standing: 1</c>). Default off.</summary>
    public bool LastManStanding { get; init; }

    /// <summary>How long after a membership loss expected votes are recomputed (<c>last_man_standing_window</c>). Default 10000 ms.</summary>
    public TimeSpan LastManStandingWindow { get; init; } = TimeSpan.FromMilliseconds(10000);

    /// <summary>On an exact 50/50 split, the half with <see cref="AutoTieBreakerNode"/> stays quorate (<c>auto_tie_breaker: 1</c>). Default off.</summary>
    public bool AutoTieBreaker { get; init; }

    /// <summary>Which half wins a tie (<c>auto_tie_breaker_node</c>): <c>lowest</c> (default), <c>highest</c>, or node ids separated by spaces in order of preference.</summary>
    public string AutoTieBreakerNode { get; init; } = "lowest";

    /// <summary>Whether wait-for-all is in effect: <see cref="WaitForAll"/>, or <see cref="TwoNode"/> when unset.</summary>
    public bool EffectiveWaitForAll => WaitForAll ?? TwoNode;
}
