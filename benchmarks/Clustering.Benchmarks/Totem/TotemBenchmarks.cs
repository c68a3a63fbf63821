using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using Clustering.Membership.Simulation;
using Clustering.Membership.Totem;
using Clustering.Transport.Framing;

namespace Clustering.Benchmarks.Totem;

/// <summary>
/// The Totem processor alone (three processors wired directly, no network model): token handling, ordering, packing
/// and delivery, one operation = one message delivered at all three nodes; against a bare channel hand-off of the same
/// messages to three readers in the same run; and the simulator's speed (one 3-node seed of 24 simulated seconds).
/// </summary>
[MemoryDiagnoser]
public class TotemBenchmarks
{
    private const int Batch = 1000;
    private readonly Queue<(uint To, uint From, FrameType Type, byte[] Payload, int Length)> _wire = new();
    private readonly Channel<ReadOnlyMemory<byte>>[] _channels = [.. Enumerable.Range(0, 3).Select(_ => Channel.CreateUnbounded<ReadOnlyMemory<byte>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true }))];
    private readonly Stack<byte[]> _receiveBuffers = new();
    private byte[] _message = [];
    private TotemProcessor[] _nodes = [];
    private long _now;
    private long _delivered;

    /// <summary>The message size in bytes.</summary>
    [Params(64, 1024, 8192)]
    public int Size { get; set; }

    /// <summary>Forms the ring of three processors.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _message = new byte[Size];
        _nodes = [.. Enumerable.Range(1, 3).Select(i => new TotemProcessor((uint)i, new TotemProcessorOptions { PoolBuffers = true }))];
        foreach (var node in _nodes)
        {
            node.Start(_now);
            Collect(node);
        }

        for (var i = 0; i < 200 && !_nodes.All(n => n.State == TotemState.Operational && n.Members.Count == 3); i++)
        {
            Pump();
            _now += TimeSpan.TicksPerMillisecond * 50;
            foreach (var node in _nodes)
            {
                node.OnTimer(TotemTimer.Join, _now);
                Collect(node);
                node.OnTimer(TotemTimer.Consensus, _now);
                Collect(node);
            }
        }

        if (!_nodes.All(n => n.State == TotemState.Operational && n.Members.Count == 3))
        {
            throw new InvalidOperationException("the benchmark ring did not form");
        }
    }

    /// <summary>The reference: <see cref="Batch"/> messages handed to three readers through channels, nothing else.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public long ChannelHandOff()
    {
        long read = 0;
        for (var i = 0; i < Batch; i++)
        {
            foreach (var channel in _channels)
            {
                channel.Writer.TryWrite(_message);
            }
        }

        foreach (var channel in _channels)
        {
            while (channel.Reader.TryRead(out var m))
            {
                read += m.Length;
            }
        }

        return read;
    }

    /// <summary>Orders and delivers <see cref="Batch"/> messages sent by one node at all three nodes.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public long OrderAndDeliver()
    {
        var target = _delivered + (3L * Batch);
        for (var i = 0; i < Batch; i++)
        {
            _nodes[1].TryEnqueue(_message, DeliveryOrder.Agreed, _now);
            Collect(_nodes[1]);
        }

        while (_delivered < target)
        {
            if (!Pump())
            {
                _now += TimeSpan.TicksPerMillisecond * 200;
                _nodes[0].OnTimer(TotemTimer.Hold, _now);
                Collect(_nodes[0]);
            }
        }

        return _delivered;
    }

    private bool Pump()
    {
        var any = false;
        while (_wire.TryDequeue(out var frame))
        {
            any = true;
            var node = _nodes[frame.To - 1];
            node.OnFrame(frame.From, frame.Type, frame.Payload.AsSpan(0, frame.Length), _now);
            _receiveBuffers.Push(frame.Payload);
            Collect(node);
        }

        return any;
    }

    private void Collect(TotemProcessor node)
    {
        // Like a transport: every receiver gets its own copy in a pooled receive buffer, returned once handled.
        foreach (var frame in node.Output.Frames)
        {
            foreach (var other in _nodes)
            {
                if (other != node && (frame.Destination == 0 || frame.Destination == other.NodeId))
                {
                    var bytes = frame.Bytes.Span;
                    var copy = bytes.Length <= 2048 && _receiveBuffers.TryPop(out var pooled) ? pooled : new byte[Math.Max(2048, bytes.Length)];
                    bytes.CopyTo(copy);
                    _wire.Enqueue((other.NodeId, node.NodeId, frame.Type, copy, bytes.Length));
                }
            }
        }

        foreach (var e in node.Output.Events)
        {
            if (e.Kind == TotemEventKind.Delivery)
            {
                _delivered++;
            }
        }
    }
}

/// <summary>The simulator's speed: one seeded 3-node simulation of 24 simulated seconds (8 s with faults, 16 s quiet).</summary>
[MemoryDiagnoser]
public class TotemSimulationBenchmarks
{
    /// <summary>One seeded simulation: 3 nodes, 8 s of chaos then 16 s of quiet (simulated).</summary>
    [Benchmark]
    public long SimulateOneSeed() => new TotemSimulation(new SimulationOptions { Seed = 11, Nodes = 3, MessagesPerSecond = 10, Duration = TimeSpan.FromSeconds(8), Quiet = TimeSpan.FromSeconds(16) }).Run().Messages;
}
