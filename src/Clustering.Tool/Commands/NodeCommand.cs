using System.Net.Sockets;
using System.Reflection;
using Clustering.Node;
using Clustering.Node.Admin;
using Clustering.Tool.Logging;
using Clustering.Transport.Configuration;
using Clustering.Transport.Security;
using Microsoft.Extensions.Logging;

namespace Clustering.Tool.Commands;

/// <summary>
/// <c>clusterctl node -c corosync.conf [-k authkey] [--nodeid N] [--admin-socket PATH | --no-admin] [--debug]</c>:
/// runs one node in the foreground, as <c>corosync -f</c> does (with the file's <c>system.sched_rr</c> and
/// <c>system.priority</c> applied to the process, as Corosync applies them: round-robin real-time by default), logging
/// to standard error in Corosync's shape until the token fires (Ctrl+C or SIGTERM, wired in Program): then it leaves
/// its groups and the ring and exits 0.
/// Exit codes: 0 clean stop, 1 runtime failure, 2 usage, 8 an unusable configuration or authkey (Corosync's
/// "main config read" failure code).
/// </summary>
internal sealed class NodeCommand : ICommand
{
    /// <summary>Corosync's exit code for a configuration it cannot use (<c>COROSYNC_DONE_MAINCONFIGREAD</c>).</summary>
    public const int BadConfiguration = 8;

    /// <summary>How long a stopping node waits for its groups' leaves to be delivered.</summary>
    public static readonly TimeSpan LeaveTimeout = TimeSpan.FromSeconds(5);

    private readonly TimeProvider _time;

    /// <summary>Creates the command on the system clock.</summary>
    public NodeCommand()
        : this(TimeProvider.System)
    {
    }

    /// <summary>Creates the command on <paramref name="time"/> (log timestamps).</summary>
    public NodeCommand(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
    }

    public string Name => "node";

    public string Synopsis => "[-c FILE] [-k AUTHKEY] [--nodeid N] [--admin-socket PATH | --no-admin] [--debug]   (FILE defaults to /etc/corosync/corosync.conf)";

    public string Summary => "run a node in the foreground (like corosync -f); Ctrl+C or SIGTERM leaves cleanly";

    public async Task<int> RunAsync(CommandLine args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var configPath = args.Value("-c", "--config") ?? CorosyncConfiguration.DefaultPath;
        var keyPath = args.Value("-k", "--authkey");
        var nodeId = args.Integer(1, uint.MaxValue, "--nodeid", "-n");
        var adminSocket = args.Value("--admin-socket");
        var noAdmin = args.Flag("--no-admin");
        var debug = args.Flag("--debug", "-d");
        args.EnsureConsumed();
        if (configPath.Length == 0)
        {
            throw new CommandLineException("option -c needs a file name");
        }

        if (noAdmin && adminSocket is not null)
        {
            throw new CommandLineException("--admin-socket and --no-admin exclude each other");
        }

        using var loggerFactory = new ToolLoggerFactory(new CorosyncConsoleLoggerProvider(stderr, debug ? LogLevel.Debug : LogLevel.Information, _time));
        var log = loggerFactory.CreateLogger("Clustering.Tool.Node");
        ClusterNode node;
        SystemOptions system;
        try
        {
            var builder = ClusterNodeBuilder.FromCorosyncConfig(configPath, keyPath, nodeId is { } id ? (uint)id : null, loggerFactory);
            if (!noAdmin)
            {
                builder.Options.AdminSocketPath = adminSocket ?? AdminSocket.DefaultPath(builder.Options.ClusterName, builder.Options.NodeId);
            }

            system = builder.Configuration!.System;
            node = builder.Build();
        }
        catch (ConfigurationException e)
        {
            await stderr.WriteLineAsync($"clusterctl node: configuration cannot be used: {e.Message}").ConfigureAwait(false);
            return BadConfiguration;
        }
        catch (AuthkeyException e)
        {
            await stderr.WriteLineAsync($"clusterctl node: authkey cannot be used: {e.Message}").ConfigureAwait(false);
            return BadConfiguration;
        }
        catch (ArgumentException e)
        {
            await stderr.WriteLineAsync($"clusterctl node: configuration cannot be used: {e.Message}").ConfigureAwait(false);
            return BadConfiguration;
        }

        await using (node.ConfigureAwait(false))
        {
            var version = typeof(ClusterNode).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            ToolLog.Starting(log, version, configPath);
            try
            {
                await node.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                ToolLog.Exiting(log);
                return ClusterCtl.Ok;
            }
            catch (Exception e) when (e is IOException or SocketException or UnauthorizedAccessException or InvalidOperationException or PlatformNotSupportedException)
            {
                ToolLog.StartFailed(log, e.Message);
                return ClusterCtl.Failed;
            }

            // As corosync does: the whole process, once the ring's receive thread (which runs the protocol) exists;
            // not when clusterctl runs inside another process, whose scheduling is not the node's to change.
            if (ClusterCtl.ApplySystemScheduling(system, log) is null)
            {
                ToolLog.SchedulingLeftToHost(log);
            }

            ToolLog.Ready(log, version, node.NodeId, node.AdminSocketPath ?? "none");
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C or SIGTERM: leave cleanly.
            }

            ToolLog.Stopping(log, node.NodeId);
            using var leave = new CancellationTokenSource(LeaveTimeout, _time);
            try
            {
                await node.StopAsync(leave.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or InvalidOperationException or ObjectDisposedException)
            {
                ToolLog.StopFailed(log, e.Message);
                return ClusterCtl.Failed;
            }

            ToolLog.Exiting(log);
            await stderr.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            return ClusterCtl.Ok;
        }
    }
}
