namespace Clustering.Membership.Groups;

/// <summary>A message delivered to a group's members, CPG's <c>cpg_deliver_fn</c>.</summary>
/// <param name="Group">The group's name.</param>
/// <param name="Sender">The member that sent it.</param>
/// <param name="Payload">The message.</param>
public sealed record GroupMessage(string Group, GroupMember Sender, ReadOnlyMemory<byte> Payload) : GroupEvent(Group);
