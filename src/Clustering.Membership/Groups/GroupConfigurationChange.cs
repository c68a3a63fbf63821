namespace Clustering.Membership.Groups;

/// <summary>
/// A change of a group's membership, CPG's <c>cpg_confchg_fn</c>: delivered in the same total order as the group's
/// messages, so every member sees messages and changes interleaved identically.
/// </summary>
/// <param name="Group">The group's name.</param>
/// <param name="Members">The members after the change, ordered by node then process.</param>
/// <param name="Left">Members that left, with the reason.</param>
/// <param name="Joined">Members that joined, with the reason.</param>
public sealed record GroupConfigurationChange(
    string Group,
    IReadOnlyList<GroupMember> Members,
    IReadOnlyList<GroupMemberChange> Left,
    IReadOnlyList<GroupMemberChange> Joined) : GroupEvent(Group);
