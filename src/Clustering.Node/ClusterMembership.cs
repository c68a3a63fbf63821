using Clustering.Membership.Totem;

namespace Clustering.Node;

/// <summary>The nodes of this node's current regular configuration (its partition), and the ring that holds them.</summary>
/// <param name="RingId">The ring: its representative and sequence.</param>
/// <param name="Members">The node ids, ascending.</param>
public sealed record ClusterMembership(TotemRingId RingId, IReadOnlyList<uint> Members)
{
    /// <summary>The members as Corosync logs them: <c>Members[3]: 1 2 3</c>.</summary>
    public override string ToString() => $"Members[{Members.Count}]: {string.Join(' ', Members)}";
}
