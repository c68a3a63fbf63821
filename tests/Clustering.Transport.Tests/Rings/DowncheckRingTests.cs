using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Clustering.Transport.Rings;
using Microsoft.Extensions.Time.Testing;

namespace Clustering.Transport.Tests.Rings;

/// <summary>Corosync's downcheck: a ring whose interface is missing waits for it and comes up when it appears.</summary>
public sealed class DowncheckRingTests
{
    private static readonly IPEndPoint A = new(IPAddress.Parse("198.18.0.1"), 5405);
    private static readonly IPEndPoint B = new(IPAddress.Parse("198.18.0.2"), 5405);

    private static BindNetAddressNotFoundException Missing() => new(IPAddress.Parse("198.18.0.0"), []);

    [Test]
    public async Task When_the_interface_is_there_the_real_ring_is_returned_unwrapped()
    {
        var net = new InMemoryNetwork(new FakeTimeProvider(), seed: 1);
        var real = net.CreateRing(0, A);
        await using var ring = DowncheckRing.Create(() => real, new DowncheckRingOptions());
        Assert.That(ring, Is.SameAs(real));
    }

    [Test]
    public void Other_failures_propagate()
    {
        Assert.That(() => DowncheckRing.Create(() => throw new InvalidOperationException("boom"), new DowncheckRingOptions()),
            Throws.InvalidOperationException);
        Assert.That(DowncheckRing.IsInterfaceMissing(new RingBindException(0, A, "bind", new SocketException((int)SocketError.AddressNotAvailable))), Is.True);
        Assert.That(DowncheckRing.IsInterfaceMissing(new RingBindException(0, A, "bind", new SocketException((int)SocketError.AddressAlreadyInUse))), Is.False);
    }

    [Test]
    public async Task A_missing_interface_is_checked_every_downcheck_and_the_ring_comes_up_when_it_appears()
    {
        var time = new FakeTimeProvider();
        var net = new InMemoryNetwork(time, seed: 1);
        await using var peer = net.CreateRing(0, B);
        var attempts = 0;
        var options = new DowncheckRingOptions { Downcheck = TimeSpan.FromMilliseconds(1000), TimeProvider = time, MaxDatagramSize = 1400 };
        await using var ring = DowncheckRing.Create(() => ++attempts < 3 ? throw Missing() : net.CreateRing(0, A), options);

        var down = (DowncheckRing)ring;
        Assert.That(down.IsUp, Is.False);
        Assert.That(ring.LocalEndPoint, Is.EqualTo(options.PlaceholderEndPoint));
        Assert.That(ring.MaxDatagramSize, Is.EqualTo(1400));
        await ring.SendToAllAsync(new byte[] { 1 });
        Assert.That(ring.Counters.SendErrors, Is.EqualTo(1), "a send while down is counted, not thrown");

        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.That(attempts, Is.EqualTo(1), "nothing before the interval");
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(attempts, Is.EqualTo(2));
        Assert.That(down.IsUp, Is.False);
        time.Advance(TimeSpan.FromMilliseconds(1000));
        Assert.That(attempts, Is.EqualTo(3));
        Assert.That(down.IsUp, Is.True);
        Assert.That(ring.LocalEndPoint, Is.EqualTo(A));
        time.Advance(TimeSpan.FromMilliseconds(5000));
        Assert.That(attempts, Is.EqualTo(3), "no more checks once up");

        await peer.SendToAllAsync(new byte[] { 7, 8 });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        using var datagram = await ring.Received.ReadAsync(cts.Token);
        Assert.That(datagram.Data.ToArray(), Is.EqualTo(new byte[] { 7, 8 }));
        Assert.That(datagram.Source, Is.EqualTo(A.Address.Equals(datagram.Source.Address) ? A : B));

        await ring.SendToAllAsync(new byte[] { 9 });
        using var back = await peer.Received.ReadAsync(cts.Token);
        Assert.That(back.Data.ToArray(), Is.EqualTo(new byte[] { 9 }));
    }

    [Test]
    public async Task A_multicast_ring_waits_for_its_bindnetaddr_and_then_talks_over_real_sockets()
    {
        var (interfaces, group, port, local, waiting) = WaitingMulticastRing();
        await using var ring = waiting;
        var down = (DowncheckRing)ring;
        Assert.That(down.IsUp, Is.False, "no interface matches 127.0.0.0 yet");

        lock (interfaces)
        {
            interfaces.Add((local, 8));
        }

        for (var i = 0; i < 200 && !down.IsUp; i++)
        {
            await Task.Delay(25);
        }

        Assert.That(down.IsUp, Is.True, "the ring came up within 5 s of its interface appearing");
        Assert.That(ring.LocalEndPoint.Address, Is.EqualTo(local));

        await using var peer = UdpMulticastRing.Create(new UdpMulticastRingOptions
        {
            LocalAddress = LoopbackRings.RandomLoopback(),
            MulticastAddress = group,
            MulticastPort = port,
        });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var payload = new byte[] { 42, 43, 44 };
        while (true)
        {
            await peer.SendToAllAsync(payload, cts.Token);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
            wait.CancelAfter(TimeSpan.FromMilliseconds(200));
            try
            {
                using var datagram = await ring.Received.ReadAsync(wait.Token);
                Assert.That(datagram.Data.ToArray(), Is.EqualTo(payload));
                break;
            }
            catch (OperationCanceledException) when (!cts.IsCancellationRequested)
            {
            }
        }
    }

    [Test]
    public async Task An_attached_receiver_gets_the_datagrams_of_an_inner_ring_without_a_push_path_from_the_pump()
    {
        var time = new FakeTimeProvider();
        var net = new InMemoryNetwork(time, seed: 1);
        await using var peer = net.CreateRing(0, B);
        var attempts = 0;
        var options = new DowncheckRingOptions { Downcheck = TimeSpan.FromMilliseconds(1000), TimeProvider = time };
        await using var ring = DowncheckRing.Create(() => ++attempts < 2 ? throw Missing() : new InMemoryPullOnlyRing(net.CreateRing(0, A)), options);
        var receiver = new RecordingReceiver();
        ((IPushRing)ring).Attach(receiver);
        Assert.That(() => ((IPushRing)ring).Attach(receiver), Throws.InvalidOperationException, "one receiver per ring");

        time.Advance(TimeSpan.FromMilliseconds(1000));
        Assert.That(((DowncheckRing)ring).IsUp, Is.True);
        await peer.SendToAllAsync(new byte[] { 5, 6 });
        var got = await receiver.NextAsync();
        Assert.That(got.Data, Is.EqualTo(new byte[] { 5, 6 }));
        Assert.That(got.Lane, Is.EqualTo(IRingReceiver.PumpLane));
        Assert.That(ring.Received.TryRead(out _), Is.False, "pushed, not queued");
    }

    [Test]
    public async Task An_attached_receiver_is_passed_on_to_a_udp_ring_once_its_interface_appears()
    {
        var (interfaces, group, port, local, waiting) = WaitingMulticastRing();
        await using var ring = waiting;
        var receiver = new RecordingReceiver();
        ((IPushRing)ring).Attach(receiver);
        lock (interfaces)
        {
            interfaces.Add((local, 8));
        }

        for (var i = 0; i < 200 && !((DowncheckRing)ring).IsUp; i++)
        {
            await Task.Delay(25);
        }

        Assert.That(((DowncheckRing)ring).IsUp, Is.True);
        await using var peer = UdpMulticastRing.Create(new UdpMulticastRingOptions
        {
            LocalAddress = LoopbackRings.RandomLoopback(),
            MulticastAddress = group,
            MulticastPort = port,
        });
        await peer.SendToAllAsync(new byte[] { 1, 2, 3 });
        await peer.SendToAsync(ring.LocalEndPoint, new byte[] { 4 });
        var lanes = new HashSet<int>();
        for (var i = 0; i < 2; i++)
        {
            var got = await receiver.NextAsync();
            lanes.Add(got.Lane);
            Assert.That(got.Data, Is.EqualTo(got.Lane == IRingReceiver.GroupLane ? new byte[] { 1, 2, 3 } : new byte[] { 4 }));
        }

        Assert.That(lanes, Is.EquivalentTo(new[] { IRingReceiver.SocketLane, IRingReceiver.GroupLane }), "the group socket's and the unicast socket's threads");
        Assert.That(ring.Received.TryRead(out _), Is.False, "pushed, not queued");
        Assert.That(ring.Counters.DatagramsReceived, Is.EqualTo(2), "the wrapper still counts what passes through it");
    }

    private sealed class RecordingReceiver : IRingReceiver
    {
        private readonly Channel<(int Lane, byte[] Data)> _got = Channel.CreateUnbounded<(int, byte[])>();

        public void OnReceived(int ringNumber, int lane, IPEndPoint source, Span<byte> datagram) => _got.Writer.TryWrite((lane, datagram.ToArray()));

        public void OnBatchEnd(int ringNumber, int lane)
        {
        }

        public async Task<(int Lane, byte[] Data)> NextAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            return await _got.Reader.ReadAsync(timeout.Token);
        }
    }

    /// <summary>
    /// A multicast ring on random loopback group, port and address whose bindnetaddr (127.0.0.0) matches no interface
    /// until the test adds <c>(local, 8)</c> to <c>interfaces</c> (under its lock); downcheck every 50 ms.
    /// </summary>
    private static (List<(IPAddress Address, int PrefixLength)> Interfaces, IPAddress Group, int Port, IPAddress Local, IRing Ring) WaitingMulticastRing()
    {
        var interfaces = new List<(IPAddress Address, int PrefixLength)>();
        var group = LoopbackRings.RandomGroup();
        var port = LoopbackRings.RandomPort();
        var local = LoopbackRings.RandomLoopback();
        var options = new UdpMulticastRingOptions
        {
            BindNetAddress = new IPAddress([127, 0, 0, 0]),
            Interfaces = interfaces,
            MulticastAddress = group,
            MulticastPort = port,
        };
        var ring = DowncheckRing.Create(() => UdpMulticastRing.Create(options), new DowncheckRingOptions { Downcheck = TimeSpan.FromMilliseconds(50) });
        return (interfaces, group, port, local, ring);
    }
}
