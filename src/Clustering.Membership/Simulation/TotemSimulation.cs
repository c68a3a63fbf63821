using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Clustering.Membership.Totem;
using Clustering.Transport.Framing;

namespace Clustering.Membership.Simulation;

/// <summary>
/// A deterministic simulation of N <see cref="TotemProcessor"/>s on one fake clock over a seeded in-memory network with
/// loss, duplication, reordering (random delay), partitions, crashes and restarts (state directory kept or lost) and
/// long pauses. A chaos phase is followed by a quiet phase in which everything heals; a <see cref="SimulationChecker"/>
/// checks the invariants of total order and extended virtual synchrony on everything delivered, and convergence at the end.
/// </summary>
public sealed class TotemSimulation
{
    private readonly SimulationOptions _options;
    private readonly Random _random;
    private readonly PriorityQueue<SimEvent, (long Time, long Order)> _events = new();
    private readonly SimNode[] _nodes;
    private readonly int[] _partition;
    private readonly SimulationChecker _checker;
    private readonly Queue<string> _trace = new();
    private long _order;
    private long _now;
    private double _loss;
    private double _duplication;
    private long _frames;
    private long _acceleratedTokens; // of processors replaced by a restart
    private bool _sending = true;
    private bool _quiet;
    private bool _prepared;
    private bool _sabotaged;
    private string? _failureTrace;

    /// <summary>Creates the simulation.</summary>
    public TotemSimulation(SimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _random = new Random(options.Seed);
        _nodes = new SimNode[options.Nodes + 1];
        _partition = new int[options.Nodes + 1];
        _checker = new SimulationChecker(options.Nodes);
        for (uint id = 1; id <= options.Nodes; id++)
        {
            _nodes[id] = new SimNode(id);
        }
    }

    /// <summary>Runs the simulation to the end and returns what the checker found.</summary>
    public SimulationResult Run()
    {
        RunUntil(_options.Duration + _options.Quiet);
        return Finish();
    }

    /// <summary>Schedules a scripted action at simulated time <paramref name="at"/>.</summary>
    public void At(TimeSpan at, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        Prepare();
        Schedule(at.Ticks, action);
    }

    /// <summary>Runs events up to simulated time <paramref name="until"/>.</summary>
    public void RunUntil(TimeSpan until)
    {
        Prepare();
        while (_events.TryPeek(out _, out var key) && key.Time <= until.Ticks)
        {
            var next = _events.Dequeue();
            _now = key.Time;
            Execute(next);
        }

        _now = Math.Max(_now, until.Ticks);
    }

    /// <summary>Runs the final checks (convergence included) and returns the result.</summary>
    public SimulationResult Finish()
    {
        var accelerated = _acceleratedTokens + _nodes.Skip(1).Sum(n => n.Processor?.Statistics.AcceleratedTokens ?? 0);
        var result = new SimulationResult { Seed = _options.Seed, Frames = _frames, AcceleratedTokens = accelerated };
        _checker.Finish(_nodes.Skip(1).ToArray(), result);
        if (result.Violations.Count > 0)
        {
            result.Trace = _failureTrace ?? string.Join('\n', _trace);
        }

        return result;
    }

    /// <summary>The current processor of node <paramref name="id"/>.</summary>
    internal TotemProcessor ProcessorOf(uint id) => _nodes[id].Processor;

    /// <summary>Whether node <paramref name="id"/> runs.</summary>
    public bool IsUp(uint id) => _nodes[id].Up;

    /// <summary>Every configuration node <paramref name="id"/> installed, in order, over all its lives.</summary>
    internal IReadOnlyList<TotemConfiguration> ConfigurationsOf(uint id) => _nodes[id].Configurations;

    /// <summary>Crashes node <paramref name="id"/> now.</summary>
    public void CrashNode(uint id) => Crash(_nodes[id]);

    /// <summary>Restarts node <paramref name="id"/> now, with its state directory kept or lost.</summary>
    public void RestartNode(uint id, bool keepState) => Restart(_nodes[id], keepState);

    /// <summary>Stalls node <paramref name="id"/> for <paramref name="duration"/> from now.</summary>
    public void PauseNode(uint id, TimeSpan duration) => _nodes[id].PausedUntil = _now + duration.Ticks;

    /// <summary>Splits the network: nodes in different groups cannot reach each other (unlisted nodes form group 0).</summary>
    public void Partition(params uint[][] groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        Array.Clear(_partition);
        for (var g = 0; g < groups.Length; g++)
        {
            foreach (var id in groups[g])
            {
                _partition[id] = g + 1;
            }
        }

        Note("partition " + string.Join(' ', _partition.Skip(1)));
    }

    /// <summary>Stops the application load (so that everything sent can be delivered before <see cref="Finish"/>).</summary>
    public void StopSending() => _sending = false;

    /// <summary>Heals any partition.</summary>
    public void HealPartition()
    {
        Array.Clear(_partition);
        Note("partition healed");
    }

    private void Prepare()
    {
        if (_prepared)
        {
            return;
        }

        _prepared = true;
        foreach (var node in Nodes())
        {
            var at = (long)(_random.NextDouble() * TimeSpan.TicksPerMillisecond * 100);
            Schedule(at, () => Restart(node, keepState: true));
            if (_options.MessagesPerSecond > 0)
            {
                Schedule(at + NextSendDelay(), () => Send(node));
            }
        }

        _loss = _options.Loss;
        _duplication = _options.Duplication;
        if (_options.Faults)
        {
            ScheduleFaults();
        }

        Schedule(_options.Duration.Ticks, Heal);
        Schedule((_options.Duration + (_options.Quiet / 2)).Ticks, () => _sending = false);
    }

    private IEnumerable<SimNode> Nodes() => _nodes.Skip(1);

    private long NextSendDelay()
    {
        var mean = TimeSpan.TicksPerSecond / _options.MessagesPerSecond;
        return 1 + (long)(-Math.Log(1 - _random.NextDouble()) * mean);
    }

    private void ScheduleFaults()
    {
        var seconds = _options.Duration.TotalSeconds;
        var count = 1 + _random.Next(Math.Max(1, (int)(seconds / 2)));
        for (var i = 0; i < count; i++)
        {
            var at = (long)((0.5 + (_random.NextDouble() * Math.Max(0, seconds - 1))) * TimeSpan.TicksPerSecond);
            var node = _nodes[1 + _random.Next(_options.Nodes)];
            switch (_random.Next(6))
            {
                case 0:
                case 1:
                    var downFor = (long)((0.3 + (_random.NextDouble() * 3)) * TimeSpan.TicksPerSecond);
                    var keep = _random.NextDouble() < 0.75;
                    Schedule(at, () => Crash(node));
                    Schedule(at + downFor, () =>
                    {
                        if (!node.Up)
                        {
                            Restart(node, keep);
                        }
                    });
                    break;
                case 2:
                case 3:
                    var healAfter = (long)((0.5 + (_random.NextDouble() * 4)) * TimeSpan.TicksPerSecond);
                    var groups = 2 + _random.Next(Math.Min(2, Math.Max(1, _options.Nodes - 1)));
                    Schedule(at, () => Split(groups));
                    Schedule(at + healAfter, () =>
                    {
                        Array.Clear(_partition);
                        Note("partition healed");
                    });
                    break;
                case 4:
                    Schedule(at, () =>
                    {
                        node.PausedUntil = _now + (5 * TimeSpan.TicksPerSecond);
                        Note($"node {node.Id} paused for 5 s");
                    });
                    break;
                default:
                    var burst = (long)((1 + _random.NextDouble()) * TimeSpan.TicksPerSecond);
                    Schedule(at, () =>
                    {
                        _loss = 0.3;
                        _duplication = 0.1;
                        Note("loss burst 30 %");
                    });
                    Schedule(at + burst, () =>
                    {
                        if (_quiet)
                        {
                            return;
                        }

                        _loss = _options.Loss;
                        _duplication = _options.Duplication;
                        Note("loss burst over");
                    });
                    break;
            }
        }
    }

    private void Split(int groups)
    {
        for (var i = 1; i < _partition.Length; i++)
        {
            _partition[i] = _random.Next(groups);
        }

        Note("partition " + string.Join(' ', _partition.Skip(1)));
    }

    private void Heal()
    {
        _quiet = true;
        Array.Clear(_partition);
        _loss = 0;
        _duplication = 0;
        Note("quiet phase: network healed");
        foreach (var node in Nodes())
        {
            if (!node.Up)
            {
                Restart(node, keepState: true);
            }
        }
    }

    private void Crash(SimNode node)
    {
        if (!node.Up)
        {
            return;
        }

        node.Up = false;
        node.Incarnation++;
        Note($"node {node.Id} crashed");
    }

    private void Restart(SimNode node, bool keepState)
    {
        if (node.Up)
        {
            return;
        }

        node.Incarnation++;
        if (!keepState)
        {
            node.Store = new InMemoryRingIdStore();
            node.StateEpoch++;
        }

        _acceleratedTokens += node.Processor?.Statistics.AcceleratedTokens ?? 0;
        node.Processor = new TotemProcessor(node.Id, new TotemProcessorOptions
        {
            Timings = _options.Timings,
            RingIdStore = node.Store,
            ReportReceipts = true,

            // As under a real transport: frames in recycled buffers, copied out before the next call (see Transmit);
            // recycled buffers are overwritten, so a payload used after it was freed breaks the body checks.
            PoolBuffers = true,
            PoisonFreedBuffers = true,
            RingSeqFloor = RingSeqFloorNow(),
            Random = new Random(unchecked((_options.Seed * 7919) + ((int)node.Id * 104729) + (node.StateEpoch * 31) + (int)(_now % 1_000_003))),
        });
        node.Up = true;
        node.PausedUntil = 0;
        Array.Clear(node.TimerGeneration);
        _checker.Started(node, _now);
        Note($"node {node.Id} started ({(keepState ? "state kept" : "state lost")})");
        node.Processor.Start(_now);
        Drain(node);
    }

    /// <summary>The wall-clock floor a runtime gives a starting node: here the simulated time in milliseconds.</summary>
    private ulong RingSeqFloorNow() => (ulong)(_now / TimeSpan.TicksPerMillisecond);

    private void Send(SimNode node)
    {
        if (!_sending)
        {
            return;
        }

        Schedule(_now + NextSendDelay(), () => Send(node));
        if (!node.Up || node.PausedUntil > _now)
        {
            return;
        }

        var sizes = _options.MessageSizes;
        var payload = new byte[sizes is { Count: > 0 } ? Math.Max(8, sizes[_random.Next(sizes.Count)]) : 8 + _random.Next(24)];
        var counter = node.Counter + 1;
        BinaryPrimitives.WriteUInt32LittleEndian(payload, node.Id);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(4), counter);
        SimulationChecker.FillBody(payload);
        var order = _random.NextDouble() < _options.SafeFraction ? DeliveryOrder.Safe : DeliveryOrder.Agreed;
        if (node.Processor.TryEnqueue(payload, order, _now))
        {
            node.Counter = counter;
            _checker.Sent(node, SimulationChecker.MessageId(payload), _now);
            Drain(node);
        }
    }

    private void Execute(SimEvent e)
    {
        if (e.Action is not null)
        {
            e.Action();
            return;
        }

        var node = e.Node!;
        if (!node.Up || node.Incarnation != e.Incarnation)
        {
            return;
        }

        if (node.PausedUntil > _now)
        {
            Enqueue(node.PausedUntil, e);
            return;
        }

        if (e.Payload is null)
        {
            if (node.TimerGeneration[(int)e.Timer] != e.Generation)
            {
                return;
            }

            node.Processor.OnTimer(e.Timer, _now);
        }
        else
        {
            node.Processor.OnFrame(e.From, e.Type, e.Payload, _now);
        }

        Drain(node);
    }

    private void Drain(SimNode node)
    {
        var output = node.Processor.Output;
        foreach (var frame in output.Frames)
        {
            Transmit(node, frame);
        }

        foreach (var timer in output.Timers)
        {
            var generation = ++node.TimerGeneration[(int)timer.Timer];
            if (timer.DueTicks >= 0)
            {
                Enqueue(timer.DueTicks, new SimEvent { Node = node, Incarnation = node.Incarnation, Timer = timer.Timer, Generation = generation });
            }
        }

        foreach (var ev in output.Events)
        {
            if (ev.Kind == TotemEventKind.Configuration)
            {
                node.Configurations.Add(ev.Configuration!);
                Note($"node {node.Id}: {ev.Configuration!.Kind} {ev.Ring} [{string.Join(',', ev.Configuration.Members)}]");
            }

            var violation = _checker.Record(node, ev, _now, _nodes);
            if (_options.SabotageDuplicateDelivery && ev.Kind == TotemEventKind.Delivery && !_sabotaged)
            {
                _sabotaged = true;
                violation ??= _checker.Record(node, ev, _now, _nodes);
            }

            if (violation is not null)
            {
                Note("VIOLATION " + violation);
                _failureTrace ??= string.Join('\n', _trace);
            }
        }

        output.Clear();
    }

    private void Transmit(SimNode from, OutboundFrame frame)
    {
        _frames++;
        if (_trace.Count >= _options.TraceLength)
        {
            _trace.Dequeue();
        }

        // The frame's bytes are the processor's until its next call: the network carries a copy.
        var bytes = frame.Bytes.ToArray();
        _trace.Enqueue(string.Create(CultureInfo.InvariantCulture, $"{Ms(_now)} {from.Id}->{(frame.Destination == 0 ? "*" : frame.Destination.ToString(CultureInfo.InvariantCulture))} {frame.Type} {Describe(frame.Type, bytes)}"));
        if (frame.Destination == 0)
        {
            foreach (var node in Nodes())
            {
                if (node != from)
                {
                    Link(from, node, frame.Type, bytes);
                }
            }
        }
        else if (frame.Destination < _nodes.Length)
        {
            Link(from, _nodes[frame.Destination], frame.Type, bytes);
        }
    }

    private void Link(SimNode from, SimNode to, FrameType type, byte[] bytes)
    {
        if (_partition[from.Id] != _partition[to.Id] || _random.NextDouble() < _loss)
        {
            return;
        }

        var copies = _random.NextDouble() < _duplication ? 2 : 1;
        for (var i = 0; i < copies; i++)
        {
            var delay = _options.MinDelay.Ticks + (long)(_random.NextDouble() * (_options.MaxDelay - _options.MinDelay).Ticks);
            Enqueue(_now + delay, new SimEvent { Node = to, Incarnation = to.Incarnation, From = from.Id, Type = type, Payload = bytes });
        }
    }

    private void Schedule(long at, Action action) => Enqueue(at, new SimEvent { Action = action });

    private void Enqueue(long at, SimEvent e) => _events.Enqueue(e, (at, _order++));

    private void Note(string text)
    {
        if (_trace.Count >= _options.TraceLength)
        {
            _trace.Dequeue();
        }

        _trace.Enqueue($"{Ms(_now)} # {text}");
    }

    private static string Ms(long ticks) => (ticks / (double)TimeSpan.TicksPerMillisecond).ToString("F3", CultureInfo.InvariantCulture) + "ms";

    private static string Describe(FrameType type, byte[] payload)
    {
        var sb = new StringBuilder();
        switch (type)
        {
            case FrameType.Multicast when TotemCodec.TryDecodeMcast(payload, out var m):
                sb.Append(CultureInfo.InvariantCulture, $"ring={m!.Ring} seq={m.Seq} origin={m.Origin} {m.Order}");
                if (m.Recovered is { } r)
                {
                    sb.Append(CultureInfo.InvariantCulture, $" recovers ring={r.Ring} seq={r.Seq}");
                }

                break;
            case FrameType.Token when TotemCodec.TryDecodeToken(payload, out var t):
                sb.Append(CultureInfo.InvariantCulture, $"ring={t!.Ring} tseq={t.TokenSeq} seq={t.Seq} aru={t.Aru}/{t.AruAddr} fcc={t.Fcc} rtr=[{string.Join(',', t.Rtr)}] rb={t.RetransBacklog} install={t.InstallSeq}");
                break;
            case FrameType.Join when TotemCodec.TryDecodeJoin(payload, out var j):
                sb.Append(CultureInfo.InvariantCulture, $"proc=[{string.Join(',', j!.Proc)}] failed=[{string.Join(',', j.Failed)}] ringseq={j.RingSeq}");
                break;
            case FrameType.CommitToken when TotemCodec.TryDecodeCommit(payload, out var c):
                sb.Append(CultureInfo.InvariantCulture, $"ring={c!.Ring} index={c.Index} [{string.Join(' ', c.Entries.Select(e => $"{e.Node}:{e.OldRing}/{e.Aru}{(e.Filled ? "" : "?")}"))}]");
                break;
            default:
                if (TotemCodec.TryDecodeRing(payload, out var ring))
                {
                    sb.Append(CultureInfo.InvariantCulture, $"ring={ring}");
                }

                break;
        }

        return sb.ToString();
    }

    private sealed class SimEvent
    {
        public Action? Action { get; init; }

        public SimNode? Node { get; init; }

        public int Incarnation { get; init; }

        public uint From { get; init; }

        public FrameType Type { get; init; }

        public byte[]? Payload { get; init; }

        public TotemTimer Timer { get; init; }

        public long Generation { get; init; }
    }
}
