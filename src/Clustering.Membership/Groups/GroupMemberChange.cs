namespace Clustering.Membership.Groups;

/// <summary>One member that joined or left, and why.</summary>
/// <param name="Member">The member.</param>
/// <param name="Reason">Why.</param>
public readonly record struct GroupMemberChange(GroupMember Member, GroupChangeReason Reason);
