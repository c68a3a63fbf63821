using Clustering.Node;
using Clustering.Tool.Commands;
using Clustering.Transport.Configuration;
using Microsoft.Extensions.Logging;

namespace Clustering.Tool;

/// <summary>
/// The entry point of <c>clusterctl</c>, callable in process (tests run it with their own writers).
/// Each sub-command is one class under <c>Commands/</c>, shaped like the Corosync or Pacemaker tool it mirrors.
/// </summary>
internal static class ClusterCtl
{
    /// <summary>Exit code for success.</summary>
    public const int Ok = 0;

    /// <summary>Exit code for a failure the command reports (invalid input, a refused operation).</summary>
    public const int Failed = 1;

    /// <summary>Exit code for a command line that cannot be understood.</summary>
    public const int Usage = 2;

    /// <summary>
    /// Whether this run is the process itself (clusterctl's own <c>Main</c> sets it) rather than a caller running
    /// clusterctl in its process, as the tests do. Only the process's owner may change what belongs to the process:
    /// <c>node</c> and <c>bench --child</c> apply corosync.conf's <c>system</c> section (real-time scheduling) only then.
    /// </summary>
    public static bool OwnsProcess { get; set; }

    /// <summary>
    /// Applies a node's <c>system</c> section to this process when clusterctl owns it (<see cref="OwnsProcess"/>), as
    /// corosync does; returns what was done, or <see langword="null"/> when the process is someone else's.
    /// </summary>
    public static ProcessSchedulingResult? ApplySystemScheduling(SystemOptions system, ILogger? logger = null) =>
        OwnsProcess ? ProcessScheduling.Apply(system, logger) : null;

    private static readonly ICommand[] Commands =
    [
        new KeygenCommand(),
        new ConfigCommand(),
        new ValidateCommand(),
        new ChaosCommand(),
        new CibadminCommand(),
        new VerifyCommand(),
        new NodeCommand(),
        new CfgtoolCommand(),
        new QuorumtoolCommand(),
        new CpgtoolCommand(),
        new BenchCommand(),
    ];

    /// <summary>Runs one command line and returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            await PrintUsageAsync(args.Length == 0 ? stderr : stdout).ConfigureAwait(false);
            return args.Length == 0 ? Usage : Ok;
        }

        var command = Array.Find(Commands, c => string.Equals(c.Name, args[0], StringComparison.Ordinal));
        if (command is null)
        {
            await stderr.WriteLineAsync($"clusterctl: unknown command '{args[0]}'").ConfigureAwait(false);
            await PrintUsageAsync(stderr).ConfigureAwait(false);
            return Usage;
        }

        try
        {
            return await command.RunAsync(new CommandLine(args.AsSpan(1).ToArray()), stdout, stderr, cancellationToken).ConfigureAwait(false);
        }
        catch (CommandLineException e)
        {
            await stderr.WriteLineAsync($"clusterctl {command.Name}: {e.Message}").ConfigureAwait(false);
            await stderr.WriteLineAsync($"usage: clusterctl {command.Name} {command.Synopsis}").ConfigureAwait(false);
            return Usage;
        }
    }

    private static async Task PrintUsageAsync(TextWriter writer)
    {
        await writer.WriteLineAsync("usage: clusterctl COMMAND [OPTIONS]").ConfigureAwait(false);
        await writer.WriteLineAsync().ConfigureAwait(false);
        foreach (var command in Commands)
        {
            await writer.WriteLineAsync($"  {command.Name,-10} {command.Summary}").ConfigureAwait(false);
        }
    }
}
