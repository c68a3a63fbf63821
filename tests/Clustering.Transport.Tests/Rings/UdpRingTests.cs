using System.Net;
using System.Net.Sockets;
using Clustering.Transport.Rings;

namespace Clustering.Transport.Tests.Rings;

/// <summary>What is particular to the UDP rings, beyond the shared contract.</summary>
public sealed class UdpRingTests
{
    private static async Task<RingDatagram> ReceiveAsync(IRing ring)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        return await ring.Received.ReadAsync(timeout.Token);
    }

    private static async Task DisposeAll(IEnumerable<IRing> rings)
    {
        foreach (var ring in rings)
        {
            await ring.DisposeAsync();
        }
    }

    [Test]
    public async Task Multicast_follows_corosyncs_port_convention()
    {
        var rings = LoopbackRings.Multicast(2);
        try
        {
            var groupPort = rings[0].GroupEndPoint.Port;
            Assert.That(rings[0].LocalEndPoint.Port, Is.EqualTo(groupPort - 1), "sends from and receives unicast on mcastport - 1");
            Assert.That(rings[0].GroupEndPoint.Address.ToString(), Does.StartWith("239.192."));
            await rings[0].SendToAllAsync(new byte[] { 1 });
            using var datagram = await ReceiveAsync(rings[1]);
            Assert.That(datagram.Source.Port, Is.EqualTo(groupPort - 1));
        }
        finally
        {
            await DisposeAll(rings);
        }
    }

    [Test]
    public async Task Multicast_keeps_a_nodes_own_frames_off_its_group_socket_on_linux()
    {
        var rings = LoopbackRings.Multicast(3);
        try
        {
            if (!OperatingSystem.IsLinux())
            {
                Assert.Ignore("the kernel's source filter is used on Linux only; elsewhere own copies are dropped by address");
            }

            Assert.That(rings.Select(r => r.OwnCopiesBlocked), Is.All.True);
            for (var i = 0; i < 3; i++)
            {
                await rings[i].SendToAllAsync(new[] { (byte)i });
            }

            // Each ring hears the two others, in any order, and never itself.
            for (var i = 0; i < 3; i++)
            {
                var heard = new List<byte>();
                for (var n = 0; n < 2; n++)
                {
                    using var datagram = await ReceiveAsync(rings[i]);
                    heard.Add(datagram.Data[0]);
                }

                Assert.That(heard, Is.EquivalentTo(Enumerable.Range(0, 3).Where(j => j != i).Select(j => (byte)j)), $"ring {i}");
            }

            await Task.Delay(150);
            Assert.That(rings.Select(r => r.Received.TryRead(out _)), Is.All.False, "no own copy arrives later");
            Assert.That(rings.Select(r => r.Counters.DatagramsReceived), Is.All.EqualTo(2));
            Assert.That(rings.Select(r => r.Counters.OwnCopies), Is.All.EqualTo(0), "the kernel queued no own copy");
        }
        finally
        {
            await DisposeAll(rings);
        }
    }

    [Test]
    public async Task Multicast_resolves_bindnetaddr_against_the_interfaces_it_is_given()
    {
        var local = LoopbackRings.RandomLoopback();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await using var ring = UdpMulticastRing.Create(new UdpMulticastRingOptions
                {
                    BindNetAddress = IPAddress.Parse("127.0.0.0"),
                    Interfaces = [(IPAddress.Parse("10.9.9.9"), 8), (local, 8)],
                    MulticastAddress = LoopbackRings.RandomGroup(),
                    MulticastPort = LoopbackRings.RandomPort(),
                });
                Assert.That(ring.LocalEndPoint.Address, Is.EqualTo(local));
                return;
            }
            catch (RingBindException e) when (e.SocketError == SocketError.AddressAlreadyInUse && attempt < 10)
            {
            }
        }
    }

    [Test]
    public void Multicast_with_an_unmatched_bindnetaddr_fails_with_the_typed_error()
    {
        Assert.That(() => UdpMulticastRing.Create(new UdpMulticastRingOptions
        {
            BindNetAddress = IPAddress.Parse("198.18.0.0"),
            Interfaces = [(IPAddress.Loopback, 8)],
            MulticastAddress = IPAddress.Parse("239.192.1.1"),
        }), Throws.TypeOf<BindNetAddressNotFoundException>());
    }

    [Test]
    public async Task Two_rings_on_one_group_with_ports_two_apart_do_not_hear_each_other()
    {
        var group = LoopbackRings.RandomGroup();
        var port = LoopbackRings.RandomPort();
        var a = LoopbackRings.RandomLoopback();
        var b = LoopbackRings.RandomLoopback();
        UdpMulticastRing Make(IPAddress address, int ringNumber, int mcastPort) => UdpMulticastRing.Create(new UdpMulticastRingOptions
        {
            RingNumber = ringNumber, LocalAddress = address, MulticastAddress = group, MulticastPort = mcastPort,
        });

        var rings = new[] { Make(a, 0, port), Make(b, 0, port), Make(a, 1, port + 2), Make(b, 1, port + 2) };
        try
        {
            await rings[0].SendToAllAsync(new byte[] { 0 });
            await rings[2].SendToAllAsync(new byte[] { 1 });
            using (var d0 = await ReceiveAsync(rings[1]))
            using (var d1 = await ReceiveAsync(rings[3]))
            {
                Assert.That(d0.Data[0], Is.EqualTo(0));
                Assert.That(d1.Data[0], Is.EqualTo(1));
                Assert.That(d1.RingNumber, Is.EqualTo(1));
            }

            await Task.Delay(150);
            Assert.That(rings[1].Received.TryRead(out _), Is.False);
            Assert.That(rings[3].Received.TryRead(out _), Is.False);
        }
        finally
        {
            await DisposeAll(rings);
        }
    }

    [Test]
    public async Task Multicast_ring_over_IPv6_binds_joins_and_carries_unicast_on_loopback()
    {
        // Linux has no IPv6 multicast route on lo, so group delivery over IPv6 is shown between network
        // namespaces (integration tests); here: the IPv6 sockets, the join, unicast both ways, and a send
        // error that is counted instead of thrown.
        var group = IPAddress.Parse($"ff12::c1a5:{Random.Shared.Next(1, 0xffff):x}");
        UdpMulticastRing ring;
        try
        {
            ring = UdpMulticastRing.Create(new UdpMulticastRingOptions { LocalAddress = IPAddress.IPv6Loopback, MulticastAddress = group, MulticastPort = LoopbackRings.RandomPort() });
        }
        catch (RingBindException e) when (e.SocketError is SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported)
        {
            Assert.Ignore($"IPv6 is not available on loopback here: {e.Message}");
            return;
        }

        await using var _ = ring;
        using var peer = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        Assert.That(ring.MaxDatagramSize, Is.EqualTo(65_527));
        Assert.That(ring.GroupEndPoint.Address, Is.EqualTo(group));

        await peer.SendToAsync(new byte[] { 6 }, SocketFlags.None, ring.LocalEndPoint);
        using (var fromPeer = await ReceiveAsync(ring))
        {
            Assert.That(fromPeer.Data[0], Is.EqualTo(6));
            Assert.That(fromPeer.Source, Is.EqualTo(peer.LocalEndPoint));
        }

        await ring.SendToAsync((IPEndPoint)peer.LocalEndPoint!, new byte[] { 7 });
        var buffer = new byte[16];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var received = await peer.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.IPv6Any, 0), timeout.Token);
        Assert.That(buffer[0], Is.EqualTo(7));
        Assert.That(received.RemoteEndPoint, Is.EqualTo(ring.LocalEndPoint));

        var before = ring.Counters.DatagramsSent + ring.Counters.SendErrors;
        Assert.That(async () => await ring.SendToAllAsync(new byte[] { 8 }), Throws.Nothing, "a refused send is counted, not thrown");
        Assert.That(ring.Counters.DatagramsSent + ring.Counters.SendErrors, Is.EqualTo(before + 1));
    }

    [Test]
    public async Task Unicast_blocks_and_counts_unlisted_sources()
    {
        var rings = LoopbackRings.Unicast(2);
        using var stranger = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            stranger.Bind(new IPEndPoint(LoopbackRings.RandomLoopback(), 0));
            await stranger.SendToAsync(new byte[] { 66 }, SocketFlags.None, rings[0].LocalEndPoint);
            await rings[1].SendToAllAsync(new byte[] { 1 });
            using var fromMember = await ReceiveAsync(rings[0]);
            Assert.That(fromMember.Data[0], Is.EqualTo(1));
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (rings[0].Counters.UnlistedSources == 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }

            Assert.That(rings[0].Counters.UnlistedSources, Is.EqualTo(1));
            Assert.That(rings[0].Received.TryRead(out _), Is.False);
        }
        finally
        {
            await DisposeAll(rings);
        }
    }

    [Test]
    public async Task Unicast_can_accept_unlisted_sources_when_asked()
    {
        var rings = LoopbackRings.Unicast(1, blockUnlisted: false);
        using var stranger = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            stranger.Bind(new IPEndPoint(LoopbackRings.RandomLoopback(), 0));
            await stranger.SendToAsync(new byte[] { 66 }, SocketFlags.None, rings[0].LocalEndPoint);
            using var datagram = await ReceiveAsync(rings[0]);
            Assert.That(datagram.Data[0], Is.EqualTo(66));
            Assert.That(datagram.Source, Is.EqualTo(stranger.LocalEndPoint));
        }
        finally
        {
            await DisposeAll(rings);
        }
    }

    [Test]
    public async Task The_receive_loop_survives_oversize_datagrams_and_icmp_errors()
    {
        var port = LoopbackRings.RandomPort();
        var local = new IPEndPoint(LoopbackRings.RandomLoopback(), port);
        var closed = new IPEndPoint(LoopbackRings.RandomLoopback(), port); // nobody listens there
        await using var ring = UdpUnicastRing.Create(new UdpUnicastRingOptions
        {
            LocalEndPoint = local, Members = [local, closed], BlockUnlistedSources = false, MaxDatagramSize = 100,
        });
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(LoopbackRings.RandomLoopback(), 0));

        // Port unreachable comes back as an error on the ring's socket; then an oversize datagram.
        await ring.SendToAllAsync(new byte[] { 1 });
        await Task.Delay(50);
        await peer.SendToAsync(new byte[200], SocketFlags.None, local);
        await peer.SendToAsync(new byte[] { 5 }, SocketFlags.None, local);

        using var datagram = await ReceiveAsync(ring);
        Assert.That(datagram.Data.ToArray(), Is.EqualTo(new byte[] { 5 }), "the loop went on");
        Assert.That(ring.Counters.ReceiveErrors, Is.EqualTo(1), "the oversize datagram is counted");
        Assert.That(ring.Counters.DatagramsReceived, Is.EqualTo(1));
    }

    [Test]
    public async Task Unicast_send_to_all_counts_one_datagram_per_other_member()
    {
        var rings = LoopbackRings.Unicast(4);
        try
        {
            await rings[0].SendToAllAsync(new byte[8]);
            Assert.That(rings[0].Counters.DatagramsSent, Is.EqualTo(3));
            Assert.That(rings[0].Counters.BytesSent, Is.EqualTo(24));
            Assert.That(rings[0].Members, Has.Count.EqualTo(4));
        }
        finally
        {
            await DisposeAll(rings);
        }
    }

    [Test]
    public async Task A_port_in_use_is_a_typed_bind_error()
    {
        var rings = LoopbackRings.Unicast(1);
        try
        {
            var error = Assert.Throws<RingBindException>(() => UdpUnicastRing.Create(new UdpUnicastRingOptions
            {
                LocalEndPoint = rings[0].LocalEndPoint,
                Members = [rings[0].LocalEndPoint],
            }))!;
            Assert.That(error.SocketError, Is.EqualTo(SocketError.AddressAlreadyInUse));
            Assert.That(error.Message, Does.Contain(rings[0].LocalEndPoint.ToString()).And.Contain("bind"));
        }
        finally
        {
            await DisposeAll(rings);
        }
    }

    [Test]
    public async Task Receiving_uses_pooled_buffers_not_a_new_array_per_datagram()
    {
        // The test host allocates a few MB/s in the background, so this counts the whole process and
        // sizes the traffic so that one new array per datagram (32 MB) would stand far above that noise.
        var rings = LoopbackRings.Unicast(2);
        try
        {
            var payload = new byte[8192];
            const int Batch = 8;

            async Task<long> RoundsAsync(int rounds)
            {
                var before = GC.GetTotalAllocatedBytes(precise: true);
                for (var round = 0; round < rounds; round++)
                {
                    var expected = rings[1].Counters.DatagramsReceived + Batch;
                    for (var i = 0; i < Batch; i++)
                    {
                        await rings[0].SendToAsync(rings[1].LocalEndPoint, payload);
                    }

                    var waits = 0;
                    while (waits < 1000 && rings[1].Counters.DatagramsReceived < expected)
                    {
                        Thread.Sleep(1);
                        waits++;
                    }

                    while (rings[1].Received.TryRead(out var datagram))
                    {
                        datagram.Dispose();
                    }
                }

                return GC.GetTotalAllocatedBytes(precise: true) - before;
            }

            await RoundsAsync(20); // warm up the pool, the caches and the socket's event args
            const int Rounds = 500;
            var allocated = await RoundsAsync(Rounds);
            var received = rings[1].Counters.DatagramsReceived - (20 * Batch);
            var perDatagram = allocated / (double)received;
            await TestContext.Out.WriteLineAsync($"{allocated} bytes for {received} datagrams of {payload.Length} B: {perDatagram:F0} B each, test host included");
            Assert.That(received, Is.GreaterThan(Rounds * Batch / 2), "loopback carried the traffic");
            Assert.That(perDatagram, Is.LessThan(payload.Length / 4.0), "a new array per datagram would be at least the payload size");
        }
        finally
        {
            await DisposeAll(rings);
        }
    }

    [TestCaseSource(nameof(BadMulticastOptions))]
    public void Bad_multicast_options_are_refused_with_the_key_named(UdpMulticastRingOptions options, string name)
    {
        Assert.That(() => UdpMulticastRing.Create(options), Throws.InstanceOf<ArgumentException>().With.Property(nameof(ArgumentException.ParamName)).EqualTo(name));
    }

    private static IEnumerable<TestCaseData> BadMulticastOptions()
    {
        var ok = new UdpMulticastRingOptions { LocalAddress = IPAddress.Loopback, MulticastAddress = IPAddress.Parse("239.192.0.1") };
        yield return new TestCaseData(new UdpMulticastRingOptions { MulticastAddress = IPAddress.Parse("239.192.0.1") }, "BindNetAddress").SetName("No bindnetaddr");
        yield return new TestCaseData(new UdpMulticastRingOptions { LocalAddress = IPAddress.Loopback }, "MulticastAddress").SetName("No mcastaddr");
        yield return new TestCaseData(new UdpMulticastRingOptions { LocalAddress = IPAddress.Loopback, MulticastAddress = IPAddress.Parse("10.0.0.1") }, "MulticastAddress").SetName("Unicast mcastaddr");
        yield return new TestCaseData(new UdpMulticastRingOptions { LocalAddress = IPAddress.Loopback, MulticastAddress = IPAddress.Parse("ff12::1") }, "MulticastAddress").SetName("Mixed families");
        yield return new TestCaseData(new UdpMulticastRingOptions { LocalAddress = ok.LocalAddress, MulticastAddress = ok.MulticastAddress, MulticastPort = 1 }, "MulticastPort").SetName("mcastport 1");
        yield return new TestCaseData(new UdpMulticastRingOptions { LocalAddress = ok.LocalAddress, MulticastAddress = ok.MulticastAddress, MulticastPort = 70000 }, "MulticastPort").SetName("mcastport 70000");
        yield return new TestCaseData(new UdpMulticastRingOptions { LocalAddress = ok.LocalAddress, MulticastAddress = ok.MulticastAddress, Ttl = 256 }, "Ttl").SetName("ttl 256");
        yield return new TestCaseData(new UdpMulticastRingOptions { LocalAddress = ok.LocalAddress, MulticastAddress = ok.MulticastAddress, RingNumber = 8 }, "RingNumber").SetName("ringnumber 8");
        yield return new TestCaseData(new UdpMulticastRingOptions { LocalAddress = ok.LocalAddress, MulticastAddress = ok.MulticastAddress, ReceiveQueueCapacity = 0 }, "ReceiveQueueCapacity").SetName("Queue 0");
        yield return new TestCaseData(new UdpMulticastRingOptions { LocalAddress = ok.LocalAddress, MulticastAddress = ok.MulticastAddress, MaxDatagramSize = 65_508 }, "MaxDatagramSize").SetName("Datagram above the IPv4 maximum");
    }

    [TestCaseSource(nameof(BadUnicastOptions))]
    public void Bad_unicast_options_are_refused_with_the_key_named(UdpUnicastRingOptions options, string name)
    {
        Assert.That(() => UdpUnicastRing.Create(options), Throws.InstanceOf<ArgumentException>().With.Property(nameof(ArgumentException.ParamName)).EqualTo(name));
    }

    private static IEnumerable<TestCaseData> BadUnicastOptions()
    {
        var local = new IPEndPoint(IPAddress.Loopback, 5405);
        yield return new TestCaseData(new UdpUnicastRingOptions { Members = [local] }, "LocalEndPoint").SetName("No local endpoint");
        yield return new TestCaseData(new UdpUnicastRingOptions { LocalEndPoint = new IPEndPoint(IPAddress.Loopback, 0), Members = [local] }, "LocalEndPoint").SetName("Local port 0");
        yield return new TestCaseData(new UdpUnicastRingOptions { LocalEndPoint = local }, "Members").SetName("Empty nodelist");
        yield return new TestCaseData(new UdpUnicastRingOptions { LocalEndPoint = local, Members = [new IPEndPoint(IPAddress.IPv6Loopback, 5405)] }, "Members").SetName("Member of another family");
        yield return new TestCaseData(new UdpUnicastRingOptions { LocalEndPoint = local, Members = [new IPEndPoint(IPAddress.Loopback, 0)] }, "Members").SetName("Member without port");
    }
}
