using System.Collections.Concurrent;
using System.Net;
using Clustering.Transport.Rings;
using Microsoft.Extensions.Time.Testing;

namespace Clustering.Transport.Tests.Rings;

/// <summary>
/// The in-memory ring's push path (what a <see cref="Clustering.Transport.Redundancy.RingSet"/> attaches to) and the network's own buffer
/// pool: datagrams reach an attached receiver on the ring's delivery thread, never the sender's; the inbox is bounded;
/// faults and delays still apply; a failing receiver is counted; dispose ends the thread; and a steady flow of
/// datagrams between threads takes every buffer from the pool.
/// </summary>
public sealed class InMemoryPushPathTests
{
    private static readonly IPEndPoint A = new(IPAddress.Parse("127.0.0.1"), 5405);
    private static readonly IPEndPoint B = new(IPAddress.Parse("127.0.0.2"), 5405);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Test]
    public async Task An_attached_receiver_gets_each_datagram_on_the_rings_own_thread_in_order()
    {
        var net = new InMemoryNetwork(new FakeTimeProvider(), seed: 1);
        await using var a = net.CreateRing(0, A);
        await using var b = net.CreateRing(0, B);
        var receiver = new Recorder();
        ((IPushRing)b).Attach(receiver);

        for (byte i = 0; i < 50; i++)
        {
            await a.SendToAllAsync(new[] { i, (byte)(i + 1) });
        }

        var got = await receiver.TakeAsync(50);
        Assert.Multiple(() =>
        {
            Assert.That(got.Select(g => g.Data[0]), Is.EqualTo(Enumerable.Range(0, 50).Select(i => (byte)i)), "in send order");
            Assert.That(got.All(g => g.Source.Equals(A) && g.Ring == 0 && g.Lane == IRingReceiver.SocketLane && g.Data.Length == 2), Is.True);
            Assert.That(got.Select(g => g.Thread).Distinct().Single(), Is.Not.EqualTo(Environment.CurrentManagedThreadId), "not the sender's thread");
            Assert.That(got[0].Thread, Is.EqualTo(((InMemoryRing)b).DeliveryThread!.ManagedThreadId), "the ring's delivery thread");
            Assert.That(b.Received.TryRead(out _), Is.False, "pushed, not queued");
            Assert.That(b.Counters.DatagramsReceived, Is.EqualTo(50));
            Assert.That(net.Counters.Delivered, Is.EqualTo(50));
        });
    }

    [Test]
    public async Task Batches_end_when_the_inbox_runs_dry_and_after_at_most_sixteen_datagrams()
    {
        var net = new InMemoryNetwork(new FakeTimeProvider(), seed: 1);
        await using var a = net.CreateRing(0, A);
        await using var b = net.CreateRing(0, B);
        using var release = new ManualResetEventSlim();
        var receiver = new Recorder { Hold = release };
        ((IPushRing)b).Attach(receiver);

        await a.SendToAllAsync(new byte[] { 0 });
        await receiver.WaitHeldAsync();
        for (byte i = 1; i <= 40; i++)
        {
            await a.SendToAllAsync(new[] { i });
        }

        release.Set();
        await receiver.TakeAsync(41);
        await receiver.WaitBatchesCoverAsync(41);
        var batches = receiver.Batches;
        Assert.Multiple(() =>
        {
            Assert.That(batches.Sum(), Is.EqualTo(41), "every datagram is in an ended batch");
            Assert.That(batches.Max(), Is.LessThanOrEqualTo(16), "a long backlog is cut into batches");
            Assert.That(batches.Length, Is.GreaterThanOrEqualTo(3), "41 datagrams need at least three batches of 16");
        });
    }

    [Test]
    public async Task What_arrived_before_attaching_stays_in_the_queue_and_a_second_receiver_is_refused()
    {
        var net = new InMemoryNetwork(new FakeTimeProvider(), seed: 1);
        await using var a = net.CreateRing(0, A);
        var b = net.CreateRing(0, B);
        await a.SendToAllAsync(new byte[] { 1 });
        var receiver = new Recorder();
        ((IPushRing)b).Attach(receiver);
        await a.SendToAllAsync(new byte[] { 2 });

        var pushed = await receiver.TakeAsync(1);
        Assert.That(b.Received.TryRead(out var queued), Is.True);
        using (queued)
        {
            Assert.That(queued.Data.ToArray(), Is.EqualTo(new byte[] { 1 }));
        }

        Assert.That(pushed[0].Data, Is.EqualTo(new byte[] { 2 }));
        Assert.That(() => ((IPushRing)b).Attach(new Recorder()), Throws.InvalidOperationException.With.Message.Contains("already"));
        await b.DisposeAsync();
        Assert.That(() => ((IPushRing)b).Attach(new Recorder()), Throws.TypeOf<ObjectDisposedException>());
    }

    [Test]
    public async Task The_inbox_is_bounded_by_the_receive_queue_capacity_and_overflows_are_counted()
    {
        var net = new InMemoryNetwork(new FakeTimeProvider(), seed: 1) { ReceiveQueueCapacity = 4 };
        await using var a = net.CreateRing(0, A);
        await using var b = net.CreateRing(0, B);
        using var release = new ManualResetEventSlim();
        var receiver = new Recorder { Hold = release };
        ((IPushRing)b).Attach(receiver);

        // The first datagram is taken and held by the receiver; four more fill the inbox; three overflow.
        await a.SendToAllAsync(new byte[] { 0 });
        await receiver.WaitHeldAsync();
        for (byte i = 1; i < 8; i++)
        {
            await a.SendToAllAsync(new[] { i });
        }

        var overflows = b.Counters.ReceiveOverflows;
        release.Set();
        var got = await receiver.TakeAsync(5);
        Assert.Multiple(() =>
        {
            Assert.That(overflows, Is.EqualTo(3));
            Assert.That(got.Select(g => g.Data[0]), Is.EqualTo(new byte[] { 0, 1, 2, 3, 4 }), "the first five, in order");
            Assert.That(b.Counters.DatagramsReceived, Is.EqualTo(5));
        });
    }

    [Test]
    public async Task Delays_and_duplicates_still_apply_on_the_push_path()
    {
        var time = new FakeTimeProvider();
        var net = new InMemoryNetwork(time, seed: 5, new NetworkFaults { Delay = TimeSpan.FromMilliseconds(10), Duplication = 1 });
        await using var a = net.CreateRing(0, A);
        await using var b = net.CreateRing(0, B);
        var receiver = new Recorder();
        ((IPushRing)b).Attach(receiver);

        await a.SendToAllAsync(new byte[] { 7 });
        await Task.Delay(50);
        Assert.That(receiver.Count, Is.Zero, "nothing before the delay has passed");
        time.Advance(TimeSpan.FromMilliseconds(10));
        var got = await receiver.TakeAsync(2);
        Assert.That(got.Select(g => g.Data[0]), Is.EqualTo(new byte[] { 7, 7 }));
        Assert.That(net.Counters.Duplicated, Is.EqualTo(1));
    }

    [Test]
    public async Task A_receiver_that_throws_is_counted_and_the_next_datagram_still_arrives()
    {
        var net = new InMemoryNetwork(new FakeTimeProvider(), seed: 1);
        await using var a = net.CreateRing(0, A);
        await using var b = net.CreateRing(0, B);
        var receiver = new Recorder { ThrowOn = 1 };
        ((IPushRing)b).Attach(receiver);

        await a.SendToAllAsync(new byte[] { 1 });
        await a.SendToAllAsync(new byte[] { 2 });
        var got = await receiver.TakeAsync(1);
        Assert.That(got[0].Data, Is.EqualTo(new byte[] { 2 }));
        Assert.That(b.Counters.ReceiveErrors, Is.EqualTo(1));
    }

    [Test]
    public async Task Dispose_ends_the_delivery_thread_and_returns_what_waited_to_the_pool()
    {
        var net = new InMemoryNetwork(new FakeTimeProvider(), seed: 1);
        await using var a = net.CreateRing(0, A);
        var b = net.CreateRing(0, B);
        using var release = new ManualResetEventSlim();
        var receiver = new Recorder { Hold = release };
        ((IPushRing)b).Attach(receiver);
        await a.SendToAllAsync(new byte[100]);
        await receiver.WaitHeldAsync();
        await a.SendToAllAsync(new byte[100]);
        await a.SendToAllAsync(new byte[100]);
        var pooled = net.Pool.Pooled(100);

        var disposing = b.DisposeAsync().AsTask();
        release.Set();
        await disposing.WaitAsync(Wait);
        var thread = ((InMemoryRing)b).DeliveryThread!;
        Assert.Multiple(() =>
        {
            Assert.That(thread.Join(Wait), Is.True, "the delivery thread ended");
            Assert.That(net.Pool.Pooled(100), Is.EqualTo(pooled + 3), "the held datagram and the two waiting ones are back in the pool");
        });

        await a.SendToAllAsync(new byte[100]);
        Assert.That(receiver.Count, Is.EqualTo(1), "nothing after dispose");
    }

    [Test]
    public async Task A_steady_flow_between_threads_takes_every_buffer_from_the_pool()
    {
        const int window = 256;
        var net = new InMemoryNetwork(TimeProvider.System, seed: 1);
        await using var a = net.CreateRing(0, A);
        await using var b = net.CreateRing(0, B);
        using var open = new ManualResetEventSlim(initialState: true);
        var receiver = new CountingReceiver(open);
        ((IPushRing)b).Attach(receiver);
        var datagram = new byte[1000];

        void SendOne()
        {
            var sent = a.SendToAllAsync(datagram);
            if (!sent.IsCompletedSuccessfully)
            {
                throw new InvalidOperationException("an in-memory send completes at once");
            }
        }

        void WaitFor(long count)
        {
            var deadline = DateTime.UtcNow + Wait;
            while (receiver.Count < count && DateTime.UtcNow < deadline)
            {
                Thread.Yield();
            }
        }

        // Synchronous (an in-memory send completes at once), so that the test's own code allocates nothing either;
        // never more than the window in flight.
        void Send(int count)
        {
            var start = receiver.Count;
            for (var i = 1; i <= count; i++)
            {
                SendOne();
                if (i % 64 == 0)
                {
                    WaitFor(start + i - window + 64);
                }
            }

            WaitFor(start + count);
        }

        // Warm-up: one burst of more than the window while the receiver is held fills the pool, then a steady flow.
        open.Reset();
        for (var i = 0; i < window + 64; i++)
        {
            SendOne();
        }

        open.Set();
        WaitFor(window + 64);
        Send(5000);
        var allocations = net.Pool.Allocations;
        var sender = GC.GetAllocatedBytesForCurrentThread();
        var delivery = receiver.ThreadAllocated;
        Send(20_000);
        var senderAllocated = GC.GetAllocatedBytesForCurrentThread() - sender;
        var deliveryAllocated = receiver.ThreadAllocated - delivery;
        var poolAllocated = net.Pool.Allocations - allocations;

        Assert.Multiple(() =>
        {
            Assert.That(receiver.Count, Is.EqualTo(window + 64 + 25_000), "every datagram arrived");
            Assert.That(poolAllocated, Is.Zero, "buffers the pool had to allocate");
            // Under 1 B per datagram on average: one allocation per datagram is at least 24 B each (480 KB here);
            // what a loaded test host's runtime may allocate once on these threads (a lock's wait state) is not.
            Assert.That(senderAllocated, Is.LessThan(20_000), "bytes allocated by the sending thread for 20 000 datagrams");
            Assert.That(deliveryAllocated, Is.LessThan(20_000), "bytes allocated by the delivery thread for 20 000 datagrams");
        });
    }

    [TestCase(0, 64)]
    [TestCase(1, 64)]
    [TestCase(64, 64)]
    [TestCase(65, 128)]
    [TestCase(1500, 2048)]
    [TestCase(65_507, 65_536)]
    public void The_pool_hands_out_the_smallest_class_that_fits(int requested, int length)
    {
        var pool = new DatagramPool();
        var buffer = pool.Rent(requested);
        Assert.That(buffer, Has.Length.EqualTo(length));
        pool.Return(buffer);
        Assert.That(pool.Rent(requested), Is.SameAs(buffer), "returned, then rented again");
        Assert.That(pool.Allocations, Is.EqualTo(1));
    }

    [Test]
    public void The_pool_is_bounded_and_keeps_only_its_own_sizes()
    {
        var pool = new DatagramPool();
        var large = pool.Rent(70_000);
        Assert.That(large, Has.Length.EqualTo(70_000), "beyond the largest class: exact and unpooled");
        pool.Return(large);
        pool.Return(new byte[100]);
        pool.Return(new byte[32]);
        Assert.That(pool.Pooled(100), Is.Zero, "odd sizes are dropped");

        const int size = 65_536;
        var capacity = DatagramPool.BytesPerClass / size;
        var buffers = Enumerable.Range(0, capacity + 10).Select(_ => pool.Rent(size)).ToList();
        foreach (var buffer in buffers)
        {
            pool.Return(buffer);
        }

        Assert.That(pool.Pooled(size), Is.EqualTo(capacity));
        Assert.That(() => pool.Rent(-1), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public async Task Buffers_rented_on_one_thread_and_returned_on_another_are_reused()
    {
        var pool = new DatagramPool();
        var handOff = new BlockingCollection<byte[]>(boundedCapacity: 64);
        var returner = Task.Run(() =>
        {
            foreach (var buffer in handOff.GetConsumingEnumerable())
            {
                pool.Return(buffer);
            }
        });

        for (var i = 0; i < 50_000; i++)
        {
            handOff.Add(pool.Rent(1000));
        }

        handOff.CompleteAdding();
        await returner.WaitAsync(Wait);
        Assert.That(pool.Allocations, Is.LessThanOrEqualTo(65 + 2), "at most what was in flight at once");
    }

    private sealed class Recorder : IRingReceiver
    {
        private readonly ConcurrentQueue<(int Ring, int Lane, IPEndPoint Source, byte[] Data, int Thread)> _got = new();
        private readonly SemaphoreSlim _arrived = new(0);
        private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ConcurrentQueue<int> _batches = new();
        private readonly SemaphoreSlim _batchEnded = new(0);
        private int _calls;
        private int _sinceBatchEnd;

        public ManualResetEventSlim? Hold { get; init; }

        /// <summary>The sizes of the batches ended so far (datagrams between two batch ends).</summary>
        public int[] Batches => [.. _batches];

        public int ThrowOn { get; init; }

        public int Count => _got.Count;

        public void OnReceived(int ringNumber, int lane, IPEndPoint source, Span<byte> datagram)
        {
            var call = Interlocked.Increment(ref _calls);
            if (call == ThrowOn)
            {
                throw new InvalidOperationException("the receiver failed");
            }

            _got.Enqueue((ringNumber, lane, source, datagram.ToArray(), Environment.CurrentManagedThreadId));
            Interlocked.Increment(ref _sinceBatchEnd);
            _arrived.Release();
            if (call == 1 && Hold is { } hold)
            {
                _held.TrySetResult();
                hold.Wait(Wait);
            }
        }

        public void OnBatchEnd(int ringNumber, int lane)
        {
            _batches.Enqueue(Interlocked.Exchange(ref _sinceBatchEnd, 0));
            _batchEnded.Release();
        }

        /// <summary>Waits until the batches ended so far cover <paramref name="count"/> datagrams.</summary>
        public async Task WaitBatchesCoverAsync(int count)
        {
            while (Batches.Sum() < count)
            {
                Assert.That(await _batchEnded.WaitAsync(Wait), Is.True, $"batches ended covering {count} datagrams");
            }
        }

        public Task WaitHeldAsync() => _held.Task.WaitAsync(Wait);

        public async Task<List<(int Ring, int Lane, IPEndPoint Source, byte[] Data, int Thread)>> TakeAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                Assert.That(await _arrived.WaitAsync(Wait), Is.True, $"datagram {i + 1} of {count} arrived");
            }

            return [.. _got];
        }
    }

    private sealed class CountingReceiver(ManualResetEventSlim open) : IRingReceiver
    {
        private long _count;
        private long _threadAllocated;

        public long Count => Volatile.Read(ref _count);

        /// <summary>What the delivery thread had allocated by the last datagram.</summary>
        public long ThreadAllocated => Volatile.Read(ref _threadAllocated);

        public void OnReceived(int ringNumber, int lane, IPEndPoint source, Span<byte> datagram)
        {
            open.Wait(Wait);
            Volatile.Write(ref _threadAllocated, GC.GetAllocatedBytesForCurrentThread());
            Interlocked.Increment(ref _count);
        }

        public void OnBatchEnd(int ringNumber, int lane)
        {
        }
    }
}
