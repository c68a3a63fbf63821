using System.Globalization;
using Clustering.Membership.Groups;
using Clustering.Membership.Totem;
using Clustering.Node;
using Clustering.Transport.Configuration;
using Clustering.Transport.Rings;
using Clustering.Transport.Security;
using Microsoft.Extensions.Logging;

namespace Clustering.NodeHost;

/// <summary>
/// Runs one <see cref="ClusterNode"/> from a corosync.conf, joins one process group, reports every membership,
/// quorum and group change as a JSON line and answers the commands read from standard input:
/// <c>send N SIZE RATE</c>, <c>stats</c>, <c>reset</c>, <c>rings</c>, <c>leave</c>, <c>quit</c>.
/// </summary>
internal sealed class NodeHostApp
{
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan LeaveTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly HostArguments _arguments;
    private readonly EventWriter _events;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly DeliveryStatistics _statistics = new();
    private Task _sending = Task.CompletedTask;
    private ulong _lastSequence;

    public NodeHostApp(HostArguments arguments, EventWriter events, ILoggerFactory loggers, TimeProvider time)
    {
        _arguments = arguments;
        _events = events;
        _loggers = loggers;
        _logger = loggers.CreateLogger<NodeHostApp>();
        _time = time;
    }

    private uint Id => _arguments.NodeId;

    /// <summary>Runs until <c>quit</c>, the end of <paramref name="input"/> or <paramref name="terminate"/>; returns the exit code.</summary>
    public async Task<int> RunAsync(TextReader input, CancellationToken terminate)
    {
        HostLog.Starting(_logger, Id, _arguments.ConfigPath);
        ClusterNode node;
        try
        {
            node = Build();
        }
        catch (Exception e) when (e is ConfigurationException or AuthkeyException or HostArgumentException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            return Fail(e);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(terminate);
        var background = new List<Task>
        {
            WatchMembershipAsync(node, stop.Token),
            WatchQuorumAsync(node, stop.Token),
        };
        var reason = "failure";
        var exitCode = 0;
        try
        {
            ClusterGroup group;
            try
            {
                await node.StartAsync(stop.Token).ConfigureAwait(false);
                using var joining = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                joining.CancelAfter(JoinTimeout);
                group = await node.JoinGroupAsync(_arguments.Group, joining.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (terminate.IsCancellationRequested)
            {
                reason = "signal";
                return 0;
            }
            catch (Exception e) when (e is IOException or BindNetAddressNotFoundException or InvalidOperationException or OperationCanceledException)
            {
                exitCode = Fail(e);
                return exitCode;
            }

            _events.Write(new ReadyEvent(Id, Environment.ProcessId, group.Name, group.Member.ProcessId));
            background.Add(ReadGroupAsync(group, stop.Token));
            reason = await CommandLoopAsync(input, node, group, stop.Token, terminate).ConfigureAwait(false);
            return 0;
        }
        finally
        {
            HostLog.Stopping(_logger, Id, reason);
            await stop.CancelAsync().ConfigureAwait(false);
            using (var bounded = new CancellationTokenSource(StopTimeout))
            {
                // A graceful stop: the member leaves its group (others see LEAVE), then the node stops.
                await node.StopAsync(bounded.Token).ConfigureAwait(false);
            }

            await node.DisposeAsync().ConfigureAwait(false);
            background.Add(_sending);
            await Task.WhenAny(Task.WhenAll(background), Task.Delay(StopTimeout, _time, CancellationToken.None)).ConfigureAwait(false);
            if (exitCode == 0)
            {
                _events.Write(new StoppedEvent(Id, reason));
            }
        }
    }

    private ClusterNode Build()
    {
        var builder = ClusterNodeBuilder.FromCorosyncConfig(_arguments.ConfigPath, _arguments.AuthkeyPath, Id, _loggers);
        if (_arguments.LocalAddresses.Count > 0)
        {
            BindExactly(builder.Options);
        }

        return builder.Build();
    }

    /// <summary>Replaces the multicast rings' bindnetaddr match with the exact addresses of <c>--local-address</c>.</summary>
    private void BindExactly(ClusterNodeOptions options)
    {
        var config = CorosyncConfiguration.Load(_arguments.ConfigPath);
        if (config.Totem.Transport != TransportKind.Udp)
        {
            throw new HostArgumentException("--local-address applies to transport udp only (udpu takes the nodelist's addresses)");
        }

        options.Rings.Clear();
        foreach (var iface in config.Totem.Interfaces.OrderBy(i => i.RingNumber))
        {
            _arguments.LocalAddresses.TryGetValue(iface.RingNumber, out var local);
            var ringOptions = new UdpMulticastRingOptions
            {
                RingNumber = iface.RingNumber,
                LocalAddress = local,
                BindNetAddress = iface.BindNetAddress,
                MulticastAddress = config.EffectiveMulticastAddress(iface),
                MulticastPort = iface.MulticastPort,
                Ttl = iface.Ttl,
                TimeProvider = options.TimeProvider,
            };
            ringOptions.Validate();
            options.Rings.Add(() => UdpMulticastRing.Create(ringOptions, _loggers));
        }

        var unknown = _arguments.LocalAddresses.Keys.Except(config.Totem.Interfaces.Select(i => i.RingNumber)).ToList();
        if (unknown.Count > 0)
        {
            throw new HostArgumentException($"--local-address names ring {unknown[0]}, which has no interface block");
        }
    }

    private int Fail(Exception e)
    {
        HostLog.StartFailed(_logger, Id, e);
        _events.Write(new ErrorEvent(Id, $"{e.GetType().Name}: {e.Message}"));
        _events.Write(new StoppedEvent(Id, "failure"));
        return 3;
    }

    private async Task<string> CommandLoopAsync(TextReader input, ClusterNode node, ClusterGroup group, CancellationToken stop, CancellationToken terminate)
    {
        var terminated = Task.Delay(Timeout.InfiniteTimeSpan, _time, terminate);
        while (true)
        {
            // Console input reads synchronously: read on the pool so a signal is not stuck behind a blocked read.
            var read = Task.Run(input.ReadLine, CancellationToken.None);
            if (await Task.WhenAny(read, terminated).ConfigureAwait(false) != read)
            {
                return "signal";
            }

            var line = await read.ConfigureAwait(false);
            if (line is null)
            {
                return "eof";
            }

            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (words.Length == 0)
            {
                continue;
            }

            try
            {
                switch (words[0])
                {
                    case "quit":
                        return "quit";
                    case "send":
                        StartSending(words, group, stop);
                        break;
                    case "stats":
                        _events.Write(_statistics.Snapshot(Id));
                        break;
                    case "reset":
                        _statistics.Reset();
                        _events.Write(_statistics.Snapshot(Id));
                        break;
                    case "rings":
                        _events.Write(Rings(node));
                        break;
                    case "leave":
                        using (var bounded = CancellationTokenSource.CreateLinkedTokenSource(stop))
                        {
                            bounded.CancelAfter(LeaveTimeout);
                            await group.LeaveAsync(bounded.Token).ConfigureAwait(false);
                        }

                        _events.Write(new LeftEvent(Id));
                        break;
                    default:
                        _events.Write(new ErrorEvent(Id, $"unknown command '{words[0]}' (send N SIZE RATE, stats, reset, rings, leave, quit)"));
                        break;
                }
            }
            catch (Exception e) when (e is CommandException or InvalidOperationException or OperationCanceledException)
            {
                if (terminate.IsCancellationRequested)
                {
                    return "signal";
                }

                HostLog.CommandFailed(_logger, line, e);
                _events.Write(new ErrorEvent(Id, $"{words[0]}: {e.Message}"));
            }
        }
    }

    private void StartSending(string[] words, ClusterGroup group, CancellationToken stop)
    {
        if (words.Length != 4)
        {
            throw new CommandException("usage: send N SIZE RATE (RATE messages per second, 0 for as fast as the ring takes them)");
        }

        var count = Number(words[1], "N", 1, 100_000_000);
        var size = Number(words[2], "SIZE", SequencedPayload.MinimumSize, SequencedPayload.MaximumSize);
        var rate = Number(words[3], "RATE", 0, 1_000_000);
        if (!_sending.IsCompleted)
        {
            throw new CommandException("a send is still running; wait for its 'sent' line");
        }

        _sending = Task.Run(() => SendAsync(group, count, size, rate, stop), CancellationToken.None);
    }

    private async Task SendAsync(ClusterGroup group, int count, int size, int rate, CancellationToken stop)
    {
        var buffer = new byte[size];
        var first = _lastSequence + 1;
        var start = _time.GetTimestamp();
        try
        {
            for (var i = 0; i < count; i++)
            {
                if (rate > 0)
                {
                    // Paced on the absolute schedule: message i leaves at i / rate seconds; a late loop catches up.
                    var wait = TimeSpan.FromSeconds((double)i / rate) - _time.GetElapsedTime(start);
                    if (wait > TimeSpan.FromMilliseconds(1))
                    {
                        await Task.Delay(wait, _time, stop).ConfigureAwait(false);
                    }
                }

                var sequence = _lastSequence + 1;
                SequencedPayload.Write(buffer, Id, sequence);
                await group.SendAsync(buffer, MessageOrder.Agreed, stop).ConfigureAwait(false);
                _lastSequence = sequence;
            }

            _events.Write(new SentEvent(Id, count, first, _lastSequence, (long)_time.GetElapsedTime(start).TotalMilliseconds));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (InvalidOperationException e)
        {
            _events.Write(new ErrorEvent(Id, $"send: {e.Message} (sent up to sequence {_lastSequence})"));
        }
    }

    private RingsEvent Rings(ClusterNode node)
    {
        var status = node.GetRingStatus();
        return new RingsEvent(
            Id,
            [.. status.Rings.Where(r => r.IsFaulty).Select(r => r.RingNumber)],
            [.. status.Rings.Select(r => new RingInfo(r.RingNumber, r.Address.ToString(), r.Health.ToString(), r.IsFaulty, r.ProblemCount, r.StatusText))]);
    }

    private async Task WatchMembershipAsync(ClusterNode node, CancellationToken stop)
    {
        try
        {
            await foreach (var m in node.WatchMembershipAsync(stop).ConfigureAwait(false))
            {
                _events.Write(new MembershipEvent(Id, m.RingId.Representative, m.RingId.Sequence, m.Members));
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async Task WatchQuorumAsync(ClusterNode node, CancellationToken stop)
    {
        try
        {
            await foreach (var q in node.WatchQuorumAsync(stop).ConfigureAwait(false))
            {
                _events.Write(new QuorumEvent(Id, q.Quorate, q.ExpectedVotes, q.TotalVotes, q.Quorum, q.Members, q.FlagsText));
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async Task ReadGroupAsync(ClusterGroup group, CancellationToken stop)
    {
        try
        {
            await foreach (var e in group.ReadEventsAsync(stop).ConfigureAwait(false))
            {
                switch (e)
                {
                    case GroupMessage message:
                        _statistics.Record(message.Sender.NodeId, message.Payload.Span);
                        break;
                    case GroupConfigurationChange change:
                        _events.Write(new GroupChangeEvent(
                            Id,
                            [.. change.Members.Select(m => new MemberRef(m.NodeId, m.ProcessId))],
                            [.. change.Joined.Select(Change)],
                            [.. change.Left.Select(Change)]));
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (InvalidOperationException)
        {
            // The node stopped under the reader.
        }
    }

    private static MemberChange Change(GroupMemberChange c) => new(c.Member.NodeId, c.Member.ProcessId, c.Reason.ToString());

    private static int Number(string text, string name, int min, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new CommandException($"{name} must be an integer from {min} to {max}, not '{text}'");
}
