using BenchmarkDotNet.Attributes;

namespace Clustering.Benchmarks.Totem;

/// <summary>
/// End to end: 3 <see cref="Clustering.Membership.Totem.TotemRing"/> nodes in memory (2 active rings, secauth on), one
/// sender; a message counts once every node delivered it. Reported per message (OperationsPerInvoke).
/// </summary>
[MemoryDiagnoser]
public class TotemRingBenchmarks
{
    private const int Batch = 5000;
    private TotemRingCluster _cluster = null!;
    private byte[] _message = null!;

    /// <summary>The message size in bytes.</summary>
    [Params(64, 1024, 8192)]
    public int Size { get; set; }

    /// <summary>Forms the ring.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _message = new byte[Size];
        Random.Shared.NextBytes(_message);
        _cluster = new TotemRingCluster();
        _cluster.WaitForRingAsync().GetAwaiter().GetResult();
    }

    /// <summary>Stops the nodes.</summary>
    [GlobalCleanup]
    public void Cleanup() => _cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Sends <see cref="Batch"/> messages from node 1 and waits until all three nodes delivered them.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public Task SendAndDeliverEverywhere() => _cluster.SendAndWaitAsync(_message, Batch);

    /// <summary>Light load: one message alone, from the send to its delivery at all three nodes (the token is held when idle and the hold is cancelled by the send).</summary>
    [Benchmark]
    public Task OneMessageAlone() => _cluster.SendAndWaitAsync(_message, 1);
}
