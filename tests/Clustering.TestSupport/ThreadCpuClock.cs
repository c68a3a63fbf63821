using System.Runtime.InteropServices;

namespace Clustering.TestSupport;

/// <summary>
/// The CPU time the calling thread has used (Linux <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>), for tests that bound
/// the cost of a synchronous piece of work ("refused quickly", "validates in under 2 s"): unlike a stopwatch it does
/// not grow while the thread waits for a core, so the bound holds on a machine shared with other builds and benchmarks
/// and still catches an algorithm that does too much work.
/// </summary>
public static class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    /// <summary>The calling thread's CPU time so far.</summary>
    /// <exception cref="InvalidOperationException">The clock cannot be read (not Linux).</exception>
    public static TimeSpan Now
    {
        get
        {
            if (NativeMethods.clock_gettime(ClockThreadCpuTimeId, out var value) != 0)
            {
                throw new InvalidOperationException($"clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed: errno {Marshal.GetLastPInvokeError()}");
            }

            return TimeSpan.FromTicks((value.Seconds * TimeSpan.TicksPerSecond) + (value.Nanoseconds / 100));
        }
    }

    /// <summary>Runs <paramref name="action"/> on the calling thread and returns the CPU time it used.</summary>
    /// <param name="action">The work to measure; it must not hand its work to other threads.</param>
    /// <returns>The thread's CPU time spent in <paramref name="action"/>.</returns>
    public static TimeSpan Measure(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var start = Now;
        action();
        return Now - start;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
#pragma warning disable SYSLIB1054, CA5392 // A single blittable call; no marshalling to generate.
        internal static extern int clock_gettime(int clockId, out TimeSpec value);
#pragma warning restore SYSLIB1054, CA5392
    }
}
