namespace Clustering.Membership.Totem;

/// <summary>A configuration change: its kind, the ring it leads to, its members, and who joined or left (sorted node ids).</summary>
/// <param name="Kind">Transitional or regular.</param>
/// <param name="Ring">The new ring.</param>
/// <param name="Members">The configuration's members.</param>
/// <param name="Joined">Members that were not in this node's previous configuration (regular configurations only).</param>
/// <param name="Left">Members of the previous configuration that are not in this one (transitional configurations only).</param>
internal sealed record TotemConfiguration(ConfigurationKind Kind, RingId Ring, uint[] Members, uint[] Joined, uint[] Left);
