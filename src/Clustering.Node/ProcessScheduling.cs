using System.Globalization;
using System.Runtime.InteropServices;
using Clustering.Node.Diagnostics;
using Clustering.Transport.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clustering.Node;

/// <summary>How <see cref="ProcessScheduling.Apply"/> left the process.</summary>
public enum ProcessSchedulingPolicy
{
    /// <summary>As it was: nothing asked, or what was asked was refused.</summary>
    Unchanged,

    /// <summary>Round-robin real-time scheduling (<c>SCHED_RR</c>) at <see cref="ProcessSchedulingResult.Priority"/>.</summary>
    RoundRobin,

    /// <summary>Normal scheduling at the nice value <see cref="ProcessSchedulingResult.Priority"/>.</summary>
    Nice,
}

/// <summary>What <see cref="ProcessScheduling.Apply"/> did.</summary>
public sealed record ProcessSchedulingResult
{
    /// <summary>The scheduling the process's threads now have.</summary>
    public ProcessSchedulingPolicy Policy { get; init; }

    /// <summary>The real-time priority (<see cref="ProcessSchedulingPolicy.RoundRobin"/>) or nice value (<see cref="ProcessSchedulingPolicy.Nice"/>); 0 when unchanged.</summary>
    public int Priority { get; init; }

    /// <summary>How many of the process's threads were changed.</summary>
    public int Threads { get; init; }

    /// <summary>Why something asked for was refused (Corosync's warning text), or <see langword="null"/>.</summary>
    public string? Problem { get; init; }

    /// <summary>The policy in a few words for logs and reports: <c>SCHED_RR 99</c>, <c>nice -20</c> or <c>default</c>.</summary>
    public string Describe() => Policy switch
    {
        ProcessSchedulingPolicy.RoundRobin => string.Create(CultureInfo.InvariantCulture, $"SCHED_RR {Priority}"),
        ProcessSchedulingPolicy.Nice => string.Create(CultureInfo.InvariantCulture, $"nice {Priority}"),
        _ => "default",
    };
}

/// <summary>
/// Applies corosync.conf's <c>system.sched_rr</c> and <c>system.priority</c> to the whole process, the way Corosync 3
/// does when it starts: round-robin real-time scheduling at the highest priority, falling back to the highest nice value
/// when that is refused; or, with <c>sched_rr: no</c>, the configured nice value. Every thread the process has is changed
/// (Linux threads carry their own policy and nice value), so call it once the node has started: its ring's receive
/// thread, which runs the protocol, then gets the highest priority. Threads started later inherit the policy and nice
/// value, but .NET gives a real-time thread the priority of its <see cref="ThreadPriority"/> within the real-time range
/// (50 for <see cref="ThreadPriority.Normal"/>): still ahead of every normal process, behind the ring's thread.
/// </summary>
/// <remarks>
/// This is for processes that are a node and nothing else (<c>clusterctl node</c>, the benchmark's node processes): a
/// real-time thread that runs without pause takes the CPU from every normal process. A service that embeds a node keeps
/// its own scheduling unless it calls this itself. Linux only; elsewhere it logs Corosync's "missing features" warning and
/// changes nothing.
/// </remarks>
public static partial class ProcessScheduling
{
    private const int SchedRr = 2;
    private const int PrioProcess = 0;
    private const int ESrch = 3;
    private const int MaxPasses = 4;

    /// <summary>Applies <paramref name="system"/> to every thread of this process.</summary>
    /// <param name="system">The <c>system</c> section.</param>
    /// <param name="logger">Where the outcome and refusals are logged (Corosync's wording).</param>
    /// <returns>What was done.</returns>
    public static ProcessSchedulingResult Apply(SystemOptions system, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        logger ??= NullLogger.Instance;
        if (!system.SchedRr && system.Priority is null)
        {
            return new ProcessSchedulingResult();
        }

        if (!OperatingSystem.IsLinux())
        {
            const string Missing = "The Platform is missing process priority setting features.  Leaving at default.";
            NodeLog.SchedulingRefused(logger, Missing);
            return new ProcessSchedulingResult { Problem = Missing };
        }

        var nice = system.Priority;
        string? problem = null;
        if (system.SchedRr)
        {
            var priority = SchedGetPriorityMax(SchedRr);
            if (priority < 0)
            {
                problem = Failure("Could not get maximum scheduler priority", Marshal.GetLastPInvokeError());
            }
            else if (ForEveryThread(tid => SetRoundRobin(tid, priority), out var threads, out var errno))
            {
                NodeLog.SchedulingSet(logger, "SCHED_RR at priority", priority, threads);
                return new ProcessSchedulingResult { Policy = ProcessSchedulingPolicy.RoundRobin, Priority = priority, Threads = threads };
            }
            else
            {
                problem = Failure(string.Create(CultureInfo.InvariantCulture, $"Could not set SCHED_RR at priority {priority}"), errno);
            }

            NodeLog.SchedulingRefused(logger, problem);
            nice = SystemOptions.HighestPriority; // Corosync's fallback
        }

        if (nice is { } value)
        {
            var clamped = Math.Clamp(value, SystemOptions.HighestPriority, SystemOptions.LowestPriority);
            if (ForEveryThread(tid => SetPriority(PrioProcess, (uint)tid, clamped) == 0 ? 0 : Marshal.GetLastPInvokeError(), out var threads, out var errno))
            {
                NodeLog.SchedulingSet(logger, "priority", clamped, threads);
                return new ProcessSchedulingResult { Policy = ProcessSchedulingPolicy.Nice, Priority = clamped, Threads = threads, Problem = problem };
            }

            var refused = Failure(string.Create(CultureInfo.InvariantCulture, $"Could not set priority {clamped}"), errno);
            NodeLog.SchedulingRefused(logger, refused);
            problem = problem is null ? refused : problem + "; " + refused;
        }

        return new ProcessSchedulingResult { Problem = problem };
    }

    /// <summary>
    /// Runs <paramref name="change"/> (0 or an errno) on every thread in <c>/proc/self/task</c>, again until a pass finds
    /// no thread it has not changed (threads may start meanwhile; those started after a thread was changed inherit the
    /// change from it or are met by the next pass). A thread that ended meanwhile is skipped; any other error stops.
    /// </summary>
    private static bool ForEveryThread(Func<int, int> change, out int changed, out int errno)
    {
        var done = new HashSet<int>();
        errno = 0;
        changed = 0;
        for (var pass = 0; pass < MaxPasses; pass++)
        {
            var fresh = 0;
            foreach (var directory in Directory.EnumerateDirectories("/proc/self/task"))
            {
                if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var tid) || !done.Add(tid))
                {
                    continue;
                }

                fresh++;
                var error = change(tid);
                if (error == ESrch)
                {
                    continue;
                }

                if (error != 0)
                {
                    errno = error;
                    return false;
                }

                changed++;
            }

            if (fresh == 0)
            {
                break;
            }
        }

        return true;
    }

    private static unsafe int SetRoundRobin(int tid, int priority)
    {
        var parameter = priority;
        return SchedSetScheduler(tid, SchedRr, &parameter) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    private static string Failure(string what, int errno) =>
        string.Create(CultureInfo.InvariantCulture, $"{what}: {Marshal.GetPInvokeErrorMessage(errno)} ({errno})");

    [LibraryImport("libc", EntryPoint = "sched_get_priority_max", SetLastError = true)]
    private static partial int SchedGetPriorityMax(int policy);

    /// <summary><c>sched_setscheduler(tid, policy, &amp;param)</c>; <c>struct sched_param</c> is one <c>int</c>.</summary>
    [LibraryImport("libc", EntryPoint = "sched_setscheduler", SetLastError = true)]
    private static unsafe partial int SchedSetScheduler(int pid, int policy, int* parameter);

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, uint who, int priority);
}
