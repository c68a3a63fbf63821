namespace Clustering.Membership.Groups;

/// <summary>The kinds of process-group messages carried through the total order.</summary>
internal enum GroupMessageKind : byte
{
    Join = 1,
    Leave = 2,
    Data = 3,
    JoinList = 4,
    ProcessDown = 5,
}
