using System.Net;
using BenchmarkDotNet.Attributes;
using Clustering.Membership.Groups;
using Clustering.Membership.Quorum;
using Clustering.Node;
using Clustering.Transport.Redundancy;
using Clustering.Transport.Rings;
using Clustering.Transport.Security;

namespace Clustering.Benchmarks.Node;

/// <summary>
/// The in-process node path end to end: three <see cref="ClusterNode"/>s over the in-memory network (two rings in
/// rrp_mode active, secauth on: sha256 + aes256), one group joined at every node, node 1 sending. One operation is one
/// message delivered at all three members, read zero-copy from <see cref="ClusterGroup.Events"/> and disposed:
/// Mean is the time per message (its inverse the msgs/s), Allocated the bytes allocated per delivered message by the
/// whole process (every thread: sender, Totem owner, transport, dispatchers, readers).
/// </summary>
[MemoryDiagnoser]
public class NodeDeliveryBenchmarks
{
    private const int Batch = 2000;
    private readonly Authkey _key = Authkey.Generate();
    private ClusterNode[] _nodes = [];
    private ClusterGroup[] _groups = [];
    private Task[] _readers = [];
    private long[] _targets = [];
    private byte[] _payload = [];
    private int _pending;
    private TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The message size in bytes.</summary>
    [Params(64, 1024)]
    public int Size { get; set; }

    /// <summary>Starts the nodes, waits for the ring of three, joins the group everywhere and starts the readers.</summary>
    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    /// <summary>Sends <see cref="Batch"/> messages from node 1 and waits until every member has read them all.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task DeliverToThreeMembers()
    {
        _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _pending, _groups.Length);
        for (var i = 0; i < _targets.Length; i++)
        {
            Interlocked.Add(ref _targets[i], Batch);
        }

        var sender = _groups[0];
        for (var i = 0; i < Batch; i++)
        {
            await sender.SendAsync(_payload).ConfigureAwait(false);
        }

        await _done.Task.WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
    }

    /// <summary>Stops the nodes.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var node in _nodes)
        {
            node.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        // The readers end when their node stops (the group's events complete with "the node stopped").
        Task.WhenAny(Task.WhenAll(_readers), Task.Delay(TimeSpan.FromSeconds(10))).GetAwaiter().GetResult();
        _key.Dispose();
    }

    private async Task SetupAsync()
    {
        _payload = new byte[Size];
        var network = new InMemoryNetwork(TimeProvider.System, seed: 1) { ReceiveQueueCapacity = 1 << 16 };
        _nodes = new ClusterNode[3];
        for (var n = 0; n < _nodes.Length; n++)
        {
            var id = n + 1;
            var options = new ClusterNodeOptions
            {
                NodeId = (uint)id,
                ClusterName = "bench",
                Authkey = _key,
                CryptoHash = CryptoHash.Sha256,
                CryptoCipher = CryptoCipher.Aes256,
                Redundancy = new RedundancyOptions { Mode = RrpMode.Active },
                Timings = new Clustering.Transport.Configuration.TotemTimings { Token = TimeSpan.FromMilliseconds(1000), Consensus = TimeSpan.FromMilliseconds(1200) },
                Quorum = new VoteQuorumOptions { ExpectedVotes = 3 },
                SendQueueCapacity = 4096,
                GroupEventQueueCapacity = 1 << 16,
            };
            for (var r = 0; r < 2; r++)
            {
                var ring = r;
                options.Rings.Add(() => network.CreateRing(ring, new IPEndPoint(IPAddress.Parse($"127.0.{ring}.{id}"), 5405)));
            }

            _nodes[n] = ClusterNodeBuilder.FromOptions(options).Build();
        }

        foreach (var node in _nodes)
        {
            await node.StartAsync().ConfigureAwait(false);
        }

        await WaitAsync(() => _nodes.All(n => n.Membership?.Members.Count == 3), "the ring of three").ConfigureAwait(false);
        _groups = new ClusterGroup[_nodes.Length];
        for (var n = 0; n < _nodes.Length; n++)
        {
            _groups[n] = await _nodes[n].JoinGroupAsync("bench").ConfigureAwait(false);
        }

        await WaitAsync(() => _groups.All(g => g.Members.Count == 3), "the group of three").ConfigureAwait(false);
        _targets = new long[_groups.Length];
        _readers = [.. _groups.Select((g, i) => Task.Run(() => ReadAsync(g, i)))];
    }

    private async Task ReadAsync(ClusterGroup group, int index)
    {
        var events = group.Events;
        long read = 0;
        var reached = 0L;
        while (await events.WaitToReadAsync().ConfigureAwait(false))
        {
            while (events.TryRead(out var e))
            {
                if (e is GroupMessage message)
                {
                    message.Dispose();
                    read++;
                }
            }

            var target = Volatile.Read(ref _targets[index]);
            if (read >= target && target > reached)
            {
                reached = target;
                if (Interlocked.Decrement(ref _pending) == 0)
                {
                    _done.TrySetResult();
                }
            }
        }
    }

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"not reached within 60 s: {what}");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }
}
