using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Clustering.Transport.Rings;

namespace Clustering.Transport.Tests.Rings;

/// <summary>
/// A node's shared receive thread over real loopback sockets: two rings of a node served by one thread, each ring's
/// own rules kept (unlisted sources counted), rings leaving and the loop stopping, and a broken socket on one ring
/// that leaves the other receiving.
/// </summary>
[CancelAfter(60_000)]
public sealed class UdpReceiveLoopTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [SetUp]
    public void RequireBatchedIo()
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess)
        {
            Assert.Ignore("The shared receive loop runs only where receives are batched (64-bit Linux).");
        }
    }

    [Test]
    public async Task One_thread_serves_both_multicast_rings_of_a_node()
    {
        await using var loop = new UdpReceiveLoop();
        await using var rig = TwoMulticastRings(loop);
        var (s0, s1, r0, r1, receiver) = rig;
        Assert.That(loop.RingCount, Is.EqualTo(2));

        for (var i = 0; i < 20; i++)
        {
            await s0.SendToAllAsync(new byte[] { 0, (byte)i });
            await s1.SendToAllAsync(new byte[] { 1, (byte)i });
            await s0.SendToAsync(r0.LocalEndPoint, new byte[] { 0, (byte)(100 + i) });
            await s1.SendToAsync(r1.LocalEndPoint, new byte[] { 1, (byte)(100 + i) });
        }

        Assert.That(receiver.WaitFor(80, Wait), Is.True, "every datagram of both rings arrived");
        Assert.Multiple(() =>
        {
            Assert.That(receiver.Count(ring: 0), Is.EqualTo(40));
            Assert.That(receiver.Count(ring: 1), Is.EqualTo(40));
            Assert.That(receiver.ThreadIds, Is.EquivalentTo(new[] { loop.ThreadId!.Value }), "one thread served both rings");
            Assert.That(receiver.ThreadNames, Is.EquivalentTo(new[] { UdpReceiveLoop.ThreadName }));
            Assert.That(receiver.BatchEnds, Is.GreaterThan(0), "batches ended per ring");
        });
    }

    [Test]
    public async Task Unlisted_sources_are_still_counted_and_dropped()
    {
        await using var loop = new UdpReceiveLoop();
        var rings = LoopbackRings.Unicast(2, blockUnlisted: true, loops: [loop, loop]);
        await using var a = rings[0];
        await using var b = rings[1];
        var receiver = new Recorder();
        ((IPushRing)b).Attach(receiver);

        using var stranger = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        stranger.Bind(new IPEndPoint(LoopbackRings.RandomLoopback(), 0));
        for (var i = 0; i < 3; i++)
        {
            await stranger.SendToAsync(new byte[] { 9 }, b.LocalEndPoint);
        }

        await a.SendToAsync(b.LocalEndPoint, new byte[] { 0, 1 });
        Assert.That(receiver.WaitFor(1, Wait), Is.True, "the listed member's datagram arrived");
        await WaitUntilAsync(() => b.Counters.UnlistedSources == 3);
        Assert.Multiple(() =>
        {
            Assert.That(b.Counters.UnlistedSources, Is.EqualTo(3));
            Assert.That(receiver.Total, Is.EqualTo(1), "nothing of the stranger was handed on");
            Assert.That(receiver.ThreadNames, Is.EquivalentTo(new[] { UdpReceiveLoop.ThreadName }));
        });
    }

    [Test]
    public async Task Disposing_one_ring_leaves_the_other_receiving()
    {
        await using var loop = new UdpReceiveLoop();
        await using var rig = TwoMulticastRings(loop);
        var (_, s1, r0, _, receiver) = rig;

        var disposal = r0.DisposeAsync().AsTask();
        Assert.That(await Task.WhenAny(disposal, Task.Delay(Wait)), Is.SameAs(disposal), "the ring left the loop");
        Assert.That(loop.RingCount, Is.EqualTo(1));

        for (var i = 0; i < 10; i++)
        {
            await s1.SendToAllAsync(new byte[] { 1, (byte)i });
        }

        Assert.That(receiver.WaitFor(10, Wait), Is.True, "ring 1 still receives");
        Assert.That(receiver.Count(ring: 1), Is.EqualTo(10));
    }

    [Test]
    public async Task Disposing_the_loop_stops_receiving_on_every_ring()
    {
        var loop = new UdpReceiveLoop();
        await using var rig = TwoMulticastRings(loop);
        var (s0, s1, r0, r1, receiver) = rig;
        await s0.SendToAllAsync(new byte[] { 0, 0 });
        Assert.That(receiver.WaitFor(1, Wait), Is.True);

        var stopping = loop.DisposeAsync().AsTask();
        Assert.That(await Task.WhenAny(stopping, Task.Delay(Wait)), Is.SameAs(stopping), "the loop's thread ended");
        await s0.SendToAllAsync(new byte[] { 0, 1 });
        await s1.SendToAllAsync(new byte[] { 1, 1 });
        await Task.Delay(300);
        Assert.That(receiver.Total, Is.EqualTo(1), "nothing is received once the loop is disposed");

        // The rings can still be disposed, quickly.
        var clock = Stopwatch.StartNew();
        await r0.DisposeAsync();
        await r1.DisposeAsync();
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)));
        Assert.Throws<ObjectDisposedException>(() => new UdpMulticastRingOptions
        {
            LocalAddress = IPAddress.Loopback,
            MulticastAddress = IPAddress.Parse("239.192.0.1"),
            ReceiveLoop = loop,
        }.Validate());
    }

    [Test]
    public async Task A_broken_socket_on_one_ring_does_not_stop_the_other()
    {
        await using var loop = new UdpReceiveLoop();
        await using var rig = TwoMulticastRings(loop);
        var (s0, s1, r0, r1, receiver) = rig;

        // Ring 0's unicast socket is replaced under the loop by a descriptor that is always readable and no socket:
        // every receive on it fails (ENOTSOCK).
        BrokenSockets.Break(r0, unicastOnly: true);

        for (var i = 0; i < 50; i++)
        {
            await s1.SendToAllAsync(new byte[] { 1, (byte)i });
            await s1.SendToAsync(r1.LocalEndPoint, new byte[] { 1, (byte)(100 + i) });
            await Task.Delay(2);
        }

        Assert.That(receiver.WaitFor(100, Wait), Is.True, $"ring 1 kept receiving (got {receiver.Count(ring: 1)})");
        await WaitUntilAsync(() => r0.Counters.ReceiveErrors > 1);
        var errors = r0.Counters.ReceiveErrors;
        await Task.Delay(200);
        Assert.Multiple(() =>
        {
            Assert.That(receiver.Count(ring: 1), Is.EqualTo(100));
            Assert.That(r1.Counters.ReceiveErrors, Is.Zero);
            Assert.That(r0.Counters.ReceiveErrors - errors, Is.InRange(1, 40), "ring 0's failures are counted, paused on (10 ms each), not spun on");
        });

        // Ring 0's group socket still works: its frames are handed on.
        await s0.SendToAllAsync(new byte[] { 0, 7 });
        Assert.That(receiver.WaitFor(101, Wait), Is.True, "ring 0's group socket still receives");
    }

    /// <summary>Two multicast rings of two nodes each; the receiving node's rings share <paramref name="loop"/> and push to one recorder.</summary>
    private static Rig TwoMulticastRings(UdpReceiveLoop loop)
    {
        var ring0 = LoopbackRings.Multicast(2, ringNumber: 0, loops: [null, loop]);
        var ring1 = LoopbackRings.Multicast(2, ringNumber: 1, loops: [null, loop]);
        var receiver = new Recorder();
        ((IPushRing)ring0[1]).Attach(receiver);
        ((IPushRing)ring1[1]).Attach(receiver);
        return new Rig(ring0[0], ring1[0], ring0[1], ring1[1], receiver);
    }

    /// <summary>The sending node's rings 0 and 1, the receiving node's, and its recorder; disposes the four rings (again, if a test did).</summary>
    private sealed record Rig(UdpMulticastRing S0, UdpMulticastRing S1, UdpMulticastRing R0, UdpMulticastRing R1, Recorder Receiver) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await S0.DisposeAsync();
            await S1.DisposeAsync();
            await R0.DisposeAsync();
            await R1.DisposeAsync();
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition() && clock.Elapsed < Wait)
        {
            await Task.Delay(5);
        }
    }

    /// <summary>Records what arrived per ring and on which threads.</summary>
    private sealed class Recorder : IRingReceiver
    {
        private readonly ConcurrentDictionary<int, int> _perRing = new();
        private readonly ConcurrentDictionary<int, byte> _threadIds = new();
        private readonly ConcurrentDictionary<string, byte> _threadNames = new();
        private int _total;
        private int _batchEnds;

        public int Total => Volatile.Read(ref _total);

        public int BatchEnds => Volatile.Read(ref _batchEnds);

        public IReadOnlyCollection<int> ThreadIds => [.. _threadIds.Keys];

        public IReadOnlyCollection<string> ThreadNames => [.. _threadNames.Keys];

        public int Count(int ring) => _perRing.GetValueOrDefault(ring);

        public bool WaitFor(int total, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (Total < total && clock.Elapsed < timeout)
            {
                Thread.Sleep(2);
            }

            return Total >= total;
        }

        public void OnReceived(int ringNumber, int lane, IPEndPoint source, Span<byte> datagram)
        {
            _threadIds.TryAdd(Environment.CurrentManagedThreadId, 0);
            _threadNames.TryAdd(Thread.CurrentThread.Name ?? "", 0);
            _perRing.AddOrUpdate(ringNumber, 1, (_, n) => n + 1);
            Interlocked.Increment(ref _total);
        }

        public void OnBatchEnd(int ringNumber, int lane) => Interlocked.Increment(ref _batchEnds);
    }
}
