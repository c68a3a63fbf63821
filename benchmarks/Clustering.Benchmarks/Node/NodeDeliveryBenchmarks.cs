using BenchmarkDotNet.Attributes;
using Clustering.Node;
using Clustering.Node.Tests.SteadyState;

namespace Clustering.Benchmarks.Node;

/// <summary>
/// The in-process node path end to end: three <see cref="ClusterNode"/>s (two rings in rrp_mode active, secauth on:
/// sha256 + aes256), one group joined at every node, node 1 sending with <see cref="ClusterGroup.SendAsync"/>, over the
/// in-memory network or over real UDP multicast on loopback addresses (<see cref="DeliveryRig"/>, the rig the
/// steady-state allocation tests use). One operation is one message delivered at all three members, read zero-copy
/// from <see cref="ClusterGroup.Events"/> and disposed: Mean is the time per message (its inverse the msgs/s),
/// Allocated the bytes allocated per delivered message by the whole process (every thread: sender, ring receive and
/// delivery threads, Totem owners, dispatchers, readers).
/// </summary>
[MemoryDiagnoser]
public class NodeDeliveryBenchmarks
{
    private const int Batch = 2000;
    private DeliveryRig? _rig;

    /// <summary>The network under the nodes.</summary>
    [Params(RigNetwork.InMemory, RigNetwork.UdpLoopback)]
    public RigNetwork Network { get; set; }

    /// <summary>The message size in bytes.</summary>
    [Params(64, 1024)]
    public int Size { get; set; }

    /// <summary>Starts the nodes, waits for the ring of three, joins the group everywhere and starts the readers.</summary>
    [GlobalSetup]
    public void Setup() => _rig = DeliveryRig.StartAsync(Network, Size).GetAwaiter().GetResult();

    /// <summary>Sends <see cref="Batch"/> messages from node 1 and waits until every member has read them all.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public Task DeliverToThreeMembers() => _rig!.SendAndWaitAsync(Batch);

    /// <summary>Stops the nodes.</summary>
    [GlobalCleanup]
    public void Cleanup() => _rig?.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
