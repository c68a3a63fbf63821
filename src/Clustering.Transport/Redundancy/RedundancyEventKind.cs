namespace Clustering.Transport.Redundancy;

/// <summary>What happened to a ring, as reported by the redundancy monitor to its runtime shell.</summary>
internal enum RedundancyEventKind
{
    ProblemIncremented,
    ProblemDecremented,
    ProblemCleared,
    MarkedFaulty,
    ProbeDue,
    Recovered,
}
