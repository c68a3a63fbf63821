namespace Clustering.Transport.Configuration;

/// <summary>
/// The <c>system { … }</c> section: how the node process is scheduled. Corosync 3 applies it to its whole process when it
/// starts (<c>exec/main.c</c>); here <c>clusterctl node</c> and <c>clusterctl bench</c> do the same, and a host that runs a node
/// as its main job applies it with <c>Clustering.Node.ProcessScheduling.Apply</c>. A node embedded in a service never
/// changes its host's scheduling by itself.
/// </summary>
public sealed record SystemOptions
{
    /// <summary>The least (most favourable) nice value, what <c>priority: max</c> means.</summary>
    public const int HighestPriority = -20;

    /// <summary>The greatest (least favourable) nice value, what <c>priority: min</c> means.</summary>
    public const int LowestPriority = 19;

    /// <summary>
    /// Round-robin real-time scheduling at the highest priority (<c>sched_rr</c>, default yes, as in Corosync). When the
    /// system refuses it (no <c>CAP_SYS_NICE</c>, no real-time budget), the process falls back to
    /// <see cref="HighestPriority"/>, as Corosync does. Corosync turns it on only for the exact value <c>yes</c>; any
    /// other value turns it off (with a warning here when the value is not <c>no</c>).
    /// </summary>
    public bool SchedRr { get; init; } = true;

    /// <summary>
    /// The nice value of the process when <see cref="SchedRr"/> is off (<c>priority</c>: an integer, <c>max</c> for
    /// <see cref="HighestPriority"/> or <c>min</c> for <see cref="LowestPriority"/>; values beyond them are clamped, as the
    /// kernel does). <see langword="null"/> leaves it as it is. Ignored while <see cref="SchedRr"/> is on, as in Corosync.
    /// </summary>
    public int? Priority { get; init; }
}
