namespace Clustering.Membership.Quorum;

/// <summary>Which node's partition keeps quorum on an exact 50/50 split (<c>auto_tie_breaker_node</c>).</summary>
public enum TieBreaker
{
    /// <summary>The partition holding the lowest node id of the last quorate membership. The default.</summary>
    Lowest = 0,

    /// <summary>The partition holding the highest node id of the last quorate membership.</summary>
    Highest = 1,

    /// <summary>The partition holding the first node of <see cref="VoteQuorumOptions.TieBreakerNodes"/> that is present.</summary>
    List = 2,
}
