namespace Clustering.Node.Internal;

/// <summary>
/// The first byte of every message a node sends through the total order: which service it is for. Votequorum's
/// node-information messages and the process groups' messages share the one ring.
/// </summary>
internal enum NodeService : byte
{
    /// <summary>A <see cref="QuorumInfo"/> message.</summary>
    Quorum = 1,

    /// <summary>A process-group message (see the membership layer's group codec).</summary>
    Groups = 2,
}
