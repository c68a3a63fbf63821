using System.Net;
using Clustering.Transport.Configuration;

namespace Clustering.Transport.Tests.Configuration;

public sealed class NodeIdTests
{
    [Test]
    public void The_seeds_node_id_is_its_address_read_little_endian() =>
        Assert.That(NodeId.FromIPv4(IPAddress.Parse("10.133.99.65")), Is.EqualTo(1097041162u));

    [Test]
    public void Network_order_is_what_corosync_2_3_1_and_later_derive() =>
        Assert.That(NodeId.FromIPv4(IPAddress.Parse("10.133.99.65"), byteOrder: NodeIdByteOrder.NetworkOrder), Is.EqualTo(176513857u));

    [Test]
    public void Clearing_the_high_bit_keeps_the_id_a_positive_int()
    {
        // 192.168.1.200 little endian = 0xC801A8C0: bit 31 set.
        var address = IPAddress.Parse("192.168.1.200");
        Assert.That(NodeId.FromIPv4(address), Is.EqualTo(0xC801A8C0u));
        Assert.That(NodeId.FromIPv4(address, clearHighBit: true), Is.EqualTo(0x4801A8C0u));
    }

    [Test]
    public void An_ipv4_mapped_ipv6_address_is_read_as_ipv4() =>
        Assert.That(NodeId.FromIPv4(IPAddress.Parse("::ffff:10.133.99.65")), Is.EqualTo(1097041162u));

    [Test]
    public void Ipv6_and_the_zero_address_are_refused_with_a_reason()
    {
        Assert.That(() => NodeId.FromIPv4(IPAddress.Parse("fe80::1")), Throws.ArgumentException.With.Message.Contains("set nodeid explicitly"));
        Assert.That(() => NodeId.FromIPv4(IPAddress.Any), Throws.ArgumentException.With.Message.Contains("reserved node id 0"));
    }

    [TestCase(NodeIdByteOrder.LittleEndian)]
    [TestCase(NodeIdByteOrder.NetworkOrder)]
    public void ToIPv4_inverts_FromIPv4(NodeIdByteOrder order)
    {
        var address = IPAddress.Parse("172.16.254.3");
        Assert.That(NodeId.ToIPv4(NodeId.FromIPv4(address, byteOrder: order), order), Is.EqualTo(address));
    }
}
