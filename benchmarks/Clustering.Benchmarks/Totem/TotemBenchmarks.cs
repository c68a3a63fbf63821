using BenchmarkDotNet.Attributes;
using Clustering.Membership.Simulation;
using Clustering.Membership.Totem;
using Clustering.Transport.Framing;

namespace Clustering.Benchmarks.Totem;

/// <summary>
/// The Totem processor alone (three processors wired directly, no network model): messages ordered and delivered per
/// second; and the simulator's speed (one 3-node seed of 24 simulated seconds with faults).
/// </summary>
[MemoryDiagnoser]
public class TotemBenchmarks
{
    private const int Batch = 100;
    private readonly Queue<(uint To, uint From, FrameType Type, byte[] Payload)> _wire = new();
    private readonly byte[] _message = new byte[64];
    private TotemProcessor[] _nodes = [];
    private long _now;
    private long _delivered;

    [GlobalSetup]
    public void Setup()
    {
        _nodes = [.. Enumerable.Range(1, 3).Select(i => new TotemProcessor((uint)i, new TotemProcessorOptions()))];
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

    /// <summary>One seeded simulation: 3 nodes, 8 s of chaos then 16 s of quiet (simulated).</summary>
    [Benchmark]
    public long SimulateOneSeed() => new TotemSimulation(new SimulationOptions { Seed = 11, Nodes = 3, MessagesPerSecond = 10, Duration = TimeSpan.FromSeconds(8), Quiet = TimeSpan.FromSeconds(16) }).Run().Messages;

    private bool Pump()
    {
        var any = false;
        while (_wire.TryDequeue(out var frame))
        {
            any = true;
            var node = _nodes[frame.To - 1];
            node.OnFrame(frame.From, frame.Type, frame.Payload, _now);
            Collect(node);
        }

        return any;
    }

    private void Collect(TotemProcessor node)
    {
        foreach (var frame in node.Output.Frames)
        {
            if (frame.Destination != 0)
            {
                _wire.Enqueue((frame.Destination, node.NodeId, frame.Type, frame.Payload));
                continue;
            }

            foreach (var other in _nodes)
            {
                if (other != node)
                {
                    _wire.Enqueue((other.NodeId, node.NodeId, frame.Type, frame.Payload));
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
