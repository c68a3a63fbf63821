namespace Clustering.Node.Admin;

/// <summary>The requests of the admin protocol (the kind byte of a frame); see docs/admin-protocol.md.</summary>
public enum AdminRequestKind : byte
{
    /// <summary>The rings' status (<c>cfgtool -s</c>).</summary>
    RingStatus = 1,

    /// <summary>Re-enable rings marked FAULTY (<c>cfgtool -r</c>).</summary>
    ReenableRings = 2,

    /// <summary>The quorum report (<c>quorumtool -s</c>).</summary>
    QuorumStatus = 3,

    /// <summary>The membership table (<c>quorumtool -l</c>).</summary>
    QuorumList = 4,

    /// <summary>Every process group with its members (<c>cpgtool</c>).</summary>
    GroupList = 5,

    /// <summary>The members of one process group; the payload is its UTF-8 name.</summary>
    GroupMembers = 6,

    /// <summary>The node's identity, membership and the addresses of the nodes it knows.</summary>
    NodeInfo = 7,
}
