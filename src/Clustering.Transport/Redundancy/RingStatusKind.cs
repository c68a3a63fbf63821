namespace Clustering.Transport.Redundancy;

/// <summary>The last thing the redundant ring protocol said about a ring; <c>corosync-cfgtool -s</c> prints it as the ring's status.</summary>
public enum RingStatusKind
{
    /// <summary><c>ring N active with no faults</c>.</summary>
    NoFaults = 0,

    /// <summary><c>Incrementing problem counter for seqid S iface ADDR to [C of T]</c>.</summary>
    ProblemIncremented = 1,

    /// <summary><c>Decrementing problem counter for iface ADDR to [C of T]</c>.</summary>
    ProblemDecremented = 2,

    /// <summary><c>Marking ringid N interface ADDR FAULTY</c>.</summary>
    Faulty = 3,
}
