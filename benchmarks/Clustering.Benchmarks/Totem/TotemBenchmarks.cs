using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using Clustering.Membership.Simulation;
using Clustering.Membership.Tests.Totem;

namespace Clustering.Benchmarks.Totem;

/// <summary>
/// The Totem processor alone (three processors wired directly by <see cref="ProcessorRingHarness"/>, the harness the
/// allocation test uses, no network model): token handling, ordering, packing, fragmentation and delivery, one
/// operation = one message delivered at all three nodes (so the Allocated column is bytes per delivered message);
/// against a bare channel hand-off of the same messages to three readers in the same run.
/// </summary>
[MemoryDiagnoser]
public class TotemBenchmarks
{
    private const int Batch = 1000;
    private readonly Channel<ReadOnlyMemory<byte>>[] _channels = [.. Enumerable.Range(0, 3).Select(_ => Channel.CreateUnbounded<ReadOnlyMemory<byte>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true }))];
    private byte[] _message = [];
    private ProcessorRingHarness _ring = null!;

    /// <summary>The message size in bytes (8 KiB: fragmented into several frames).</summary>
    [Params(64, 1024, 8192)]
    public int Size { get; set; }

    /// <summary>Forms the ring of three processors.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _message = new byte[Size];
        _ring = new ProcessorRingHarness(3, Size, verify: false);
        _ring.Form();
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
        _ring.SendAndDeliver(Batch);
        return _ring.Delivered;
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
