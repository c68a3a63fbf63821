using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Clustering.Membership.Groups;
using Clustering.Membership.Totem;
using Clustering.Node;
using Clustering.Transport.Configuration;
using Clustering.Transport.Rings;

namespace Clustering.Tool.Commands.Bench;

/// <summary>
/// The hidden child mode, <c>clusterctl bench --child</c>: one node of a benchmark run. It starts a node from its
/// generated <c>corosync.conf</c>, joins the group, says <c>JOINED</c> once every node is in it, then follows the
/// parent's lines on standard input (<c>GO ticks</c>, <c>REPORT</c>, <c>EXIT</c>) and answers on standard output
/// (<c>PROGRESS received sent</c>, <c>RESULT json</c>, <c>ERROR message</c>). It ends when its input ends, so a
/// parent that dies takes its children with it.
/// </summary>
internal sealed class BenchChild
{
    /// <summary>The group every benchmark member joins.</summary>
    public const string GroupName = "clusterctl-bench";

    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    private readonly Lock _outputLock = new();
    private readonly TextWriter _stdout;
    private readonly BenchOptions _options;
    private readonly string _config;
    private readonly string _key;
    private readonly uint _nodeId;
    private readonly bool _send;
    private long _sent;
    private int _autoReported;
    private ClusterNode? _node;
    private string _scheduling = "default";

    private BenchChild(TextWriter stdout, BenchOptions options, string config, string key, uint nodeId, bool send)
    {
        _stdout = stdout;
        _options = options;
        _config = config;
        _key = key;
        _nodeId = nodeId;
        _send = send;
    }

    /// <summary>Parses the child's command line (after <c>--child</c>) and runs it with the process's standard input.</summary>
    public static async Task<int> RunAsync(CommandLine args, TextWriter stdout, CancellationToken cancellationToken)
    {
        var config = args.Value("--config") ?? throw new CommandLineException("--child needs --config");
        var key = args.Value("--key") ?? throw new CommandLineException("--child needs --key");
        var nodeId = (uint)(args.Integer(1, uint.MaxValue, "--node-id") ?? throw new CommandLineException("--child needs --node-id"));
        var send = args.Flag("--send");
        var options = BenchOptions.Parse(args);
        using var stdin = new StreamReader(Console.OpenStandardInput(), Encoding.UTF8);
        return await new BenchChild(stdout, options, config, key, nodeId, send).RunAsync(stdin, cancellationToken).ConfigureAwait(false);
    }

    private async Task<int> RunAsync(TextReader stdin, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            var builder = ClusterNodeBuilder.FromCorosyncConfig(_config, _key, _nodeId);

            // The reader below only records each message's latency and returns it to the pool: it may run on the
            // thread that delivers (no thread-pool hand-off between the network and the measurement).
            builder.Options.InlineGroupReaders = true;
            builder.Options.AcceleratedWindow = _options.AcceleratedWindow;
            if (_options.Transport == "udp")
            {
                BindMulticastRingsExactly(builder.Options, builder.ReceiveLoop);
            }

            var system = builder.Configuration!.System;
            var node = builder.Build();
            _node = node;
            await using var nodeScope = node.ConfigureAwait(false);
            var watcher = Task.Run(() => WatchMembershipAsync(node, stop.Token), CancellationToken.None);
            await node.StartAsync(stop.Token).ConfigureAwait(false);

            // The process is this node and nothing else: it takes the file's system section as clusterctl node does,
            // once the ring's receive thread exists.
            _scheduling = ClusterCtl.ApplySystemScheduling(system)?.Describe() ?? _scheduling;
            // Join the group once the ring has every node: joins then travel in one stable ring, in total order.
            // (Joining while rings merge sometimes leaves a member unseen at one node: see the benchmark README.)
            await WaitForFullRingAsync(node, stop.Token).ConfigureAwait(false);
            var group = await node.JoinGroupAsync(GroupName, stop.Token).ConfigureAwait(false);
            await using var groupScope = group.ConfigureAwait(false);
            var stats = new ReceiveStats(_options, _nodeId);
            var joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var reader = Task.Run(() => ReadEventsAsync(group, stats, joined, stop.Token), CancellationToken.None);
            await Task.WhenAny(joined.Task, reader).WaitAsync(JoinTimeout, stop.Token).ConfigureAwait(false);
            await joined.Task.ConfigureAwait(false);
            WriteLine("JOINED");

            Task? sender = null;
            Task? progress = null;
            while (await stdin.ReadLineAsync(stop.Token).ConfigureAwait(false) is { } line)
            {
                if (line.StartsWith("GO ", StringComparison.Ordinal) && sender is null)
                {
                    stats.Start(long.Parse(line.AsSpan(3), NumberStyles.Integer, CultureInfo.InvariantCulture));
                    sender = _send ? Task.Run(() => SendAsync(group, stop.Token), CancellationToken.None) : Task.CompletedTask;
                    progress = Task.Run(() => ProgressAsync(stats, stop.Token), CancellationToken.None);
                }
                else if (line == "REPORT")
                {
                    Report(stats);
                }
                else if (line == "EXIT")
                {
                    break;
                }
            }

            await stop.CancelAsync().ConfigureAwait(false);
            await Quietly(reader).ConfigureAwait(false);
            await Quietly(watcher).ConfigureAwait(false);
            await Quietly(progress).ConfigureAwait(false);
            await Quietly(sender).ConfigureAwait(false);
            return ClusterCtl.Ok;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            WriteLine("ERROR " + e.GetType().Name + ": " + e.Message.ReplaceLineEndings(" "));
            return ClusterCtl.Failed;
        }
    }

    private async Task ReadEventsAsync(ClusterGroup group, ReceiveStats stats, TaskCompletionSource joined, CancellationToken cancellationToken)
    {
        try
        {
            // The zero-copy reader: each message's payload is read in place, then the message goes back to the pool.
            var events = group.Events;
            while (await events.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (events.TryRead(out var e))
                {
                    switch (e)
                    {
                        case GroupMessage message:
                            stats.Record(message, Stopwatch.GetTimestamp());
                            message.Dispose();
                            if (stats.Complete && Interlocked.Exchange(ref _autoReported, 1) == 0)
                            {
                                Report(stats);
                            }

                            break;
                        case GroupConfigurationChange change:
                            Diagnostic(string.Create(CultureInfo.InvariantCulture, $"group: members {string.Join(' ', change.Members)} joined {string.Join(' ', change.Joined.Select(j => $"{j.Member}({j.Reason})"))} left {string.Join(' ', change.Left.Select(l => $"{l.Member}({l.Reason})"))}"));
                            if (change.Members.Count >= _options.Nodes)
                            {
                                joined.TrySetResult();
                            }
                            else if (joined.Task.IsCompleted && change.Left.Count > 0)
                            {
                                WriteLine("ERROR member " + string.Join(' ', change.Left.Select(l => l.Member)) + " left the group during the run");
                            }

                            break;
                    }
                }
            }

            joined.TrySetException(new InvalidOperationException("the group ended before every node joined"));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            joined.TrySetCanceled(cancellationToken);
        }
    }

    /// <summary>
    /// Corosync matches bindnetaddr against the host's interfaces, so every 127.x.y.z becomes 127.0.0.1 and
    /// several udp nodes on one host would share one address and port. Here each node binds the exact loopback
    /// address of its interface block instead (Linux answers on all of 127/8), as nodes on separate hosts would. The
    /// rings share the node's receive thread (<paramref name="receiveLoop"/>), as the built ones would have.
    /// </summary>
    private void BindMulticastRingsExactly(ClusterNodeOptions options, UdpReceiveLoop? receiveLoop)
    {
        var config = CorosyncConfiguration.Load(_config);
        options.Rings.Clear();
        foreach (var iface in config.Totem.Interfaces.OrderBy(i => i.RingNumber))
        {
            var ring = new UdpMulticastRingOptions
            {
                RingNumber = iface.RingNumber,
                LocalAddress = iface.BindNetAddress ?? throw new BenchFailedException($"{_config}: ring {iface.RingNumber} has no bindnetaddr"),
                MulticastAddress = config.EffectiveMulticastAddress(iface),
                MulticastPort = iface.MulticastPort,
                Ttl = iface.Ttl,
                TimeProvider = options.TimeProvider,

                // The node's one receive thread for all its rings (disposed by the node after them).
                ReceiveLoop = receiveLoop,
                RecvFlush = options.MulticastRecvFlush,
            };
            options.Rings.Add(() => UdpMulticastRing.Create(ring));
        }
    }

    private async Task WaitForFullRingAsync(ClusterNode node, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(JoinTimeout);
        try
        {
            while (node.Membership is not { } membership || membership.Members.Count < _options.Nodes)
            {
                await Task.Delay(20, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"the ring did not reach {_options.Nodes} nodes within {JoinTimeout.TotalSeconds:0} s ({node.Membership})"));
        }
    }

    private static async Task WatchMembershipAsync(ClusterNode node, CancellationToken cancellationToken)
    {
        await foreach (var membership in node.WatchMembershipAsync(cancellationToken).ConfigureAwait(false))
        {
            Diagnostic("membership: " + string.Join(' ', membership.Members));
        }
    }

    private async Task SendAsync(ClusterGroup group, CancellationToken cancellationToken)
    {
        var payload = new byte[_options.Size];
        var interval = _options.Rate > 0 ? (double)Stopwatch.Frequency / _options.Rate : 0;
        var oneMillisecond = Stopwatch.Frequency / 1000;
        var start = Stopwatch.GetTimestamp();
        try
        {
            for (long i = 0; i < _options.Count; i++)
            {
                if (interval > 0)
                {
                    var due = start + (long)(i * interval);
                    var wait = due - Stopwatch.GetTimestamp();
                    if (wait > oneMillisecond)
                    {
                        await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), cancellationToken).ConfigureAwait(false);
                    }

                    while (Stopwatch.GetTimestamp() < due)
                    {
                        Thread.Yield();
                    }
                }

                BinaryPrimitives.WriteInt64LittleEndian(payload, i);
                BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(8), Stopwatch.GetTimestamp());
                await group.SendAsync(payload, MessageOrder.Agreed, cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref _sent);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            WriteLine("ERROR sending: " + e.GetType().Name + ": " + e.Message.ReplaceLineEndings(" "));
        }
    }

    private async Task ProgressAsync(ReceiveStats stats, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(ProgressInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                WriteLine(string.Create(CultureInfo.InvariantCulture, $"PROGRESS {stats.Received} {Interlocked.Read(ref _sent)}"));
            }
        }
        catch (OperationCanceledException)
        {
            // The run is over.
        }
    }

    private static void Diagnostic(string line) => Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss.fff} {line}"));

    private void Report(ReceiveStats stats)
    {
        WriteLine("RESULT " + JsonSerializer.Serialize(stats.Snapshot() with { Scheduling = _scheduling }, BenchJsonContext.Default.BenchMemberResult));

        // For the benchmark's write-up: how the messages travelled (frames per token visit, messages per frame).
        if (_node?.Statistics is { } totem)
        {
            Diagnostic(string.Create(CultureInfo.InvariantCulture,
                $"totem: token visits {totem.TokenVisits} frames sent {totem.FramesSent} retransmits {totem.Retransmits} token retransmits {totem.TokenRetransmits} messages sent {Interlocked.Read(ref _sent)}"));
        }
    }

    private void WriteLine(string line)
    {
        lock (_outputLock)
        {
            _stdout.WriteLine(line);
            _stdout.Flush();
        }
    }

    private static async Task Quietly(Task? task)
    {
        if (task is null)
        {
            return;
        }

        try
        {
            await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
