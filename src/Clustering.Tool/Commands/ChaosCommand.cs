using System.Globalization;
using Clustering.Membership.Simulation;

namespace Clustering.Tool.Commands;

/// <summary>
/// <c>clusterctl chaos</c>: runs seeded random simulations of the Totem protocol (crashes, restarts, partitions,
/// pauses, loss, duplication, reordering) with every invariant checked, and ends with one summary line
/// <c>runs=N violations=V messages=M configurations=C</c>. Exits 1 when any run broke an invariant, after printing
/// the first failing seed, its violations, the command that replays it and the frames before the failure.
/// </summary>
internal sealed class ChaosCommand : ICommand
{
    private readonly Func<SimulationOptions, SimulationOptions> _adjust;

    /// <summary>Creates the command; <paramref name="adjust"/> lets tests change the options of every run.</summary>
    public ChaosCommand(Func<SimulationOptions, SimulationOptions>? adjust = null)
    {
        _adjust = adjust ?? (o => o);
    }

    public string Name => "chaos";

    public string Synopsis => "[--seeds N] [--first-seed S] [--nodes K] [--loss P] [--seconds SIMULATED] [--quiet SIMULATED] [--trace FRAMES] [--verbose]";

    public string Summary => "Soak the Totem protocol in seeded simulations and check its invariants";

    public async Task<int> RunAsync(CommandLine args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var seeds = (int)(args.Integer(1, 10_000_000, "--seeds") ?? 100);
        var firstSeed = (int)(args.Integer(0, int.MaxValue - 10_000_000, "--first-seed") ?? 1);
        var nodes = (int?)args.Integer(1, 16, "--nodes");
        var loss = Fraction(args.Value("--loss"), "--loss", 0.3);
        var seconds = (int)(args.Integer(1, 3600, "--seconds") ?? 8);
        var quiet = (int)(args.Integer(1, 3600, "--quiet") ?? 16);
        var trace = (int)(args.Integer(1, 10_000_000, "--trace") ?? 120);
        var verbose = args.Flag("--verbose", "-v");
        args.EnsureConsumed();

        long violations = 0, messages = 0, configurations = 0;
        var runs = 0;
        var reported = false;
        for (var i = 0; i < seeds; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var seed = firstSeed + i;
            var options = new SimulationOptions
            {
                Seed = seed,
                Nodes = nodes ?? (2 + (seed % 4)),
                Loss = loss ?? (seed % 4 * 0.05),
                Duplication = 0.02,
                Duration = TimeSpan.FromSeconds(seconds),
                Quiet = TimeSpan.FromSeconds(quiet),
                MessagesPerSecond = 10,
                TraceLength = trace,
            };
            options = _adjust(options);
            var result = new TotemSimulation(options).Run();
            runs++;
            messages += result.Messages;
            configurations += result.Configurations;
            violations += result.Violations.Count;
            if (verbose)
            {
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"seed={seed} nodes={options.Nodes} violations={result.Violations.Count} messages={result.Messages} configurations={result.Configurations} frames={result.Frames}")).ConfigureAwait(false);
            }

            if (result.Violations.Count > 0 && !reported)
            {
                reported = true;
                await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"seed {seed} broke an invariant:")).ConfigureAwait(false);
                foreach (var violation in result.Violations)
                {
                    await stderr.WriteLineAsync("  " + violation).ConfigureAwait(false);
                }

                await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"replay: clusterctl chaos --first-seed {seed} --seeds 1 --nodes {options.Nodes} --loss {options.Loss.ToString("0.###", CultureInfo.InvariantCulture)} --seconds {seconds} --quiet {quiet}")).ConfigureAwait(false);
                await stderr.WriteLineAsync("trace (frames and events before the failure):").ConfigureAwait(false);
                await stderr.WriteLineAsync(result.Trace).ConfigureAwait(false);
            }
        }

        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"runs={runs} violations={violations} messages={messages} configurations={configurations}")).ConfigureAwait(false);
        return violations > 0 ? ClusterCtl.Failed : ClusterCtl.Ok;
    }

    private static double? Fraction(string? text, string name, double max)
    {
        if (text is null)
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || double.IsNaN(value) || value < 0 || value > max)
        {
            throw new CommandLineException($"option {name} needs a number from 0 to {max.ToString(CultureInfo.InvariantCulture)}, not '{text}'");
        }

        return value;
    }
}
