using System.Diagnostics;
using System.Net;
using Clustering.TestSupport;
using Clustering.Transport.Framing;
using Clustering.Transport.Redundancy;
using Clustering.Transport.Rings;
using Clustering.Transport.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Clustering.Transport.Tests.Redundancy;

/// <summary>
/// A ring set over the in-memory network, for every <c>rrp_mode</c> with and without <c>secauth</c>: frames arrive
/// exactly once, bad and replayed frames are dropped and counted, a cut ring goes FAULTY without losing a frame
/// and comes back by itself.
/// </summary>
[TestFixture(RrpMode.None, false)]
[TestFixture(RrpMode.None, true)]
[TestFixture(RrpMode.Active, false)]
[TestFixture(RrpMode.Active, true)]
[TestFixture(RrpMode.Passive, false)]
[TestFixture(RrpMode.Passive, true)]
[CancelAfter(60_000)]
public sealed class RingSetTests(RrpMode mode, bool secauth)
{
    private int RingCount => mode == RrpMode.None ? 1 : 2;

    [Test]
    public async Task ABatchGoesOnTheRingsSingleSendsWouldUseAndArrivesOnce()
    {
        // In-memory rings take no batch: the set hands them its frames one by one, with the same choice of rings.
        await using var cluster = new Cluster(mode, secauth, RingCount, nodes: 3);
        const int Count = 40;
        var sender = cluster.Nodes[0];
        var frames = Enumerable.Range(0, Count).Select(i => new OutgoingFrame(FrameType.Multicast, Payload(sender.NodeId, i))).ToArray();

        Assert.That(await sender.SendBatchAsync(frames), Is.EqualTo(Count));

        foreach (var node in cluster.Nodes.Skip(1))
        {
            var received = await Cluster.ReceiveAsync(node, Count);
            Assert.That(received.Select(f => f.Header.Sequence).Order(), Is.EqualTo(Enumerable.Range(1, Count).Select(i => (ulong)i)), "each frame once");
            foreach (var (header, payload) in received)
            {
                Assert.That(payload, Is.EqualTo(Payload(sender.NodeId, (int)header.Sequence - 1)));
            }
        }

        var expectedFrames = mode == RrpMode.Active ? 2 * Count : Count; // passive: each frame on one ring, in turn
        Assert.That(sender.Statistics.FramesSent, Is.EqualTo(Count));
        Assert.That(sender.Statistics.DatagramsSent, Is.EqualTo(expectedFrames));
        await Cluster.AssertNothingMoreAsync(cluster.Nodes);
    }

    [Test]
    public async Task EveryFrameArrivesOnceAtEveryOtherNode()
    {
        await using var cluster = new Cluster(mode, secauth, RingCount, nodes: 3);
        const int PerNode = 40;
        for (var i = 0; i < PerNode; i++)
        {
            foreach (var node in cluster.Nodes)
            {
                await node.SendToAllAsync(FrameType.Multicast, Payload(node.NodeId, i));
            }
        }

        foreach (var node in cluster.Nodes)
        {
            var frames = await Cluster.ReceiveAsync(node, 2 * PerNode);
            var seen = new HashSet<(uint, ulong)>();
            foreach (var (header, payload) in frames)
            {
                Assert.That(seen.Add((header.SenderNodeId, header.Sequence)), Is.True, "delivered twice");
                Assert.That(header.SenderNodeId, Is.Not.EqualTo(node.NodeId));
                Assert.That(payload, Is.EqualTo(Payload(header.SenderNodeId, (int)header.Sequence - 1)));
            }

            Assert.That(node.Statistics.TotalDropped, Is.Zero);
            if (mode == RrpMode.Active)
            {
                // The second ring's copies may still be on their way when the first copies have all been read.
                await Cluster.WaitUntilAsync(() => node.Statistics.RedundantCopies == 2 * PerNode);
            }
        }

        await Cluster.AssertNothingMoreAsync(cluster.Nodes);
    }

    [Test]
    public async Task UnicastReachesANodeOnceItsAddressIsKnown()
    {
        await using var cluster = new Cluster(mode, secauth, RingCount, nodes: 3);
        var (a, b, c) = (cluster.Nodes[0], cluster.Nodes[1], cluster.Nodes[2]);
        Assert.That(await b.SendToAsync(a.NodeId, FrameType.Token, "early"u8.ToArray()), Is.False, "no address known yet");

        await a.SendToAllAsync(FrameType.Multicast, "hello"u8.ToArray());
        await Cluster.ReceiveAsync(b, 1);
        await Cluster.ReceiveAsync(c, 1);

        Assert.That(await b.SendToAsync(a.NodeId, FrameType.Token, "token"u8.ToArray()), Is.True);
        var got = await Cluster.ReceiveAsync(a, 1);
        Assert.That(got[0].Header.Type, Is.EqualTo(FrameType.Token));
        Assert.That(got[0].Payload, Is.EqualTo("token"u8.ToArray()));
        await Cluster.AssertNothingMoreAsync([c]);
    }

    [Test]
    public async Task GarbageForgedAndForeignFramesAreDroppedAndCounted()
    {
        await using var cluster = new Cluster(mode, secauth, RingCount, nodes: 2);
        var victim = cluster.Nodes[0];
        var attacker = cluster.Network.CreateRing(0, new IPEndPoint(IPAddress.Parse("127.0.0.99"), 5405));
        await using var _ = attacker;

        var random = new Random(7);
        for (var i = 0; i < 50; i++)
        {
            var garbage = new byte[random.Next(0, 200)];
            random.NextBytes(garbage);
            await attacker.SendToAllAsync(garbage);
        }

        // A well-formed frame from a node of another cluster (other name, other key).
        using var otherKey = Authkey.Generate();
        using var foreign = new FrameProtector(secauth ? otherKey : null, Cluster.Protection(secauth, "other"));
        var buffer = new byte[foreign.GetSealedLength(5)];
        foreign.Seal(new FrameHeader(FrameType.Multicast, 77, 1, 0, 1), "alien"u8, buffer);
        await attacker.SendToAllAsync(buffer);

        // The same frame sealed with our settings but a forged tag or a flipped bit.
        using var ours = new FrameProtector(cluster.Key, Cluster.Protection(secauth, Cluster.Name));
        var genuine = new byte[ours.GetSealedLength(5)];
        ours.Seal(new FrameHeader(FrameType.Multicast, 78, 1, 0, 1), "forge"u8, genuine);
        genuine[FrameLayout.HeaderSize] ^= 0x01;
        await attacker.SendToAllAsync(genuine);

        await Cluster.WaitUntilAsync(() => victim.Statistics.TotalDropped >= 51 + (secauth ? 1 : 0));
        Assert.That(victim.Statistics.Dropped(FrameDropReason.WrongCluster), Is.EqualTo(1), "the other cluster's frame");

        // A flipped payload bit without a tag cannot be seen: the frame is accepted as is. With secauth it never passes.
        var expectedDelivered = secauth ? 0 : 1;
        await Cluster.WaitUntilAsync(() => victim.Statistics.FramesAccepted >= expectedDelivered);
        Assert.That(victim.Statistics.FramesAccepted, Is.EqualTo(expectedDelivered));
        if (secauth)
        {
            Assert.That(victim.Statistics.Dropped(FrameDropReason.BadTag), Is.GreaterThanOrEqualTo(1), "the forged frame");
        }
    }

    [Test]
    public async Task AReplayedFrameIsDropped()
    {
        await using var cluster = new Cluster(mode, secauth, RingCount, nodes: 2);
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);
        var tap = cluster.Network.CreateRing(0, new IPEndPoint(IPAddress.Parse("127.0.0.98"), 5405));
        await using var _ = tap;

        await a.SendToAllAsync(FrameType.Multicast, "once"u8.ToArray());
        await Cluster.ReceiveAsync(b, 1);
        var captured = await ReadOneAsync(tap);

        await tap.SendToAllAsync(captured);
        await Cluster.WaitUntilAsync(() => b.Statistics.Dropped(FrameDropReason.Replayed) >= 1);
        await Cluster.AssertNothingMoreAsync([b]);
    }

    [Test]
    public async Task OversizePayloadsAreRefusedBeforeSending()
    {
        await using var cluster = new Cluster(mode, secauth, RingCount, nodes: 2);
        var node = cluster.Nodes[0];
        var payload = new byte[node.MaxPayloadLength + 1];
        Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await node.SendToAllAsync(FrameType.Multicast, payload));
        await node.SendToAllAsync(FrameType.Multicast, payload.AsMemory(1));
        var got = await Cluster.ReceiveAsync(cluster.Nodes[1], 1);
        Assert.That(got[0].Payload, Has.Length.EqualTo(node.MaxPayloadLength));
    }

    internal static byte[] Payload(uint node, int index) => System.Text.Encoding.ASCII.GetBytes($"node {node} frame {index}");

    private static async Task<byte[]> ReadOneAsync(IRing ring)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var datagram = await ring.Received.ReadAsync(timeout.Token);
        using (datagram)
        {
            return datagram.Data.ToArray();
        }
    }

    /// <summary>Counts a node's ring set's "Probing FAULTY ring" events; <see cref="Factory"/> is the node's logger factory.</summary>
    internal sealed class ProbeCounter
    {
        private long _count;

        public ProbeCounter() =>
            Factory = new CallbackLoggerFactory((eventId, _) =>
            {
                if (eventId.Name == "Probing")
                {
                    Interlocked.Increment(ref _count);
                }
            });

        public long Count => Interlocked.Read(ref _count);

        public ILoggerFactory Factory { get; }
    }

    /// <summary>N ring sets over one in-memory network on a fake clock.</summary>
    internal sealed class Cluster : IAsyncDisposable
    {
        public const string Name = "ringset-tests";

        public Cluster(RrpMode mode, bool secauth, int ringCount, int nodes)
        {
            Network = new InMemoryNetwork(Time, seed: 1);
            Key = Authkey.Generate();
            Nodes = new RingSet[nodes];
            _rings = new IRing[nodes][];
            _probes = new ProbeCounter[nodes];
            for (var n = 0; n < nodes; n++)
            {
                var rings = new IRing[ringCount];
                for (var r = 0; r < ringCount; r++)
                {
                    rings[r] = Network.CreateRing(r, EndPoint(n, r));
                }

                _rings[n] = rings;
                _probes[n] = new ProbeCounter();
                Nodes[n] = new RingSet(rings, secauth ? Key : null, new RingSetOptions
                {
                    NodeId = (uint)(n + 1),
                    Incarnation = 1,
                    Protection = Protection(secauth, Name),
                    Redundancy = new RedundancyOptions { Mode = mode },
                }, Time, _probes[n].Factory);
            }
        }

        private readonly IRing[][] _rings;
        private readonly ProbeCounter[] _probes;

        public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));

        public InMemoryNetwork Network { get; }

        public Authkey Key { get; }

        public RingSet[] Nodes { get; }

        public static FrameProtectorOptions Protection(bool secauth, string cluster) => new()
        {
            ClusterName = cluster,
            Hash = secauth ? CryptoHash.Sha256 : CryptoHash.None,
            Cipher = secauth ? CryptoCipher.Aes256 : CryptoCipher.None,
        };

        public IPEndPoint EndPoint(int node, int ring) => new(IPAddress.Parse($"127.0.{ring}.{node + 1}"), 5405);

        public static async Task<List<(FrameHeader Header, byte[] Payload)>> ReceiveAsync(RingSet node, int count)
        {
            var frames = new List<(FrameHeader, byte[])>(count);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (frames.Count < count)
            {
                try
                {
                    var frame = await node.Received.ReadAsync(timeout.Token);
                    using (frame)
                    {
                        frames.Add((frame.Header, frame.Payload.ToArray()));
                    }
                }
                catch (OperationCanceledException)
                {
                    Assert.Fail($"node {node.NodeId} received {frames.Count} of {count} frames");
                }
            }

            return frames;
        }

        /// <summary>Takes (and discards) the frames already delivered to <paramref name="node"/>; call after <see cref="SettleAsync"/>.</summary>
        public static void TakeArrived(RingSet node)
        {
            while (node.Received.TryRead(out var frame))
            {
                frame.Dispose();
            }
        }

        /// <summary>
        /// Waits until every node has handled every datagram its rings received: accepted (delivered or a probe), a
        /// redundant copy, or dropped. An in-memory ring counts a datagram when the sender's send puts it in the queue,
        /// so once the sends have returned this is the end of what they carried, second copies included. (A probe or
        /// probe reply sent later from the thread pool is not covered.)
        /// </summary>
        public async Task SettleAsync()
        {
            for (var n = 0; n < Nodes.Length; n++)
            {
                var node = Nodes[n];
                var rings = _rings[n];
                await WaitUntilAsync(() =>
                    node.Statistics.FramesAccepted + node.Statistics.RedundantCopies + node.Statistics.TotalDropped
                    >= rings.Sum(r => r.Counters.DatagramsReceived));
            }
        }

        /// <summary>How many probe rounds each node has started on its FAULTY rings (its "Probing" log events).</summary>
        public long[] ProbeRounds() => [.. _probes.Select(p => p.Count)];

        public static async Task AssertNothingMoreAsync(IEnumerable<RingSet> nodes)
        {
            await Task.Delay(100);
            foreach (var node in nodes)
            {
                Assert.That(node.Received.TryRead(out _), Is.False, $"node {node.NodeId} received an extra frame");
            }
        }

        public static async Task WaitUntilAsync(Func<bool> condition)
        {
            var clock = Stopwatch.StartNew();
            while (!condition() && clock.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(10);
            }

            Assert.That(condition(), Is.True, "condition not reached within 10 s");
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var node in Nodes)
            {
                await node.DisposeAsync();
            }

            Key.Dispose();
        }
    }
}

/// <summary>A ring cut under traffic, for both redundant modes with and without secauth.</summary>
[TestFixture(RrpMode.Active, false)]
[TestFixture(RrpMode.Active, true)]
[TestFixture(RrpMode.Passive, false)]
[TestFixture(RrpMode.Passive, true)]
[CancelAfter(60_000)]
public sealed class RingSetFailoverTests(RrpMode mode, bool secauth)
{
    private const int RingCount = 2;

    [Test]
    public async Task ACutRingGoesFaultyLosesNothingAndRecoversByItself()
    {
        await using var cluster = new RingSetTests.Cluster(mode, secauth, RingCount, nodes: 3);
        var nodes = cluster.Nodes;
        var expected = new int[nodes.Length];
        var round = 0;

        // Each round ends with every datagram of the round handled by its receiver (the second ring's copies
        // included) before the fake clock moves: the redundancy checks then see exactly what the network carried,
        // however slowly the receive threads run. Passive mode sends each frame on one ring only: while a ring is cut,
        // the frames sent on it are lost (Totem retransmits them above this layer), so only what arrived is taken.
        // While recovering, a probe round that starts is waited for: the clock must not run past the round (and make
        // the monitor discard the replies as late) before the peers' replies have come back.
        async Task TrafficAsync(TimeSpan duration, bool lossy = false, bool recovering = false)
        {
            for (var t = TimeSpan.Zero; t < duration; t += TimeSpan.FromMilliseconds(50))
            {
                for (var i = 0; i < nodes.Length; i++)
                {
                    await nodes[i].SendToAllAsync(FrameType.Multicast, RingSetTests.Payload(nodes[i].NodeId, round));
                    for (var j = 0; j < nodes.Length; j++)
                    {
                        if (j != i)
                        {
                            expected[j]++;
                        }
                    }
                }

                round++;
                await cluster.SettleAsync();
                for (var j = 0; j < nodes.Length; j++)
                {
                    if (lossy)
                    {
                        RingSetTests.Cluster.TakeArrived(nodes[j]);
                    }
                    else
                    {
                        await RingSetTests.Cluster.ReceiveAsync(nodes[j], expected[j]);
                    }

                    expected[j] = 0;
                }

                var probesBefore = cluster.ProbeRounds();
                cluster.Time.Advance(TimeSpan.FromMilliseconds(50));
                if (recovering)
                {
                    var probesAfter = cluster.ProbeRounds();
                    for (var j = 0; j < nodes.Length; j++)
                    {
                        if (probesAfter[j] != probesBefore[j])
                        {
                            var node = nodes[j];
                            await RingSetTests.Cluster.WaitUntilAsync(() => !node.GetStatus().HasFaults);
                        }
                    }
                }
            }
        }

        await TrafficAsync(TimeSpan.FromSeconds(1));
        Assert.That(nodes.Any(n => n.GetStatus().HasFaults), Is.False);

        var victim = nodes[2];
        cluster.Network.Disconnect(cluster.EndPoint(2, ring: 0), ringNumber: 0);

        // Active: ten problems, one per rrp_token_expired_timeout. Passive: a receive-count lag over the multicast threshold.
        await TrafficAsync(TimeSpan.FromSeconds(mode == RrpMode.Active ? 4 : 8), lossy: mode == RrpMode.Passive);
        var status = victim.GetStatus();
        Assert.That(status.Rings[0].IsFaulty, Is.True, status.ToCfgtoolText());
        Assert.That(status.CfgtoolExitCode, Is.EqualTo(1));
        Assert.That(status.ToCfgtoolText(), Does.Contain("Marking ringid 0 interface 127.0.0.3 FAULTY"));
        Assert.That(status.Rings[1].IsFaulty, Is.False);

        cluster.Network.Reconnect(cluster.EndPoint(2, ring: 0), ringNumber: 0);
        await TrafficAsync(TimeSpan.FromSeconds(4), recovering: true);
        foreach (var node in nodes)
        {
            var after = node.GetStatus();
            Assert.That(after.HasFaults, Is.False, after.ToCfgtoolText());

            // A node whose peers recovered the ring a probe round later may still show a decaying problem count.
            Assert.That(after.ToCfgtoolText(), Does.Not.Contain("FAULTY"));
        }

        Assert.That(nodes.Sum(n => n.Statistics.DeliveryOverflows), Is.Zero);
    }
}

/// <summary>The administrator's re-enable (<c>corosync-cfgtool -r</c>).</summary>
[CancelAfter(60_000)]
public sealed class RingSetReenableTests
{
    [Test]
    public async Task AnAdministratorCanReenableAFaultyRing()
    {
        await using var cluster = new RingSetTests.Cluster(RrpMode.Active, secauth: true, ringCount: 2, nodes: 2);
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);
        cluster.Network.Disconnect(cluster.EndPoint(1, ring: 1), ringNumber: 1);
        for (var i = 0; i < 60 && !b.GetStatus().HasFaults; i++)
        {
            await a.SendToAllAsync(FrameType.Multicast, RingSetTests.Payload(a.NodeId, i));
            await RingSetTests.Cluster.ReceiveAsync(b, 1);
            cluster.Time.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.That(b.GetStatus().Rings[1].IsFaulty, Is.True);
        b.ReenableFailedRings();
        Assert.That(b.GetStatus().HasFaults, Is.False);
        Assert.That(b.GetStatus().CfgtoolExitCode, Is.Zero);
    }
}
