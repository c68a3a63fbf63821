namespace Clustering.Membership.Quorum;

/// <summary>
/// Votequorum's options (the <c>quorum</c> section of corosync.conf), with votequorum's defaults.
/// </summary>
public sealed class VoteQuorumOptions
{
    /// <summary>
    /// Votes the whole cluster has (<c>expected_votes</c>). When <see langword="null"/>, the sum of the configured
    /// nodes' votes. Raised automatically when more votes are present.
    /// </summary>
    public int? ExpectedVotes { get; init; }

    /// <summary>Votes of each configured node (<c>nodelist.node.X.quorum_votes</c>, default 1 each). Nodes absent here have 1 vote.</summary>
    public IReadOnlyDictionary<uint, int> NodeVotes { get; init; } = new Dictionary<uint, int>();

    /// <summary>
    /// Two-node cluster (<c>two_node</c>): quorum is 1 while the cluster has at most two nodes, so either node alone
    /// stays quorate (fencing must settle who runs what). Implies <see cref="WaitForAll"/> unless that is set to
    /// <see langword="false"/> explicitly. Default off.
    /// </summary>
    public bool TwoNode { get; init; }

    /// <summary>
    /// Not quorate for the first time until all expected votes have been seen together once (<c>wait_for_all</c>).
    /// <see langword="null"/> (the default) means: on when <see cref="TwoNode"/> is on, else off.
    /// </summary>
    public bool? WaitForAll { get; init; }

    /// <summary>
    /// After a loss, once <see cref="LastManStandingWindow"/> has passed with the cluster still quorate, expected votes
    /// are recomputed from the nodes present, so the cluster can shrink step by step (<c>last_man_standing</c>). Default off.
    /// </summary>
    public bool LastManStanding { get; init; }

    /// <summary>How long the membership must stay unchanged before <see cref="LastManStanding"/> recomputes (<c>last_man_standing_window</c>). Default 10 s.</summary>
    public TimeSpan LastManStandingWindow { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>On an exact 50/50 split, one partition keeps quorum (<c>auto_tie_breaker</c>). Default off.</summary>
    public bool AutoTieBreaker { get; init; }

    /// <summary>Which partition <see cref="AutoTieBreaker"/> favours (<c>auto_tie_breaker_node</c>). Default lowest.</summary>
    public TieBreaker TieBreaker { get; init; } = TieBreaker.Lowest;

    /// <summary>The ordered node ids for <see cref="TieBreaker.List"/>.</summary>
    public IReadOnlyList<uint> TieBreakerNodes { get; init; } = [];

    /// <summary>Whether wait_for_all is in force, after two_node's implication.</summary>
    public bool EffectiveWaitForAll => WaitForAll ?? TwoNode;

    /// <summary>The votes of <paramref name="nodeId"/>.</summary>
    public int VotesOf(uint nodeId) => NodeVotes.TryGetValue(nodeId, out var votes) ? votes : 1;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistent option.</summary>
    public void Validate()
    {
        if (ExpectedVotes is < 1)
        {
            throw new ArgumentException($"quorum.expected_votes must be at least 1, not {ExpectedVotes}");
        }

        if (ExpectedVotes is null && NodeVotes.Count == 0)
        {
            throw new ArgumentException("votequorum needs quorum.expected_votes or a nodelist");
        }

        foreach (var (node, votes) in NodeVotes)
        {
            if (votes < 0)
            {
                throw new ArgumentException($"node {node}: quorum_votes must not be negative, not {votes}");
            }
        }

        if (LastManStandingWindow < TimeSpan.Zero)
        {
            throw new ArgumentException("quorum.last_man_standing_window must not be negative");
        }

        if (AutoTieBreaker && TieBreaker == TieBreaker.List && TieBreakerNodes.Count == 0)
        {
            throw new ArgumentException("quorum.auto_tie_breaker_node lists no node");
        }

        if (LastManStanding && NodeVotes.Values.Any(v => v != 1))
        {
            throw new ArgumentException("quorum.last_man_standing needs every node to have exactly 1 vote");
        }
    }
}
