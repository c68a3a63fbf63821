using System.Globalization;

namespace Clustering.Membership.Groups;

/// <summary>A member of a process group: a process (or any application endpoint) on a node, CPG's <c>cpg_address</c>.</summary>
/// <param name="NodeId">The node the member runs on.</param>
/// <param name="ProcessId">The member's id on its node (a process id, or any number the application picks).</param>
public readonly record struct GroupMember(uint NodeId, uint ProcessId) : IComparable<GroupMember>
{
    /// <inheritdoc />
    public int CompareTo(GroupMember other)
    {
        var byNode = NodeId.CompareTo(other.NodeId);
        return byNode != 0 ? byNode : ProcessId.CompareTo(other.ProcessId);
    }

    /// <summary>Orders members by node, then process.</summary>
    public static bool operator <(GroupMember left, GroupMember right) => left.CompareTo(right) < 0;

    /// <summary>Orders members by node, then process.</summary>
    public static bool operator >(GroupMember left, GroupMember right) => left.CompareTo(right) > 0;

    /// <summary>Orders members by node, then process.</summary>
    public static bool operator <=(GroupMember left, GroupMember right) => left.CompareTo(right) <= 0;

    /// <summary>Orders members by node, then process.</summary>
    public static bool operator >=(GroupMember left, GroupMember right) => left.CompareTo(right) >= 0;

    /// <summary>The member as <c>corosync-cpgtool</c> prints it: <c>nodeid/pid</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{NodeId}/{ProcessId}");
}
