namespace Clustering.Membership.Groups;

/// <summary>Why a member joined or left a group, with CPG's values.</summary>
public enum GroupChangeReason
{
    /// <summary>The member joined (<c>cpg_join</c>).</summary>
    Join = 1,

    /// <summary>The member left (<c>cpg_leave</c>).</summary>
    Leave = 2,

    /// <summary>The member's node left the cluster.</summary>
    NodeDown = 3,

    /// <summary>The member was already in the group on a node that just merged in.</summary>
    NodeUp = 4,

    /// <summary>The member's process ended without leaving.</summary>
    ProcessDown = 5,
}
