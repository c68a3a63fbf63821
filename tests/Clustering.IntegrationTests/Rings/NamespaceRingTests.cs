using System.Globalization;
using System.Net;
using Clustering.TestSupport;
using Clustering.Transport.Rings;

namespace Clustering.IntegrationTests.Rings;

/// <summary>
/// Real UDP rings between network namespaces (veths on a bridge, 198.18.0.0/15): frames flow, stop when
/// one node's link is cut, and flow again when it is restored. Needs root and <c>ip</c>.
/// </summary>
[Category("Namespaces")]
[NonParallelizable]
public sealed class NamespaceRingTests
{
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(5);

    public enum Transport
    {
        Multicast,
        Unicast,
    }

    private static IRing[] Open(NetworkLab lab, Transport transport)
    {
        var group = new IPAddress([239, 192, (byte)Random.Shared.Next(0, 256), (byte)Random.Shared.Next(1, 255)]);
        var members = lab.Nodes.Select(n => new IPEndPoint(n.Address, UdpMulticastRingOptions.DefaultMulticastPort)).ToArray();
        return lab.Nodes.Select(node => lab.RunIn<IRing>(node.Index, () => transport == Transport.Multicast
            ? UdpMulticastRing.Create(new UdpMulticastRingOptions
            {
                // bindnetaddr as a network address, matched against the node's interfaces as Corosync does.
                BindNetAddress = lab.Network,
                Interfaces = node.Interfaces,
                MulticastAddress = group,
            })
            : UdpUnicastRing.Create(new UdpUnicastRingOptions
            {
                LocalEndPoint = members[node.Index],
                Members = members,
            }))).ToArray();
    }

    private static async Task<byte[]?> TryReceiveAsync(IRing ring, TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        try
        {
            using var datagram = await ring.Received.ReadAsync(timeout.Token);
            return datagram.Data.ToArray();
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    [TestCase(Transport.Multicast)]
    [TestCase(Transport.Unicast)]
    public async Task Frames_flow_stop_while_a_link_is_cut_and_resume_after(Transport transport)
    {
        using var lab = NetworkLab.Create(3);
        var rings = Open(lab, transport);
        try
        {
            Assert.That(rings.Select(r => r.LocalEndPoint.Address), Is.EqualTo(lab.Nodes.Select(n => n.Address)), "bindnetaddr picked eth0");

            // Up: everybody hears node 0.
            await rings[0].SendToAllAsync(new byte[] { 1 });
            Assert.That(await TryReceiveAsync(rings[1], Arrival), Is.EqualTo(new byte[] { 1 }));
            Assert.That(await TryReceiveAsync(rings[2], Arrival), Is.EqualTo(new byte[] { 1 }));

            // Node 2's cable cut: node 1 still hears node 0, node 2 hears nothing, nothing from node 2 arrives.
            lab.Cut(2);
            for (byte i = 10; i < 15; i++)
            {
                await rings[0].SendToAllAsync(new[] { i });
                await rings[2].SendToAllAsync(new byte[] { 99 });
            }

            for (byte i = 10; i < 15; i++)
            {
                Assert.That(await TryReceiveAsync(rings[1], Arrival), Is.EqualTo(new[] { i }));
            }

            Assert.That(await TryReceiveAsync(rings[2], TimeSpan.FromMilliseconds(500)), Is.Null, "a cut node receives nothing");
            Assert.That(await TryReceiveAsync(rings[1], TimeSpan.FromMilliseconds(200)), Is.Null, "a cut node's sends do not arrive");

            // Restored: node 2 hears node 0 again (the first frames may race the link coming up).
            lab.Restore(2);
            byte[]? got = null;
            var deadline = DateTime.UtcNow + Arrival;
            while (got is null && DateTime.UtcNow < deadline)
            {
                await rings[0].SendToAllAsync(new byte[] { 42 });
                got = await TryReceiveAsync(rings[2], TimeSpan.FromMilliseconds(200));
            }

            Assert.That(got, Is.EqualTo(new byte[] { 42 }));
            await rings[2].SendToAsync(rings[0].LocalEndPoint, new byte[] { 43 });
            byte[]? back;
            do
            {
                back = await TryReceiveAsync(rings[0], Arrival);
            }
            while (back is [42] or [99]); // 99: sent while cut and held by ARP until the link came back, as on a real wire

            Assert.That(back, Is.EqualTo(new byte[] { 43 }));
            Assert.That(rings[2].Counters.DatagramsReceived, Is.GreaterThanOrEqualTo(2));
        }
        finally
        {
            foreach (var ring in rings)
            {
                await ring.DisposeAsync();
            }
        }
    }

    [Test]
    public async Task Two_rings_on_two_networks_fail_independently()
    {
        using var lab = NetworkLab.Create(2, networkCount: 2);
        var group = new IPAddress([239, 192, (byte)Random.Shared.Next(0, 256), (byte)Random.Shared.Next(1, 255)]);
        var rings = new IRing[2, 2];
        foreach (var node in lab.Nodes)
        {
            for (var ring = 0; ring < 2; ring++)
            {
                var ringNumber = ring;
                rings[node.Index, ring] = lab.RunIn<IRing>(node.Index, () => UdpMulticastRing.Create(new UdpMulticastRingOptions
                {
                    RingNumber = ringNumber,
                    BindNetAddress = lab.Networks[ringNumber],
                    Interfaces = node.Interfaces,
                    MulticastAddress = group,
                    MulticastPort = 5405 + (2 * ringNumber),
                }));
            }
        }

        try
        {
            Assert.That(rings[1, 1].LocalEndPoint.Address, Is.EqualTo(lab.Nodes[1].Addresses[1]), "ring 1 bound on eth1");
            lab.Cut(1, network: 0);
            for (byte i = 0; i < 5; i++)
            {
                await rings[0, 0].SendToAllAsync(new[] { i });
                await rings[0, 1].SendToAllAsync(new[] { i });
            }

            for (byte i = 0; i < 5; i++)
            {
                Assert.That(await TryReceiveAsync(rings[1, 1], Arrival), Is.EqualTo(new[] { i }), "ring 1 carries everything");
            }

            Assert.That(await TryReceiveAsync(rings[1, 0], TimeSpan.FromMilliseconds(500)), Is.Null, "ring 0 is cut");
            lab.Restore(1, network: 0);
            byte[]? got = null;
            var deadline = DateTime.UtcNow + Arrival;
            while (got is null && DateTime.UtcNow < deadline)
            {
                await rings[0, 0].SendToAllAsync(new byte[] { 42 });
                got = await TryReceiveAsync(rings[1, 0], TimeSpan.FromMilliseconds(200));
            }

            Assert.That(got, Is.EqualTo(new byte[] { 42 }), "ring 0 recovered");
        }
        finally
        {
            foreach (var ring in rings)
            {
                await ring.DisposeAsync();
            }
        }
    }

    [Test]
    public async Task Multicast_over_IPv6_reaches_the_group_and_keeps_each_nodes_own_frames_off_its_socket()
    {
        using var lab = NetworkLab.Create(3);

        // 2001:2::/48 is IPv6's range for benchmarking networks (RFC 5180), as 198.18.0.0/15 is IPv4's; no duplicate
        // address detection, so the addresses are usable at once. A link-local-scope group (ff12::) takes the path
        // that binds the group with the interface as its scope.
        var subnet = Random.Shared.Next(1, 0xffff);
        var addresses = lab.Nodes.Select(n => IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"2001:2:0:{subnet:x}::{n.Index + 1}"))).ToArray();
        foreach (var node in lab.Nodes)
        {
            var added = lab.Exec(node.Index, "ip", $"-6 addr add {addresses[node.Index]}/64 dev eth0 nodad");
            if (added.ExitCode != 0)
            {
                Assert.Ignore($"IPv6 is not available in the namespaces here: {added.StandardError.Trim()}");
            }
        }

        var group = IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"ff12::c1a5:{Random.Shared.Next(1, 0xffff):x}"));
        var rings = lab.Nodes.Select(node => lab.RunIn(node.Index, () => UdpMulticastRing.Create(new UdpMulticastRingOptions
        {
            LocalAddress = addresses[node.Index],
            MulticastAddress = group,
        }))).ToArray();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                await rings[i].SendToAllAsync(new[] { (byte)i });
            }

            for (var i = 0; i < 3; i++)
            {
                var heard = new List<byte>();
                for (var n = 0; n < 2; n++)
                {
                    var data = await TryReceiveAsync(rings[i], Arrival);
                    Assert.That(data, Is.Not.Null, $"node {i} heard {heard.Count} of the other two");
                    heard.Add(data![0]);
                }

                Assert.That(heard, Is.EquivalentTo(Enumerable.Range(0, 3).Where(j => j != i).Select(j => (byte)j)), $"node {i}");
            }

            Assert.That(await TryReceiveAsync(rings[0], TimeSpan.FromMilliseconds(300)), Is.Null, "no own copy arrives later");
            Assert.That(rings.Select(r => r.Counters.OwnCopies), Is.All.EqualTo(0), "the kernel queued no own copy");

            // Unicast over IPv6 too: the token's path.
            await rings[2].SendToAsync(rings[0].LocalEndPoint, new byte[] { 7 });
            Assert.That(await TryReceiveAsync(rings[0], Arrival), Is.EqualTo(new byte[] { 7 }));
        }
        finally
        {
            foreach (var ring in rings)
            {
                await ring.DisposeAsync();
            }
        }
    }

    [Test]
    public void The_lab_removes_its_namespaces()
    {
        string[] names;
        using (var lab = NetworkLab.Create(2))
        {
            names = [lab.HubNamespace, .. lab.Nodes.Select(n => n.Namespace)];
            var listed = RealTools.Run("ip", "netns list", TimeSpan.FromSeconds(10)).StandardOutput;
            Assert.That(names, Has.All.Matches<string>(n => listed.Contains(n, StringComparison.Ordinal)));
            Assert.That(lab.Nodes.Select(n => n.Address.GetAddressBytes()[0..2]), Has.All.EqualTo(new byte[] { 198, 18 }).Or.All.EqualTo(new byte[] { 198, 19 }));
            var shown = lab.Exec(0, "ip", "-4 addr show dev eth0");
            Assert.That(shown.StandardOutput, Does.Contain($"{lab.Nodes[0].Address}/{lab.PrefixLength}"));
        }

        var after = RealTools.Run("ip", "netns list", TimeSpan.FromSeconds(10)).StandardOutput;
        Assert.That(names, Has.None.Matches<string>(n => after.Contains(n, StringComparison.Ordinal)));
    }
}
