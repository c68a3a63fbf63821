namespace Clustering.Transport.Redundancy;

/// <summary>One output of <see cref="RedundancyMonitor"/>: a status change to log, or a probe to send.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Ring">The ring it happened to.</param>
/// <param name="Count">The problem counter after the change, or the probe round for <see cref="RedundancyEventKind.ProbeDue"/>.</param>
/// <param name="Sequence">The frame sequence that revealed the problem, when there is one.</param>
internal readonly record struct RedundancyEvent(RedundancyEventKind Kind, int Ring, int Count, ulong Sequence);
