using System.Net;
using Clustering.Transport.Rings;

namespace Clustering.Transport.Tests.Rings;

public sealed class BindNetAddressTests
{
    private static (IPAddress, int) If(string address, int prefix) => (IPAddress.Parse(address), prefix);

    private static readonly (IPAddress, int)[] Host =
    [
        If("127.0.0.1", 8),
        If("::1", 128),
        If("10.133.99.65", 16),
        If("192.168.5.92", 24),
        If("fd00::5", 64),
    ];

    [TestCase("192.168.5.92", "192.168.5.92", TestName = "An exact host address selects itself")]
    [TestCase("192.168.5.0", "192.168.5.92", TestName = "The network address selects the host on that network")]
    [TestCase("192.168.5.200", "192.168.5.92", TestName = "Another host address of the same network selects the local host")]
    [TestCase("10.133.0.0", "10.133.99.65", TestName = "A /16 network address, as in the seed")]
    [TestCase("127.0.0.0", "127.0.0.1", TestName = "Loopback network")]
    [TestCase("fd00::5", "fd00::5", TestName = "IPv6 exact address")]
    public void Matches_like_corosync(string bindnetaddr, string expected)
    {
        Assert.That(BindNetAddress.Resolve(IPAddress.Parse(bindnetaddr), Host), Is.EqualTo(IPAddress.Parse(expected)));
    }

    [Test]
    public void An_exact_match_wins_over_an_earlier_network_match()
    {
        var interfaces = new[] { If("10.0.0.1", 8), If("10.1.2.3", 16) };
        Assert.That(BindNetAddress.Resolve(IPAddress.Parse("10.1.2.3"), interfaces), Is.EqualTo(IPAddress.Parse("10.1.2.3")));
    }

    [Test]
    public void The_first_network_match_wins()
    {
        var interfaces = new[] { If("10.0.0.1", 8), If("10.1.2.3", 16) };
        Assert.That(BindNetAddress.Resolve(IPAddress.Parse("10.1.0.0"), interfaces), Is.EqualTo(IPAddress.Parse("10.0.0.1")));
    }

    [Test]
    public void IPv6_needs_the_exact_address_as_in_corosync()
    {
        var error = Assert.Throws<BindNetAddressNotFoundException>(() => BindNetAddress.Resolve(IPAddress.Parse("fd00::"), Host))!;
        Assert.That(error.Message, Does.Contain("fd00::").And.Contain("exact").And.Contain("fd00::5/64"));
        Assert.That(error.BindNetAddress, Is.EqualTo(IPAddress.Parse("fd00::")));
    }

    [Test]
    public void No_match_is_a_typed_error_listing_what_was_tried()
    {
        var error = Assert.Throws<BindNetAddressNotFoundException>(() => BindNetAddress.Resolve(IPAddress.Parse("172.16.0.0"), Host))!;
        Assert.That(error.Message, Does.Contain("172.16.0.0").And.Contain("192.168.5.92/24").And.Not.Contain("::1"));
        Assert.That(error.Considered, Has.Count.EqualTo(3));
    }

    [Test]
    public void No_interface_of_the_family_is_said_plainly()
    {
        var error = Assert.Throws<BindNetAddressNotFoundException>(() => BindNetAddress.Resolve(IPAddress.Parse("10.0.0.0"), [If("::1", 128)]))!;
        Assert.That(error.Message, Does.Contain("no local address of that family"));
    }

    [Test]
    public void A_prefix_length_out_of_range_is_refused()
    {
        Assert.That(() => BindNetAddress.Resolve(IPAddress.Parse("10.0.0.0"), [If("10.0.0.1", 33)]), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => BindNetAddress.Resolve(IPAddress.Parse("10.0.0.0"), [If("10.0.0.1", -1)]), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void A_zero_prefix_matches_anything_of_the_family()
    {
        Assert.That(BindNetAddress.Resolve(IPAddress.Parse("1.2.3.4"), [If("10.0.0.1", 0)]), Is.EqualTo(IPAddress.Parse("10.0.0.1")));
    }

    [Test]
    public void The_machine_overload_finds_loopback()
    {
        Assert.That(BindNetAddress.LocalInterfaces(), Has.Some.Matches<(IPAddress Address, int PrefixLength)>(i => i.Address.Equals(IPAddress.Loopback)));
        Assert.That(BindNetAddress.Resolve(IPAddress.Parse("127.0.0.1")), Is.EqualTo(IPAddress.Loopback));
        Assert.That(IPAddress.IsLoopback(BindNetAddress.Resolve(IPAddress.Parse("127.0.0.0"))), Is.True);
    }
}
