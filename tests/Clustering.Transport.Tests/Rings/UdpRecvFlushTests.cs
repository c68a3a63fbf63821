using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using Clustering.Transport.Rings;

namespace Clustering.Transport.Tests.Rings;

/// <summary>
/// The multicast ring's <c>recv_flush</c> over real loopback sockets, with batched I/O (one thread polling both sockets
/// on Linux) and with the portable path (two threads and a lock): a datagram read from the unicast socket (the token)
/// is handed on only after every frame already queued on the group socket, and disposing the ring still wakes and ends
/// its receive threads; and the same with both nodes' rings served by a shared <see cref="UdpReceiveLoop"/>.
/// </summary>
[TestFixture(true, false)]
[TestFixture(false, false)]
[TestFixture(true, true)]
[CancelAfter(120_000)]
public sealed class UdpRecvFlushTests(bool batchedIo, bool sharedLoop)
{
    private UdpReceiveLoop[]? _loops;

    [SetUp]
    public void CreateLoops() => _loops = sharedLoop ? [new UdpReceiveLoop(), new UdpReceiveLoop()] : null;

    [TearDown]
    public async Task DisposeLoops()
    {
        foreach (var loop in _loops ?? [])
        {
            await loop.DisposeAsync();
        }
    }

    private const byte Stall = 1;
    private const byte Frame = 2;
    private const byte Token = 3;
    private const int Rounds = 200;

    [Test]
    public async Task A_token_is_handed_on_after_every_frame_queued_before_it()
    {
        var rings = LoopbackRings.Multicast(2, batchedIo: batchedIo, loops: _loops);
        await using var sender = rings[0];
        await using var receiving = rings[1];
        var receiver = new OrderReceiver();
        ((IPushRing)receiving).Attach(receiver);

        var failures = new List<string>();
        for (var round = 0; round < Rounds; round++)
        {
            // Hold the receive path inside a group datagram, queue frames on the group socket and then a token on the
            // unicast socket, and let it go: the token must come after all of them. Up to 50 frames, so the group
            // backlog is more than one batch (16, or 8 with GRO) and the flush must loop.
            var frames = 1 + (round % 50);
            await QueueBehindStallAsync(sender, receiving, receiver, round, frames);
            if (receiver.FramesBeforeToken(round) is var seen && seen != frames)
            {
                failures.Add($"round {round}: token handed on after {seen} of {frames} frames");
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(failures, Is.Empty, "the token never overtakes the frames queued before it");
            Assert.That(receiver.Problems, Is.Empty);
            Assert.That(receiving.Counters.ReceiveOverflows, Is.Zero);
        });
    }

    [Test]
    public async Task Without_recv_flush_a_token_is_handed_on_before_the_frames_queued_with_it()
    {
        // An accelerated Totem ring's frames follow their token: the ring then serves the unicast socket first.
        var rings = LoopbackRings.Multicast(2, batchedIo: batchedIo, loops: _loops, recvFlush: false);
        await using var sender = rings[0];
        await using var receiving = rings[1];
        var receiver = new OrderReceiver();
        ((IPushRing)receiving).Attach(receiver);

        var overtaken = 0;
        for (var round = 0; round < 50; round++)
        {
            var frames = 1 + (round % 20);
            await QueueBehindStallAsync(sender, receiving, receiver, round, frames);
            Assert.That(receiver.WaitFrames(round, frames, TimeSpan.FromSeconds(10)), Is.True, $"round {round}: every frame arrived");
            if (receiver.FramesBeforeToken(round) < frames)
            {
                overtaken++;
            }
        }

        Assert.That(receiver.Problems, Is.Empty);
        if (batchedIo)
        {
            // One thread serves both sockets, the unicast one first: the token goes ahead of the whole backlog every time.
            Assert.That(overtaken, Is.EqualTo(50), "the token went first");
        }
    }

    [Test]
    public async Task Disposing_an_idle_ring_wakes_and_ends_its_receive_threads()
    {
        var rings = LoopbackRings.Multicast(2, batchedIo: batchedIo, loops: _loops);
        await using var sender = rings[0];
        var receiving = rings[1];
        var receiver = new OrderReceiver();
        ((IPushRing)receiving).Attach(receiver);

        // It receives first (both sockets), so the threads are running and blocked again when it is disposed.
        await sender.SendToAllAsync(Datagram(Frame, 0, 0));
        await sender.SendToAsync(receiving.LocalEndPoint, Datagram(Token, 0, 1));
        Assert.That(receiver.WaitToken(0, TimeSpan.FromSeconds(10)), Is.True);
        await Task.Delay(50);

        var clock = Stopwatch.StartNew();
        var disposal = receiving.DisposeAsync().AsTask();
        var finished = await Task.WhenAny(disposal, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.Multiple(() =>
        {
            Assert.That(finished, Is.SameAs(disposal), "disposal ended the receive threads");
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)), "closing woke the blocked receive");
        });
        await disposal;
    }

    /// <summary>
    /// Holds the receive path inside a group datagram, queues <paramref name="frames"/> frames on the group socket and
    /// then a token on the unicast socket, lets it go, and waits for the token.
    /// </summary>
    private static async Task QueueBehindStallAsync(UdpMulticastRing sender, UdpMulticastRing receiving, OrderReceiver receiver, int round, int frames)
    {
        await sender.SendToAllAsync(Datagram(Stall, round, 0));
        Assert.That(receiver.WaitStalled(TimeSpan.FromSeconds(10)), Is.True, $"round {round}: the stall datagram arrived");
        for (var i = 0; i < frames; i++)
        {
            await sender.SendToAllAsync(Datagram(Frame, round, i));
        }

        await sender.SendToAsync(receiving.LocalEndPoint, Datagram(Token, round, frames));
        Thread.Sleep(1); // loopback queues during the send; this only leaves a margin
        receiver.Release();
        Assert.That(receiver.WaitToken(round, TimeSpan.FromSeconds(10)), Is.True, $"round {round}: the token arrived");
    }

    private static byte[] Datagram(byte kind, int round, int index)
    {
        var datagram = new byte[64];
        datagram[0] = kind;
        BinaryPrimitives.WriteInt32BigEndian(datagram.AsSpan(1), round);
        BinaryPrimitives.WriteInt32BigEndian(datagram.AsSpan(5), index);
        return datagram;
    }

    /// <summary>Records, per round, how many frames were handed on before the token; holds the receive path on a stall datagram.</summary>
    private sealed class OrderReceiver : IRingReceiver
    {
        private readonly Lock _lock = new();
        private readonly SemaphoreSlim _go = new(0);
        private readonly SemaphoreSlim _stalled = new(0);
        private readonly Dictionary<int, int> _frames = [];
        private readonly Dictionary<int, int> _beforeToken = [];
        private readonly List<string> _problems = [];

        public IReadOnlyList<string> Problems
        {
            get
            {
                lock (_lock)
                {
                    return [.. _problems];
                }
            }
        }

        /// <summary>Lets the receive path held on a stall datagram go on (one stall per release).</summary>
        public void Release() => _go.Release();

        public bool WaitStalled(TimeSpan timeout) => _stalled.Wait(timeout);

        public bool WaitToken(int round, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < timeout)
            {
                lock (_lock)
                {
                    if (_beforeToken.ContainsKey(round))
                    {
                        return true;
                    }
                }

                Thread.Sleep(1);
            }

            return false;
        }

        public bool WaitFrames(int round, int count, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < timeout)
            {
                lock (_lock)
                {
                    if (_frames.GetValueOrDefault(round) >= count)
                    {
                        return true;
                    }
                }

                Thread.Sleep(1);
            }

            return false;
        }

        public int FramesBeforeToken(int round)
        {
            lock (_lock)
            {
                return _beforeToken[round];
            }
        }

        public void OnReceived(int ringNumber, int lane, IPEndPoint source, Span<byte> datagram)
        {
            var kind = datagram[0];
            var round = BinaryPrimitives.ReadInt32BigEndian(datagram[1..]);
            var index = BinaryPrimitives.ReadInt32BigEndian(datagram[5..]);
            var expectedLane = kind == Token ? IRingReceiver.SocketLane : IRingReceiver.GroupLane;
            lock (_lock)
            {
                if (lane != expectedLane)
                {
                    _problems.Add($"datagram kind {kind} of round {round} on lane {lane}");
                }

                switch (kind)
                {
                    case Frame:
                        _frames[round] = _frames.GetValueOrDefault(round) + 1;
                        if (index + 1 != _frames[round])
                        {
                            _problems.Add($"round {round}: frame {index} arrived as number {_frames[round]}");
                        }

                        break;
                    case Token:
                        _beforeToken[round] = _frames.GetValueOrDefault(round);
                        break;
                }
            }

            if (kind == Stall)
            {
                _stalled.Release();
                _go.Wait(TimeSpan.FromSeconds(30));
            }
        }

        public void OnBatchEnd(int ringNumber, int lane)
        {
        }
    }
}
