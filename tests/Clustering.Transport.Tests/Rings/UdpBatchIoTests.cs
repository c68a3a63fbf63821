using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Clustering.Transport.Rings;

namespace Clustering.Transport.Tests.Rings;

/// <summary>
/// The UDP rings' receive threads over real loopback sockets, with batched I/O (<c>recvmmsg</c> on Linux) and with the
/// portable one-datagram-per-call path: datagrams arrive complete and in order with nothing lost, a backlog is taken in
/// batches and announced once per batch, oversize datagrams are dropped and counted, nothing is allocated per datagram,
/// and disposing a ring wakes and ends receive threads blocked on an idle socket.
/// </summary>
[TestFixture("udp", true)]
[TestFixture("udp", false)]
[TestFixture("udpu", true)]
[TestFixture("udpu", false)]
[CancelAfter(60_000)]
public sealed class UdpBatchIoTests(string transport, bool batchedIo)
{
    private const int Backlog = 40;
    private const int Streamed = 3000;
    private const int Window = 250;

    private bool Batching => batchedIo && LinuxSocketBatch.IsSupported;

    [Test]
    public void Batched_io_is_available_on_linux()
    {
        Assume.That(OperatingSystem.IsLinux() && Environment.Is64BitProcess, "batched I/O is for 64-bit Linux");
        Assert.That(LinuxSocketBatch.IsSupported, Is.True, "recvmmsg, poll and shutdown resolve in libc");
    }

    [Test]
    public async Task A_backlog_and_a_stream_arrive_complete_in_order_and_without_allocation()
    {
        var rings = Create(2);
        await using var sender = rings[0];
        await using var receiving = rings[1];
        var receiver = new RecordingReceiver(Backlog + Streamed);
        ((IPushRing)receiving).Attach(receiver);

        // A backlog: the receive thread is held in the first datagram while the rest queue up in the socket.
        receiver.Hold();
        for (var i = 0; i < Backlog; i++)
        {
            await sender.SendToAllAsync(Datagram(i));
            if (i == 0)
            {
                await WaitUntilAsync(() => receiver.Count >= 1);
            }
        }

        await Task.Delay(50);
        receiver.Release();
        await WaitUntilAsync(() => receiver.Count >= Backlog);
        if (Batching)
        {
            Assert.That(receiver.LargestBatch, Is.GreaterThan(1).And.LessThanOrEqualTo(UdpRingCoreBatchSize), "the backlog was taken in batches");
        }
        else
        {
            Assert.That(receiver.LargestBatch, Is.EqualTo(1), "one datagram per call, each announced");
        }

        // A stream, in bursts the socket buffer holds even on a loaded machine.
        for (var i = Backlog; i < Backlog + Streamed; i++)
        {
            await sender.SendToAllAsync(Datagram(i));
            if (i % 50 == 49)
            {
                var sent = i + 1;
                await WaitUntilAsync(() => receiver.Count >= sent);
            }
        }

        await WaitUntilAsync(() => receiver.Count >= Backlog + Streamed);
        Assert.Multiple(() =>
        {
            Assert.That(receiver.Problems, Is.Empty, "every datagram whole and in order");
            Assert.That(receiver.Count, Is.EqualTo(Backlog + Streamed));
            Assert.That(receiver.Batches, Is.LessThanOrEqualTo(receiver.Count));
            Assert.That(receiving.Counters.DatagramsReceived, Is.EqualTo(Backlog + Streamed));
            Assert.That(receiving.Counters.ReceiveErrors, Is.Zero);
            Assert.That(receiver.QuietestWindowBytes, Is.Zero, $"bytes allocated by the receive thread for {Window} datagrams");
        });
    }

    [Test]
    public async Task Without_a_receiver_datagrams_are_queued_in_order()
    {
        var rings = Create(2);
        await using var sender = rings[0];
        await using var receiving = rings[1];
        for (var i = 0; i < 200; i++)
        {
            await sender.SendToAllAsync(Datagram(i));
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        for (var i = 0; i < 200; i++)
        {
            using var datagram = await receiving.Received.ReadAsync(timeout.Token);
            Assert.That(datagram.Data.ToArray(), Is.EqualTo(Datagram(i)), $"datagram {i}");
            Assert.That(datagram.Source, Is.EqualTo(sender.LocalEndPoint));
        }
    }

    [Test]
    public async Task An_oversize_datagram_is_dropped_and_counted()
    {
        var rings = Create(2, maxDatagramSize: 1000);
        await using var sender = rings[0];
        await using var receiving = rings[1];
        var receiver = new RecordingReceiver(2);
        ((IPushRing)receiving).Attach(receiver);

        // From the sender's own address (udpu filters members by address), bypassing the ring's size check.
        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        raw.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        raw.Bind(new IPEndPoint(sender.LocalEndPoint.Address, 0));
        var big = new byte[1500];
        BinaryPrimitives.WriteInt32BigEndian(big, 0);
        raw.SendTo(big, receiving.LocalEndPoint);
        await WaitUntilAsync(() => receiving.Counters.ReceiveErrors >= 1);

        await sender.SendToAllAsync(Datagram(0));
        await WaitUntilAsync(() => receiver.Count >= 1);
        Assert.That(receiving.Counters.ReceiveErrors, Is.EqualTo(1), "the oversize datagram");
        Assert.That(receiver.Count, Is.EqualTo(1), "only the datagram that fits");
        Assert.That(receiver.Problems, Is.Empty);
    }

    [Test]
    public async Task Disposing_wakes_and_ends_receive_threads_blocked_on_an_idle_socket()
    {
        var rings = Create(2);
        var withReceiver = rings[0];
        var withoutReceiver = rings[1];
        ((IPushRing)withReceiver).Attach(new RecordingReceiver(1));
        await Task.Delay(200); // every receive thread is now blocked in its receive call

        var disposing = Task.WhenAll(withReceiver.DisposeAsync().AsTask(), withoutReceiver.DisposeAsync().AsTask());
        var finished = await Task.WhenAny(disposing, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.That(finished, Is.SameAs(disposing), "DisposeAsync waits for the receive threads, so they ended");
        await disposing;
    }

    private static int UdpRingCoreBatchSize => UdpRingCore.BatchSize;

    private IRing[] Create(int count, int? maxDatagramSize = null) => transport == "udp"
        ? LoopbackRings.Multicast(count, batchedIo: batchedIo, maxDatagramSize: maxDatagramSize)
        : LoopbackRings.Unicast(count, batchedIo: batchedIo, maxDatagramSize: maxDatagramSize);

    /// <summary>Datagram <paramref name="index"/>: its index, then index-dependent length (4 to 1403 bytes) of one repeated byte.</summary>
    private static byte[] Datagram(int index)
    {
        var bytes = new byte[4 + ((index * 37) % 1400)];
        BinaryPrimitives.WriteInt32BigEndian(bytes, index);
        bytes.AsSpan(4).Fill((byte)index);
        return bytes;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition() && clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(2);
        }

        Assert.That(condition(), Is.True, "condition not reached within 15 s");
    }

    /// <summary>
    /// Checks each datagram on the receive thread without allocating (index order per lane, length and content), counts
    /// batches, and notes the receive thread's allocations over windows of <see cref="Window"/> datagrams.
    /// </summary>
    private sealed class RecordingReceiver(int expected) : IRingReceiver
    {
        private readonly int[] _next = new int[IRingReceiver.LaneCount];
        private readonly long[] _windowBytes = new long[(expected / Window) + 1];
        private readonly ManualResetEventSlim _gate = new(initialState: true);
        private readonly List<string> _problems = [];
        private long _windowStart;
        private int _count;
        private int _batches;
        private int _inBatch;
        private int _largestBatch;

        public int Count => Volatile.Read(ref _count);

        public int Batches => Volatile.Read(ref _batches);

        public int LargestBatch => Volatile.Read(ref _largestBatch);

        public IReadOnlyList<string> Problems
        {
            get
            {
                lock (_problems)
                {
                    return [.. _problems];
                }
            }
        }

        /// <summary>The least the receive thread allocated in one full window after the first two (warm-up).</summary>
        public long QuietestWindowBytes => _windowBytes.Skip(2).Take((Count / Window) - 2).Min();

        public void Hold() => _gate.Reset();

        public void Release() => _gate.Set();

        public void OnReceived(int ringNumber, int lane, IPEndPoint source, Span<byte> datagram)
        {
            var index = datagram.Length >= 4 ? BinaryPrimitives.ReadInt32BigEndian(datagram) : -1;
            if (index != _next[lane] || datagram.Length != 4 + ((index * 37) % 1400) || datagram[4..].ContainsAnyExcept((byte)index))
            {
                lock (_problems)
                {
                    _problems.Add($"lane {lane}: expected datagram {_next[lane]}, got {index} of {datagram.Length} bytes");
                }
            }

            _next[lane] = index + 1;
            var count = _count + 1;
            if (count % Window == 1)
            {
                _windowStart = GC.GetAllocatedBytesForCurrentThread();
            }
            else if (count % Window == 0)
            {
                _windowBytes[(count / Window) - 1] = GC.GetAllocatedBytesForCurrentThread() - _windowStart;
            }

            _inBatch++;
            Volatile.Write(ref _count, count);
            _gate.Wait();
        }

        public void OnBatchEnd(int ringNumber, int lane)
        {
            if (_inBatch > _largestBatch)
            {
                Volatile.Write(ref _largestBatch, _inBatch);
            }

            _inBatch = 0;
            Interlocked.Increment(ref _batches);
        }
    }
}
