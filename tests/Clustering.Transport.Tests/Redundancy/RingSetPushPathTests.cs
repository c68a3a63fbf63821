using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Clustering.Transport.Framing;
using Clustering.Transport.Redundancy;
using Clustering.Transport.Rings;
using Clustering.Transport.Security;
using Clustering.Transport.Tests.Rings;
using Clustering.Transport.Tests.Security;
using Microsoft.Extensions.Time.Testing;

namespace Clustering.Transport.Tests.Redundancy;

/// <summary>
/// The push path over real loopback sockets (UDP multicast and udpu, two active rings, secauth on): every datagram is
/// authenticated on its ring's receive thread and delivered straight to <see cref="RingSet.Received"/>; frames stay in
/// order per sender, second copies are dropped (most of them before authentication), and the sending side allocates
/// nothing per frame.
/// </summary>
[TestFixture("udp", false)]
[TestFixture("udpu", false)]
[TestFixture("udp", true)]
[TestFixture("udpu", true)]
[CancelAfter(60_000)]
[NonParallelizable]
public sealed class RingSetPushPathTests(string transport, bool sharedLoop)
{
    private const string ClusterName = "push-path-tests";

    [Test]
    public async Task FramesArriveOnceAndInOrderPerSenderAndSecondCopiesAreDroppedBeforeAuthentication()
    {
        await using var cluster = await UdpCluster.CreateAsync(transport, nodes: 3, sharedLoop: sharedLoop);
        const int PerSender = 300;
        var (a, b, c) = (cluster.Nodes[0], cluster.Nodes[1], cluster.Nodes[2]);
        var collected = new[] { CollectAsync(a, PerSender), CollectAsync(b, PerSender), CollectAsync(c, 2 * PerSender) };
        var payload = new byte[256];
        for (var i = 0; i < PerSender; i++)
        {
            await a.SendToAllAsync(FrameType.Multicast, payload);
            await b.SendToAllAsync(FrameType.Multicast, payload);
            if (i % 20 == 19)
            {
                await Task.Delay(2); // paced, so the kernel's default socket buffers do not overflow
            }
        }

        var atC = await collected[2];
        foreach (var sender in new[] { a.NodeId, b.NodeId })
        {
            var sequences = atC.Where(h => h.SenderNodeId == sender).Select(h => h.Sequence).ToArray();
            Assert.That(sequences, Has.Length.EqualTo(PerSender), $"frames of node {sender}");
            Assert.That(sequences, Is.Ordered.Ascending, $"node {sender}'s frames in order");
            Assert.That(sequences.Distinct().Count(), Is.EqualTo(PerSender), "each frame delivered once");
        }

        Assert.That((await collected[0]).Select(h => h.Sequence), Is.Ordered.Ascending, "node b's frames at node a");
        Assert.That((await collected[1]).Select(h => h.Sequence), Is.Ordered.Ascending, "node a's frames at node b");

        // Every frame came twice (once per ring): the second copy is counted as redundant, and while the ring is
        // vouched for by a recent authenticated frame, dropped from its header alone.
        await RingSetTests.Cluster.WaitUntilAsync(() => c.Statistics.RedundantCopies == 2 * PerSender);
        Assert.That(c.Statistics.FramesAccepted, Is.EqualTo(2 * PerSender));
        Assert.That(c.Statistics.RedundantCopiesUnauthenticated, Is.GreaterThan(PerSender), "most second copies skipped authentication");
        Assert.That(c.Statistics.TotalDropped, Is.Zero);
        Assert.That(c.GetStatus().HasFaults, Is.False);
        await RingSetTests.Cluster.AssertNothingMoreAsync(cluster.Nodes);
    }

    [Test]
    public async Task SendingAFrameAllocatesNothing()
    {
        await using var cluster = await UdpCluster.CreateAsync(transport, nodes: 2, sharedLoop: sharedLoop);
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);
        var drained = DrainForeverAsync(b, cluster.Stopping);
        var payload = new byte[1024];
        var bytes = AllocationProbe.SteadyStateBytes(() =>
        {
            for (var i = 0; i < 50; i++)
            {
                var pending = a.SendToAllAsync(FrameType.Multicast, payload);
                if (!pending.IsCompletedSuccessfully)
                {
                    throw new AssertionException("a UDP send completes on the calling thread, without awaiting");
                }

                _ = pending.Result;
            }
        });

        Assert.That(bytes, Is.Zero, "bytes allocated for 50 frames sealed and sent on two rings");
        await cluster.StopAsync();
        await drained;
    }

    [Test]
    public async Task ReceivingFramesAllocatesNothingOnTheReceiveThreads()
    {
        const int Rounds = 5;
        const int PerRound = 1000;
        await using var cluster = await UdpCluster.CreateAsync(transport, nodes: 2, sharedLoop: sharedLoop);
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);

        var allocations = new ReceiveThreadAllocations(b, Rounds, PerRound);

        var payload = new byte[1024];
        for (var i = 1; i <= Rounds * PerRound; i++)
        {
            await a.SendToAllAsync(FrameType.Multicast, payload);
            if (i % 50 == 0)
            {
                var sent = i;
                await RingSetTests.Cluster.WaitUntilAsync(() => allocations.Received >= sent);
            }
        }

        await RingSetTests.Cluster.WaitUntilAsync(() => b.Statistics.RedundantCopies == Rounds * PerRound);
        Assert.That(b.Statistics.FramesAccepted, Is.EqualTo(Rounds * PerRound));

        // Steady state: the quietest round after the first (pool and channel warm-up), summed over the threads.
        var perRound = allocations.PerRoundAfterTheFirst();
        Assert.That(perRound.Min(), Is.Zero, $"bytes allocated on b's receive threads per round of {PerRound} frames (two copies each): {string.Join(", ", perRound)}");
        if (sharedLoop && OperatingSystem.IsLinux() && Environment.Is64BitProcess)
        {
            Assert.That(allocations.ThreadCount(), Is.EqualTo(1), "b's two rings were served by one thread");
        }
        else
        {
            Assert.That(allocations.ThreadCount(), Is.GreaterThanOrEqualTo(2), "b's rings each have their own receive thread");
        }
    }

    [Test]
    public async Task ACutRingGoesFaultyAndRecoversByItself()
    {
        var redundancy = new RedundancyOptions
        {
            Mode = RrpMode.Active,
            TokenExpiredTimeout = TimeSpan.FromMilliseconds(100),
            ProblemCountThreshold = 3,
            AutorecoveryCheckTimeout = TimeSpan.FromMilliseconds(200),
        };
        await using var cluster = await UdpCluster.CreateAsync(transport, nodes: 3, redundancy, cuttable: true, sharedLoop: sharedLoop);
        var drains = cluster.Nodes.Select(n => DrainForeverAsync(n, cluster.Stopping)).ToArray();
        var traffic = TrafficAsync(cluster.Nodes, cluster.Stopping);

        var victim = cluster.Nodes[2];
        cluster.Cuttable[2].IsCut = true;
        await RingSetTests.Cluster.WaitUntilAsync(() => victim.GetStatus().Rings[1].IsFaulty);
        Assert.That(victim.GetStatus().Rings[0].IsFaulty, Is.False);
        Assert.That(victim.GetStatus().ToCfgtoolText(), Does.Contain("FAULTY"));

        cluster.Cuttable[2].IsCut = false;
        await RingSetTests.Cluster.WaitUntilAsync(() => cluster.Nodes.All(n => !n.GetStatus().Rings.Any(r => r.IsFaulty)));

        await cluster.StopAsync();
        await traffic;
        await Task.WhenAll(drains);
    }

    [Test]
    public async Task ABrokenSocketOnOneRingIsReportedFaultyWhileTheOtherRingCarriesOn()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Ignore("Breaking a socket under its ring uses dup2 on Linux.");
        }

        var redundancy = new RedundancyOptions
        {
            Mode = RrpMode.Active,
            TokenExpiredTimeout = TimeSpan.FromMilliseconds(100),
            ProblemCountThreshold = 3,
            AutorecoveryCheckTimeout = TimeSpan.FromMilliseconds(200),
        };
        await using var cluster = await UdpCluster.CreateAsync(transport, nodes: 3, redundancy, sharedLoop: sharedLoop);
        var drains = cluster.Nodes.Select(n => DrainForeverAsync(n, cluster.Stopping)).ToArray();
        var traffic = TrafficAsync(cluster.Nodes, cluster.Stopping);

        // Every receive socket of the victim's ring 1 now fails each receive: with a shared loop, the same thread
        // also serves ring 0, which must carry on.
        var victim = cluster.Nodes[2];
        var broken = cluster.Rings[2][1];
        BrokenSockets.Break(broken);
        await RingSetTests.Cluster.WaitUntilAsync(() => victim.GetStatus().Rings[1].IsFaulty);
        var accepted = victim.Statistics.FramesAccepted;
        await RingSetTests.Cluster.WaitUntilAsync(() => victim.Statistics.FramesAccepted > accepted + 30);
        Assert.Multiple(() =>
        {
            Assert.That(victim.GetStatus().Rings[0].IsFaulty, Is.False, "ring 0 carries on");
            Assert.That(broken.Counters.ReceiveErrors, Is.GreaterThan(0), "the broken ring's failed receives are counted");
            Assert.That(cluster.Rings[2][0].Counters.ReceiveErrors, Is.Zero);
        });

        await cluster.StopAsync();
        await traffic;
        await Task.WhenAll(drains);
    }

    private static async Task TrafficAsync(RingSet[] nodes, CancellationToken stopping)
    {
        var payload = new byte[64];
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                foreach (var node in nodes)
                {
                    await node.SendToAllAsync(FrameType.Multicast, payload, stopping);
                }

                await Task.Delay(10, stopping);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task<List<FrameHeader>> CollectAsync(RingSet node, int count)
    {
        var headers = new List<FrameHeader>(count);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (headers.Count < count)
        {
            try
            {
                using var frame = await node.Received.ReadAsync(timeout.Token);
                headers.Add(frame.Header);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"node {node.NodeId} received {headers.Count} of {count} frames");
            }
        }

        return headers;
    }

    private static async Task DrainForeverAsync(RingSet node, CancellationToken stopping)
    {
        try
        {
            await foreach (var frame in node.Received.ReadAllAsync(stopping))
            {
                frame.Dispose();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Ring sets over real loopback rings, two active rings, secauth on.</summary>
    internal sealed class UdpCluster : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stopping = new();

        private readonly UdpReceiveLoop[] _loops;

        private UdpCluster(RingSet[] nodes, IRing[][] rings, IPEndPoint[][] localEndPoints, CuttableRing[] cuttable, Authkey key, UdpReceiveLoop[] loops)
        {
            _loops = loops;
            Rings = rings;
            Nodes = nodes;
            LocalEndPoints = localEndPoints;
            Cuttable = cuttable;
            Key = key;
        }

        public RingSet[] Nodes { get; }

        /// <summary>Each node's UDP rings (ring 0, ring 1), as created (not the cuttable wrappers).</summary>
        public IRing[][] Rings { get; }

        /// <summary>Each node's address on each ring, where its unicasts arrive.</summary>
        public IPEndPoint[][] LocalEndPoints { get; }

        /// <summary>Ring 1 of each node, when the cluster was made cuttable.</summary>
        public CuttableRing[] Cuttable { get; }

        public Authkey Key { get; }

        public CancellationToken Stopping => _stopping.Token;

        public static Task<UdpCluster> CreateAsync(string transport, int nodes, RedundancyOptions? redundancy = null, bool cuttable = false, TimeProvider? time = null, bool segmentationOffload = true, bool sharedLoop = false)
        {
            // With sharedLoop, each node's two rings are served by one receive thread of the node.
            UdpReceiveLoop[] loops = sharedLoop ? [.. Enumerable.Range(0, nodes).Select(_ => new UdpReceiveLoop())] : [];
            var byRing = new IRing[2][];
            for (var ring = 0; ring < 2; ring++)
            {
                byRing[ring] = transport == "udp"
                    ? LoopbackRings.Multicast(nodes, ringNumber: ring, segmentationOffload: segmentationOffload, loops: sharedLoop ? loops : null)
                    : LoopbackRings.Unicast(nodes, ringNumber: ring, segmentationOffload: segmentationOffload, loops: sharedLoop ? loops : null);
            }

            var key = Authkey.Generate();
            var sets = new RingSet[nodes];
            var cut = new List<CuttableRing>();
            for (var n = 0; n < nodes; n++)
            {
                IRing second = byRing[1][n];
                if (cuttable)
                {
                    var wrapper = new CuttableRing((IPushRing)second);
                    cut.Add(wrapper);
                    second = wrapper;
                }

                sets[n] = new RingSet([byRing[0][n], second], key, new RingSetOptions
                {
                    NodeId = (uint)(n + 1),
                    Protection = RingSetTests.Cluster.Protection(secauth: true, ClusterName),
                    Redundancy = redundancy ?? new RedundancyOptions { Mode = RrpMode.Active },
                }, time);
            }

            var endPoints = Enumerable.Range(0, nodes).Select(n => new[] { byRing[0][n].LocalEndPoint, byRing[1][n].LocalEndPoint }).ToArray();
            var rings = Enumerable.Range(0, nodes).Select(n => new[] { byRing[0][n], byRing[1][n] }).ToArray();
            return Task.FromResult(new UdpCluster(sets, rings, endPoints, [.. cut], key, loops));
        }

        public async Task StopAsync() => await _stopping.CancelAsync();

        public async ValueTask DisposeAsync()
        {
            await _stopping.CancelAsync();
            foreach (var node in Nodes)
            {
                await node.DisposeAsync();
            }

            foreach (var loop in _loops)
            {
                await loop.DisposeAsync();
            }

            Key.Dispose();
            _stopping.Dispose();
        }
    }

    /// <summary>A ring that can be cut in both directions: sends are discarded, received datagrams are not passed on.</summary>
    internal sealed class CuttableRing(IPushRing inner) : IPushRing, IRingReceiver
    {
        private IRingReceiver? _receiver;

        public bool IsCut { get; set; }

        public int RingNumber => inner.RingNumber;

        public IPEndPoint LocalEndPoint => inner.LocalEndPoint;

        public int MaxDatagramSize => inner.MaxDatagramSize;

        public ChannelReader<RingDatagram> Received => inner.Received;

        public RingCounters Counters => inner.Counters;

        public ValueTask SendToAllAsync(ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken = default) =>
            IsCut ? ValueTask.CompletedTask : inner.SendToAllAsync(datagram, cancellationToken);

        public ValueTask SendToAsync(IPEndPoint destination, ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken = default) =>
            IsCut ? ValueTask.CompletedTask : inner.SendToAsync(destination, datagram, cancellationToken);

        public void Attach(IRingReceiver receiver)
        {
            _receiver = receiver;
            inner.Attach(this);
        }

        public void OnReceived(int ringNumber, int lane, IPEndPoint source, Span<byte> datagram)
        {
            if (!IsCut)
            {
                _receiver?.OnReceived(ringNumber, lane, source, datagram);
            }
        }

        public void OnBatchEnd(int ringNumber, int lane) => _receiver?.OnBatchEnd(ringNumber, lane);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}

/// <summary>
/// Redundant copies recognised from their header, over a real multicast ring pair with forged datagrams sent from a raw
/// socket: a copy of a frame already held is dropped before authentication (even a forged one), a header naming a frame
/// not held yet is authenticated (and a forgery dropped as such), and a ring is vouched for only for
/// <see cref="RedundancyOptions.TokenExpiredTimeout"/> after its last authenticated frame.
/// </summary>
[CancelAfter(60_000)]
public sealed class RingSetRedundantCopyTests
{
    private const uint Forger = 7;
    private const ulong Incarnation = 1;

    [Test]
    public async Task HeldCopiesSkipAuthenticationFreshHeadersDoNotAndVouchingExpires()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        await using var cluster = await RingSetPushPathTests.UdpCluster.CreateAsync("udp", nodes: 1, time: time);
        var node = cluster.Nodes[0];
        using var sealer = new FrameProtector(cluster.Key, RingSetTests.Cluster.Protection(secauth: true, "push-path-tests"));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(LoopbackRings.RandomLoopback(), 0));
        var buffer = new byte[2048];

        void Send(int ring, ulong sequence, string text, bool forge)
        {
            var header = new FrameHeader(FrameType.Multicast, Forger, Incarnation, (byte)ring, sequence);
            var length = sealer.Seal(header, System.Text.Encoding.ASCII.GetBytes(text), buffer);
            if (forge)
            {
                buffer[length - 1] ^= 0xFF;
            }

            socket.SendTo(buffer.AsSpan(0, length), SocketFlags.None, cluster.LocalEndPoints[0][ring]);
        }

        var stats = node.Statistics;

        // Sequence 1 on both rings: the second copy is the first on ring 1, so it is authenticated (no vouching yet).
        Send(0, 1, "one", forge: false);
        Assert.That(await ReadTextAsync(node), Is.EqualTo("one"));
        Send(1, 1, "one", forge: false);
        await RingSetTests.Cluster.WaitUntilAsync(() => stats.RedundantCopies == 1);
        Assert.That(stats.RedundantCopiesUnauthenticated, Is.Zero);

        // Sequence 2: a forged copy on ring 1 of a frame already held is dropped from its header, before authentication.
        Send(0, 2, "two", forge: false);
        Assert.That(await ReadTextAsync(node), Is.EqualTo("two"));
        Send(1, 2, "evil", forge: true);
        await RingSetTests.Cluster.WaitUntilAsync(() => stats.RedundantCopies == 2);
        Assert.That(stats.RedundantCopiesUnauthenticated, Is.EqualTo(1));
        Assert.That(stats.Dropped(FrameDropReason.BadTag), Is.Zero, "never authenticated");

        // Sequence 3 forged first, on ring 1: a header naming a frame not held yet is authenticated and dropped as forged.
        Send(1, 3, "evil", forge: true);
        await RingSetTests.Cluster.WaitUntilAsync(() => stats.Dropped(FrameDropReason.BadTag) == 1);
        Send(0, 3, "three", forge: false);
        Assert.That(await ReadTextAsync(node), Is.EqualTo("three"), "the forgery did not take the genuine frame's place");

        // Once the last authenticated frame on ring 1 is a token-expired period old, copies are authenticated again.
        time.Advance(new RedundancyOptions().TokenExpiredTimeout);
        Send(0, 4, "four", forge: false);
        Assert.That(await ReadTextAsync(node), Is.EqualTo("four"));
        Send(1, 4, "evil", forge: true);
        await RingSetTests.Cluster.WaitUntilAsync(() => stats.Dropped(FrameDropReason.BadTag) == 2);
        Assert.That(stats.RedundantCopiesUnauthenticated, Is.EqualTo(1));
        Assert.That(stats.FramesAccepted, Is.EqualTo(4));
        Assert.That(node.Received.TryRead(out _), Is.False);
    }

    private static async Task<string> ReadTextAsync(RingSet node)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var frame = await node.Received.ReadAsync(timeout.Token);
        return System.Text.Encoding.ASCII.GetString(frame.Payload.Span);
    }
}
