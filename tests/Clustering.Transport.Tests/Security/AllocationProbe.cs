using System.Runtime.CompilerServices;

namespace Clustering.Transport.Tests.Security;

/// <summary>
/// Measures what a piece of code allocates on the current thread in steady state. The runtime itself may
/// allocate once on the calling thread while it tiers up or replaces a hot loop, so the work runs in warm-up
/// rounds first and the result is the least of several measured rounds: anything that allocates per call
/// still shows in every round.
/// </summary>
internal static class AllocationProbe
{
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static long SteadyStateBytes(Action round, int warmupRounds = 3, int measuredRounds = 3)
    {
        for (var i = 0; i < warmupRounds; i++)
        {
            round();
        }

        var least = long.MaxValue;
        for (var i = 0; i < measuredRounds; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            round();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }
}
