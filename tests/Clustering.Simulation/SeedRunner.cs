using System.Diagnostics;
using System.Globalization;
using System.Text;
using Clustering.Membership.Simulation;

namespace Clustering.Simulation;

/// <summary>
/// Runs many seeded simulations and, for the first one that breaks an invariant, builds a report with the seed, the
/// violations, the one command that replays it, and the trace of frames before the end. The seed count can be raised
/// for a soak with the environment variable <c>CLUSTERING_SIM_SEEDS</c>, and one seed replayed with <c>CLUSTERING_SIM_SEED</c>.
/// </summary>
public static class SeedRunner
{
    /// <summary>The variable that overrides the number of seeds (a soak).</summary>
    public const string SeedsVariable = "CLUSTERING_SIM_SEEDS";

    /// <summary>The variable that runs a single seed (a replay).</summary>
    public const string SeedVariable = "CLUSTERING_SIM_SEED";

    /// <summary>The outcome of a batch.</summary>
    /// <param name="Runs">Simulations run.</param>
    /// <param name="Failures">Simulations with at least one violation.</param>
    /// <param name="Messages">Distinct messages delivered, summed over runs.</param>
    /// <param name="Configurations">Distinct regular configurations, summed over runs.</param>
    /// <param name="AcceleratedTokens">Tokens passed on ahead of some of their visit's new messages, summed over runs.</param>
    /// <param name="Elapsed">Wall-clock time.</param>
    /// <param name="FirstFailure">The report of the first failing seed, or <see langword="null"/>.</param>
    public sealed record BatchResult(int Runs, int Failures, long Messages, long Configurations, long AcceleratedTokens, TimeSpan Elapsed, string? FirstFailure);

    /// <summary>
    /// Runs <paramref name="seeds"/> seeds from <paramref name="firstSeed"/> (or what the environment variables say),
    /// each with the options <paramref name="scenario"/> makes for it.
    /// </summary>
    public static BatchResult Run(int firstSeed, int seeds, Func<int, SimulationOptionsBuilder, SimulationOptionsBuilder> scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var single = Environment.GetEnvironmentVariable(SeedVariable);
        var count = Environment.GetEnvironmentVariable(SeedsVariable);
        if (int.TryParse(single, NumberStyles.Integer, CultureInfo.InvariantCulture, out var replay))
        {
            firstSeed = replay;
            seeds = 1;
        }
        else if (int.TryParse(count, NumberStyles.Integer, CultureInfo.InvariantCulture, out var soak) && soak > 0)
        {
            seeds = soak;
        }

        var watch = Stopwatch.StartNew();
        var failures = 0;
        long messages = 0, configurations = 0, accelerated = 0;
        string? first = null;
        for (var i = 0; i < seeds; i++)
        {
            var seed = firstSeed + i;
            var builder = scenario(seed, new SimulationOptionsBuilder(seed));
            var result = new TotemSimulation(builder.Options).Run();
            messages += result.Messages;
            configurations += result.Configurations;
            accelerated += result.AcceleratedTokens;
            if (result.Violations.Count > 0)
            {
                failures++;
                first ??= Report(result, builder);
            }
        }

        return new BatchResult(seeds, failures, messages, configurations, accelerated, watch.Elapsed, first);
    }

    private static string Report(SimulationResult result, SimulationOptionsBuilder builder)
    {
        var o = builder.Options;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"seed {result.Seed} broke an invariant:\n");
        foreach (var violation in result.Violations)
        {
            text.Append("  ").Append(violation).Append('\n');
        }

        text.Append(CultureInfo.InvariantCulture, $"replay: clusterctl chaos --first-seed {result.Seed} --seeds 1 --nodes {o.Nodes} --loss {o.Loss.ToString("0.###", CultureInfo.InvariantCulture)} --seconds {o.Duration.TotalSeconds.ToString(CultureInfo.InvariantCulture)}");
        text.Append(CultureInfo.InvariantCulture, $"   (or this test with {SeedVariable}={result.Seed})\n");
        text.Append("trace (last frames and events):\n").Append(result.Trace);
        return text.ToString();
    }
}
