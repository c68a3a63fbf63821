using System.Net;
using Clustering.Transport.Rings;
using Microsoft.Extensions.Time.Testing;

namespace Clustering.Transport.Tests.Rings;

/// <summary>
/// The contract every <see cref="IRing"/> keeps, run over the in-memory network, UDP multicast and UDP
/// unicast (the derived fixtures below). UDP runs on loopback only, with random 127/8 addresses, random
/// 239.192.x.y groups and random free ports.
/// </summary>
public abstract class RingContractTests
{
    private readonly List<IRing> _rings = [];

    /// <summary>Time to wait for a datagram that must arrive.</summary>
    protected static readonly TimeSpan ArrivalTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Creates <paramref name="count"/> connected rings with the given queue capacity.</summary>
    protected abstract IRing[] CreateRings(int count, int receiveQueueCapacity);

    /// <summary>How long to wait before deciding that nothing more arrives (zero for the synchronous in-memory network).</summary>
    protected abstract TimeSpan Quiet { get; }

    private IRing[] Rings(int count, int receiveQueueCapacity = 1024)
    {
        var rings = CreateRings(count, receiveQueueCapacity);
        _rings.AddRange(rings);
        return rings;
    }

    [TearDown]
    public async Task DisposeRings()
    {
        foreach (var ring in _rings)
        {
            await ring.DisposeAsync();
        }

        _rings.Clear();
    }

    protected static async Task<(IPEndPoint Source, byte[] Data)> ReceiveAsync(IRing ring)
    {
        using var timeout = new CancellationTokenSource(ArrivalTimeout);
        using var datagram = await ring.Received.ReadAsync(timeout.Token);
        Assert.That(datagram.RingNumber, Is.EqualTo(ring.RingNumber));
        return (datagram.Source, datagram.Data.ToArray());
    }

    protected async Task<int> CountExtraAsync(IRing ring)
    {
        if (Quiet > TimeSpan.Zero)
        {
            await Task.Delay(Quiet);
        }

        var extra = 0;
        while (ring.Received.TryRead(out var datagram))
        {
            datagram.Dispose();
            extra++;
        }

        return extra;
    }

    private static byte[] Payload(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Test]
    public async Task Send_to_all_reaches_every_other_member_once_and_not_the_sender()
    {
        var rings = Rings(3);
        var payload = Payload(100, 1);
        await rings[0].SendToAllAsync(payload);
        foreach (var receiver in rings.Skip(1))
        {
            var (source, data) = await ReceiveAsync(receiver);
            Assert.That(source, Is.EqualTo(rings[0].LocalEndPoint));
            Assert.That(data, Is.EqualTo(payload));
        }

        foreach (var ring in rings)
        {
            Assert.That(await CountExtraAsync(ring), Is.Zero, $"nothing more at {ring.LocalEndPoint}");
        }
    }

    [Test]
    public async Task Send_to_one_reaches_only_that_member()
    {
        var rings = Rings(3);
        var payload = Payload(64, 2);
        await rings[2].SendToAsync(rings[1].LocalEndPoint, payload);
        var (source, data) = await ReceiveAsync(rings[1]);
        Assert.That(source, Is.EqualTo(rings[2].LocalEndPoint));
        Assert.That(data, Is.EqualTo(payload));
        Assert.That(await CountExtraAsync(rings[0]), Is.Zero);
        Assert.That(await CountExtraAsync(rings[2]), Is.Zero);
    }

    [Test]
    public async Task A_member_can_answer_the_source_it_received_from()
    {
        var rings = Rings(2);
        await rings[0].SendToAllAsync(new byte[] { 1 });
        var (source, _) = await ReceiveAsync(rings[1]);
        await rings[1].SendToAsync(source, new byte[] { 2 });
        var (back, data) = await ReceiveAsync(rings[0]);
        Assert.That(back, Is.EqualTo(rings[1].LocalEndPoint));
        Assert.That(data, Is.EqualTo(new byte[] { 2 }));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(1400)]
    [TestCase(9000)]
    [TestCase(-1)]
    public async Task Datagrams_of_every_size_up_to_the_maximum_arrive_intact(int length)
    {
        var rings = Rings(2);
        var size = length < 0 ? rings[0].MaxDatagramSize : length;
        var payload = Payload(size, size);
        await rings[0].SendToAllAsync(payload);
        var (_, data) = await ReceiveAsync(rings[1]);
        Assert.That(data, Is.EqualTo(payload));
    }

    [Test]
    public void A_datagram_above_the_maximum_is_refused_with_a_clear_error()
    {
        var rings = Rings(2);
        var tooBig = new byte[rings[0].MaxDatagramSize + 1];
        Assert.That(async () => await rings[0].SendToAllAsync(tooBig), Throws.ArgumentException.With.Message.Contains("exceeds"));
        Assert.That(async () => await rings[0].SendToAsync(rings[1].LocalEndPoint, tooBig), Throws.ArgumentException);
        Assert.That(rings[0].Counters.DatagramsSent, Is.Zero);
    }

    [Test]
    public void A_cancelled_send_throws_and_sends_nothing()
    {
        var rings = Rings(2);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.That(async () => await rings[0].SendToAllAsync(new byte[] { 1 }, cancelled.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(rings[0].Counters.DatagramsSent, Is.Zero);
    }

    [Test]
    public async Task Order_from_one_sender_is_kept_without_faults()
    {
        var rings = Rings(2);
        for (var i = 0; i < 50; i++)
        {
            await rings[0].SendToAsync(rings[1].LocalEndPoint, BitConverter.GetBytes(i));
        }

        for (var i = 0; i < 50; i++)
        {
            var (_, data) = await ReceiveAsync(rings[1]);
            Assert.That(BitConverter.ToInt32(data), Is.EqualTo(i));
        }
    }

    [Test]
    public async Task Counters_move_with_traffic()
    {
        var rings = Rings(2);
        await rings[0].SendToAllAsync(new byte[10]);
        await rings[0].SendToAsync(rings[1].LocalEndPoint, new byte[20]);
        await ReceiveAsync(rings[1]);
        await ReceiveAsync(rings[1]);
        Assert.That(rings[0].Counters.DatagramsSent, Is.EqualTo(2));
        Assert.That(rings[0].Counters.BytesSent, Is.EqualTo(30));
        Assert.That(rings[1].Counters.DatagramsReceived, Is.EqualTo(2));
        Assert.That(rings[1].Counters.BytesReceived, Is.EqualTo(30));
        Assert.That(rings[1].Counters.ReceiveOverflows, Is.Zero);
        Assert.That(rings[0].Counters.DatagramsReceived, Is.Zero);
    }

    [Test]
    public async Task The_receive_queue_is_bounded_and_overflows_are_counted()
    {
        const int Capacity = 4;
        const int Sent = 20;
        var rings = Rings(2, Capacity);
        for (var i = 0; i < Sent; i++)
        {
            await rings[0].SendToAllAsync(BitConverter.GetBytes(i));
        }

        var deadline = DateTime.UtcNow + ArrivalTimeout;
        while (rings[1].Counters.DatagramsReceived + rings[1].Counters.ReceiveOverflows < Sent && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.That(rings[1].Counters.DatagramsReceived, Is.EqualTo(Capacity));
        Assert.That(rings[1].Counters.ReceiveOverflows, Is.EqualTo(Sent - Capacity));
        for (var i = 0; i < Capacity; i++)
        {
            var (_, data) = await ReceiveAsync(rings[1]);
            Assert.That(BitConverter.ToInt32(data), Is.EqualTo(i), "the first datagrams are kept, later ones dropped");
        }

        Assert.That(await CountExtraAsync(rings[1]), Is.Zero);
    }

    [Test]
    public async Task Dispose_completes_the_receive_stream_and_refuses_sends()
    {
        var rings = Rings(2);
        await rings[0].SendToAllAsync(new byte[] { 1 });
        await ReceiveAsync(rings[1]);
        await rings[1].SendToAllAsync(new byte[] { 2 });
        await ReceiveAsync(rings[0]);
        await rings[1].DisposeAsync();
        await rings[1].DisposeAsync(); // twice is harmless
        using var timeout = new CancellationTokenSource(ArrivalTimeout);
        await rings[1].Received.Completion.WaitAsync(timeout.Token);
        Assert.That(rings[1].Received.TryRead(out _), Is.False);
        Assert.That(async () => await rings[1].SendToAllAsync(new byte[] { 1 }), Throws.TypeOf<ObjectDisposedException>());
        Assert.That(async () => await rings[1].SendToAsync(rings[0].LocalEndPoint, new byte[] { 1 }), Throws.TypeOf<ObjectDisposedException>());

        // The survivor keeps working and sending into the void is not an error.
        await rings[0].SendToAllAsync(new byte[] { 3 });
        Assert.That(rings[0].Counters.SendErrors, Is.Zero);
    }

    [Test]
    public async Task A_reader_waiting_when_the_ring_is_disposed_is_released()
    {
        var rings = Rings(2);
        var waiting = rings[1].Received.WaitToReadAsync().AsTask();
        await rings[1].DisposeAsync();
        Assert.That(await waiting.WaitAsync(ArrivalTimeout), Is.False);
    }
}

public sealed class InMemoryRingContractTests : RingContractTests
{
    private int _next;

    protected override TimeSpan Quiet => TimeSpan.Zero;

    protected override IRing[] CreateRings(int count, int receiveQueueCapacity)
    {
        var network = new InMemoryNetwork(new FakeTimeProvider(), seed: 5) { ReceiveQueueCapacity = receiveQueueCapacity };
        return Enumerable.Range(0, count)
            .Select(_ => network.CreateRing(0, new IPEndPoint(IPAddress.Parse("127.0.0.1"), 5405 + _next++)))
            .ToArray();
    }
}

public sealed class UdpMulticastRingContractTests : RingContractTests
{
    protected override TimeSpan Quiet => TimeSpan.FromMilliseconds(150);

    protected override IRing[] CreateRings(int count, int receiveQueueCapacity) =>
        LoopbackRings.Multicast(count, receiveQueueCapacity);
}

public sealed class UdpUnicastRingContractTests : RingContractTests
{
    protected override TimeSpan Quiet => TimeSpan.FromMilliseconds(150);

    protected override IRing[] CreateRings(int count, int receiveQueueCapacity) =>
        LoopbackRings.Unicast(count, receiveQueueCapacity);
}
