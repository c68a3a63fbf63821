using System.Net;
using Clustering.Transport.Configuration;
using Clustering.Transport.Redundancy;
using Clustering.Transport.Security;

namespace Clustering.Transport.Tests.Configuration;

public sealed class CorosyncConfigurationTests
{
    private const string Minimal = "totem {\n  version: 2\n  interface {\n    ringnumber: 0\n    bindnetaddr: 10.0.0.0\n    mcastaddr: 239.1.1.1\n  }\n}\n";

    private static string Totem(string keys, string? interfaces = null) =>
        "totem {\n  version: 2\n" + keys + (interfaces ?? "  interface {\n    ringnumber: 0\n    bindnetaddr: 10.0.0.0\n    mcastaddr: 239.1.1.1\n  }\n") + "}\n";

    private static ConfigurationException Fails(string text) =>
        Assert.Throws<ConfigurationException>(() => CorosyncConfiguration.Parse(text, "c.conf"))!;

    [Test]
    public void The_seed_loads_unchanged_with_its_values()
    {
        var config = CorosyncConfiguration.Load(CorosyncConfigParserTests.SeedPath);
        var totem = config.Totem;
        Assert.Multiple(() =>
        {
            Assert.That(totem.Version, Is.EqualTo(2));
            Assert.That(totem.SecAuth, Is.True);
            Assert.That(totem.CryptoHash, Is.EqualTo(CryptoHash.Sha256));
            Assert.That(totem.CryptoCipher, Is.EqualTo(CryptoCipher.Aes256));
            Assert.That(totem.Threads, Is.Zero);
            Assert.That(totem.Redundancy.Mode, Is.EqualTo(RrpMode.Active));
            Assert.That(totem.Transport, Is.EqualTo(TransportKind.Udp));
            Assert.That(totem.Interfaces, Has.Count.EqualTo(2));
            Assert.That(totem.Interfaces[0].RingNumber, Is.Zero);
            Assert.That(totem.Interfaces[0].BindNetAddress, Is.EqualTo(IPAddress.Parse("10.0.0.0")));
            Assert.That(totem.Interfaces[0].MulticastAddress, Is.EqualTo(IPAddress.Parse("226.94.1.1")));
            Assert.That(totem.Interfaces[0].MulticastPort, Is.EqualTo(5405));
            Assert.That(totem.Interfaces[1].RingNumber, Is.EqualTo(1));
            Assert.That(totem.Interfaces[1].BindNetAddress, Is.EqualTo(IPAddress.Parse("192.168.0.0")));
            Assert.That(totem.Interfaces[1].MulticastAddress, Is.EqualTo(IPAddress.Parse("226.94.2.1")));
            Assert.That(totem.Interfaces[1].Ttl, Is.EqualTo(1));
            Assert.That(config.RingCount, Is.EqualTo(2));
            Assert.That(config.Nodes, Is.Empty);
            Assert.That(config.Quorum.Provider, Is.Null);
            Assert.That(config.Logging.FileLine, Is.False);
            Assert.That(config.Logging.ToStderr, Is.False);
            Assert.That(config.Logging.ToLogfile, Is.False);
            Assert.That(config.Logging.ToSyslog, Is.True);
            Assert.That(config.Logging.Debug, Is.EqualTo(LoggingDebugLevel.On));
            Assert.That(config.Logging.Timestamp, Is.True);
            Assert.That(config.Amf!.Mode, Is.EqualTo("disabled"));
            Assert.That(config.Services.Single().Name, Is.EqualTo("pacemaker"));
            Assert.That(config.Services.Single().Version, Is.EqualTo(1));
        });
    }

    [Test]
    public void The_seed_warns_only_about_the_corosync_1_sections()
    {
        var config = CorosyncConfiguration.Load(CorosyncConfigParserTests.SeedPath);
        Assert.That(config.Warnings.Select(w => (w.Key, w.Line)), Is.EqualTo(new[] { ("amf", 32), ("service", 36) }));
        Assert.That(config.Warnings[1].Message, Does.Contain("Corosync 1.x plugin"));
    }

    [Test]
    public void The_seeds_local_node_id_comes_from_its_ring_0_address() =>
        Assert.That(CorosyncConfiguration.Load(CorosyncConfigParserTests.SeedPath).ResolveLocalNodeId(IPAddress.Parse("10.133.99.65")), Is.EqualTo(1097041162u));

    [Test]
    public void Defaults_fill_everything_left_out()
    {
        var config = CorosyncConfiguration.Parse(Minimal);
        var totem = config.Totem;
        Assert.Multiple(() =>
        {
            Assert.That(totem.SecAuth, Is.False);
            Assert.That(totem.CryptoHash, Is.EqualTo(CryptoHash.None));
            Assert.That(totem.CryptoCipher, Is.EqualTo(CryptoCipher.None));
            Assert.That(totem.NetMtu, Is.EqualTo(1500));
            Assert.That(totem.Transport, Is.EqualTo(TransportKind.Udp));
            Assert.That(totem.Redundancy.Mode, Is.EqualTo(RrpMode.None));
            Assert.That(totem.Redundancy.ProblemCountThreshold, Is.EqualTo(10));
            Assert.That(totem.Redundancy.EffectiveMulticastThreshold, Is.EqualTo(100));
            Assert.That(totem.Redundancy.TokenExpiredTimeout, Is.EqualTo(TimeSpan.FromMilliseconds(238)));
            Assert.That(totem.Redundancy.ProblemCountTimeout, Is.EqualTo(TimeSpan.FromMilliseconds(2000)));
            Assert.That(totem.Redundancy.AutorecoveryCheckTimeout, Is.EqualTo(TimeSpan.FromMilliseconds(1000)));
            Assert.That(totem.EffectiveKeyFile, Is.EqualTo("/etc/corosync/authkey"));
            Assert.That(config.EffectiveTimings.Consensus, Is.EqualTo(TimeSpan.FromMilliseconds(1200)));
            Assert.That(config.Logging.ToStderr, Is.True);
            Assert.That(config.Logging.ToSyslog, Is.True);
            Assert.That(config.Logging.SyslogFacility, Is.EqualTo("daemon"));
            Assert.That(config.Quorum.LastManStandingWindow, Is.EqualTo(TimeSpan.FromMilliseconds(10000)));
            Assert.That(config.Quorum.AutoTieBreakerNode, Is.EqualTo("lowest"));
            Assert.That(config.Warnings, Is.Empty);
        });
    }

    [TestCase("  secauth: on\n", CryptoHash.Sha256, CryptoCipher.Aes256)]
    [TestCase("  secauth: off\n", CryptoHash.None, CryptoCipher.None)]
    [TestCase("", CryptoHash.None, CryptoCipher.None)]
    [TestCase("  secauth: on\n  crypto_hash: sha1\n", CryptoHash.Sha1, CryptoCipher.Aes256)]
    [TestCase("  secauth: off\n  crypto_hash: sha512\n", CryptoHash.Sha512, CryptoCipher.None)]
    [TestCase("  crypto_cipher: aes128\n  crypto_hash: sha384\n", CryptoHash.Sha384, CryptoCipher.Aes128)]
    public void Secauth_sets_defaults_that_explicit_crypto_keys_override(string keys, CryptoHash hash, CryptoCipher cipher)
    {
        var totem = CorosyncConfiguration.Parse(Totem(keys)).Totem;
        Assert.That((totem.CryptoHash, totem.CryptoCipher), Is.EqualTo((hash, cipher)));
    }

    [Test]
    public void A_cipher_without_a_hash_is_refused_at_the_cipher()
    {
        var e = Fails(Totem("  crypto_cipher: aes256\n  crypto_hash: none\n"));
        Assert.That((e.Key, e.Line), Is.EqualTo(("totem.crypto_cipher", 3)));
        Assert.That(e.Reason, Is.EqualTo("parse error in config: crypto_cipher requires crypto_hash with value other than none"));
    }

    [Test]
    public void Unknown_keys_and_sections_are_warnings_with_their_position()
    {
        var text = Totem("  frobnicate: 3\n", "  interface {\n    ringnumber: 0\n    bindnetaddr: 10.0.0.0\n    mcastaddr: 239.1.1.1\n    colour: blue\n  }\n") + "gadget {\n}\n";
        var config = CorosyncConfiguration.Parse(text, "c.conf");
        Assert.That(config.Warnings.Select(w => w.ToString()), Is.EqualTo(new[]
        {
            "c.conf:3:3: warning: unknown key 'frobnicate' in totem (ignored)",
            "c.conf:8:5: warning: unknown key 'colour' in totem.interface (ignored)",
            "c.conf:11:1: warning: unknown section 'gadget' (ignored)",
        }));
        Assert.That(config.Warnings[0].Key, Is.EqualTo("totem.frobnicate"));
    }

    [Test]
    public void Known_corosync_keys_with_no_effect_here_are_warnings_that_say_so()
    {
        var config = CorosyncConfiguration.Parse(Totem("  ip_version: ipv4\n") + "qb {\n  ipc_type: native\n}\n");
        Assert.That(config.Warnings.Select(w => w.Message), Is.EqualTo(new[]
        {
            "key 'ip_version' in totem is a Corosync option with no effect here (ignored)",
            "section 'qb' is a Corosync option with no effect here (ignored)",
        }));
    }

    [Test]
    public void A_repeated_key_warns_and_the_last_value_wins()
    {
        var config = CorosyncConfiguration.Parse(Totem("  token: 3000\n  token: 5000\n"));
        Assert.That(config.Totem.Timings.Token, Is.EqualTo(TimeSpan.FromMilliseconds(5000)));
        Assert.That(config.Warnings.Single().Message, Is.EqualTo("key 'token' is repeated; the last value wins"));
        Assert.That(config.Warnings.Single().Line, Is.EqualTo(4));
    }

    [TestCase("  token: 20\n", "totem.token", "The token timeout parameter (20 ms) may not be less than (30 ms).")]
    [TestCase("  token: -5\n", "totem.token", "Value of key \"totem.token\" is expected to be integer in range (0..2147483647), but \"-5\" was given")]
    [TestCase("  token: 1s\n", "totem.token", "\"1s\" was given")]
    [TestCase("  netmtu: 100\n", "totem.netmtu", "range (576..65507)")]
    [TestCase("  nodeid: 0\n", "totem.nodeid", "range (1..4294967295)")]
    [TestCase("  nodeid: 4294967296\n", "totem.nodeid", "range (1..4294967295)")]
    [TestCase("  window_size: 0\n", "totem.window_size", "range (1..2147483647)")]
    [TestCase("  rrp_problem_count_threshold: 1\n", "totem.rrp_problem_count_threshold", "rrp_problem_count_threshold must be at least 2, not 1")]
    [TestCase("  secauth: maybe\n", "totem.secauth", "must be one of on, off, but \"maybe\" was given")]
    [TestCase("  transport: knet\n", "totem.transport", "transport knet is not supported here")]
    [TestCase("  crypto_hash: md5\n", "totem.crypto_hash", "md5 is accepted by Corosync 2 but not here")]
    [TestCase("  rrp_mode: fast\n", "totem.rrp_mode", "must be one of none, active, passive")]
    [TestCase("  version: 3\n", "totem.version", "This totem parser can only parse version 2 configurations.")]
    public void Bad_totem_values_are_typed_errors_naming_the_key_and_its_value_position(string keys, string key, string message)
    {
        var e = Fails(Totem(keys));
        Assert.That(e.Key, Is.EqualTo(key));
        Assert.That(e.Line, Is.EqualTo(3));
        Assert.That(e.Column, Is.EqualTo(keys.IndexOf(':', StringComparison.Ordinal) + 3));
        Assert.That(e.Reason, Does.Match("^(parser error|parse error in config): "));
        Assert.That(e.Reason, Does.Contain(message));
        Assert.That(e.Message, Does.StartWith($"c.conf:3:{e.Column}: "));
    }

    [Test]
    public void Type_errors_are_parser_errors_and_cross_value_errors_are_config_errors_as_in_corosync()
    {
        Assert.That(Fails(Totem("  token: abc\n")).Reason, Does.StartWith("parser error: Value of key \"totem.token\""));
        Assert.That(Fails(Totem("  token: 10\n")).Reason, Does.StartWith("parse error in config: The token timeout"));
    }

    [TestCase("    mcastport: 70000\n", "totem.interface.mcastport", "range (1..65535)")]
    [TestCase("    ttl: 300\n", "totem.interface.ttl", "range (0..255)")]
    [TestCase("    ringnumber: 9\n", "totem.interface.ringnumber", "range (0..7)")]
    [TestCase("    broadcast: sometimes\n", "totem.interface.broadcast", "on/yes or off/no")]
    public void Bad_interface_values_name_the_key(string line, string key, string message)
    {
        var e = Fails(Totem(string.Empty, "  interface {\n    bindnetaddr: 10.0.0.0\n    mcastaddr: 239.1.1.1\n" + line + "  }\n"));
        Assert.That((e.Key, e.Line), Is.EqualTo((key, 6)));
        Assert.That(e.Reason, Does.Contain(message));
    }

    [Test]
    public void A_bind_address_that_is_not_an_address_is_refused()
    {
        var e = Fails(Totem(string.Empty, "  interface {\n    bindnetaddr: 10.0.0.0/24\n    mcastaddr: 239.1.1.1\n  }\n"));
        Assert.That((e.Key, e.Line, e.Column), Is.EqualTo(("totem.interface.bindnetaddr", 4, 18)));
    }

    [Test]
    public void A_unicast_mcastaddr_is_refused_at_its_line()
    {
        var e = Fails(Totem(string.Empty, "  interface {\n    ringnumber: 0\n    bindnetaddr: 10.0.0.0\n    mcastaddr: 10.1.1.1\n  }\n"));
        Assert.That((e.Key, e.Line), Is.EqualTo(("totem.interface.mcastaddr", 6)));
        Assert.That(e.Reason, Is.EqualTo("parse error in config: mcastaddr is not a correct multicast address."));
    }

    [Test]
    public void Two_rings_on_one_group_need_ports_two_apart()
    {
        var rings = "  interface {\n    ringnumber: 0\n    bindnetaddr: 10.0.0.0\n    mcastaddr: 239.1.1.1\n    mcastport: 5405\n  }\n"
            + "  interface {\n    ringnumber: 1\n    bindnetaddr: 10.1.0.0\n    mcastaddr: 239.1.1.1\n    mcastport: 5406\n  }\n";
        var e = Fails(Totem("  rrp_mode: passive\n", rings));
        Assert.That((e.Key, e.Line), Is.EqualTo(("totem.interface.mcastport", 14)));
    }

    [Test]
    public void Two_interfaces_with_rrp_mode_none_is_corosyncs_error()
    {
        var rings = "  interface {\n    ringnumber: 0\n    bindnetaddr: 10.0.0.0\n    mcastaddr: 239.1.1.1\n  }\n"
            + "  interface {\n    ringnumber: 1\n    bindnetaddr: 10.1.0.0\n    mcastaddr: 239.1.2.1\n  }\n";
        var e = Fails(Totem(string.Empty, rings));
        Assert.That(e.Key, Is.EqualTo("totem.rrp_mode"));
        Assert.That(e.Reason, Is.EqualTo("parse error in config: 2 is too many configured interfaces for the rrp_mode setting none."));
    }

    [Test]
    public void Rrp_mode_with_one_interface_falls_back_to_none_with_a_warning()
    {
        var config = CorosyncConfiguration.Parse(Totem("  rrp_mode: passive\n"));
        Assert.That(config.Totem.Redundancy.Mode, Is.EqualTo(RrpMode.None));
        Assert.That(config.Warnings.Single().Message, Does.Contain("with one ring: none is used, as Corosync does"));
    }

    [Test]
    public void Interfaces_are_ordered_by_ring_number_and_gaps_are_refused()
    {
        var rings = "  interface {\n    ringnumber: 1\n    bindnetaddr: 10.1.0.0\n    mcastaddr: 239.1.2.1\n  }\n"
            + "  interface {\n    ringnumber: 0\n    bindnetaddr: 10.0.0.0\n    mcastaddr: 239.1.1.1\n  }\n";
        var config = CorosyncConfiguration.Parse(Totem("  rrp_mode: active\n", rings));
        Assert.That(config.Totem.Interfaces.Select(i => i.RingNumber), Is.EqualTo(new[] { 0, 1 }));

        var e = Fails(Totem("  rrp_mode: active\n", rings.Replace("ringnumber: 0", "ringnumber: 2", StringComparison.Ordinal)));
        Assert.That(e.Reason, Does.Contain("without gaps"));
    }

    [Test]
    public void No_interface_and_no_nodelist_is_corosyncs_error()
    {
        var e = Fails("totem {\n  version: 2\n}\n");
        Assert.That(e.Reason, Is.EqualTo("parse error in config: No interfaces defined"));
        Assert.That((e.Key, e.Line), Is.EqualTo(("totem.interface", 1)));
    }

    [Test]
    public void A_missing_mcastaddr_is_generated_from_the_cluster_name_like_corosync()
    {
        var config = CorosyncConfiguration.Parse(Totem("  cluster_name: mycluster\n", "  interface {\n    ringnumber: 0\n    bindnetaddr: 10.0.0.0\n  }\n"));

        // generate_cluster_id("mycluster"): shift-and-add over the bytes, masked to 16 bits = 0xddb4.
        Assert.That(config.EffectiveMulticastAddress(config.Totem.Interfaces[0]), Is.EqualTo(IPAddress.Parse("239.192.221.146")));
        Assert.That(config.GeneratedMulticastAddress(1), Is.EqualTo(IPAddress.Parse("239.192.221.147")));
        Assert.That(config.GeneratedMulticastAddress(0, System.Net.Sockets.AddressFamily.InterNetworkV6), Is.EqualTo(IPAddress.Parse("ff15::ddb4")));
    }

    [Test]
    public void Without_cluster_name_a_udp_ring_needs_a_multicast_address()
    {
        var e = Fails(Totem(string.Empty, "  interface {\n    ringnumber: 0\n    bindnetaddr: 10.0.0.0\n  }\n"));
        Assert.That(e.Reason, Is.EqualTo("parse error in config: No multicast address specified"));
        Assert.That(e.Line, Is.EqualTo(3));
    }

    [Test]
    public void Broadcast_uses_the_broadcast_address_and_a_port_per_ring()
    {
        var config = CorosyncConfiguration.Parse(Totem(string.Empty, "  interface {\n    ringnumber: 0\n    bindnetaddr: 10.0.0.0\n    broadcast: yes\n  }\n"));
        var ring = config.Totem.Interfaces[0];
        Assert.That(ring.Broadcast, Is.True);
        Assert.That(config.EffectiveMulticastAddress(ring), Is.EqualTo(IPAddress.Broadcast));
        Assert.That(ring.MulticastPort, Is.EqualTo(5405));
    }

    [Test]
    public void A_udpu_nodelist_binds_with_addresses_ids_names_and_votes()
    {
        var text = "totem {\n  version: 2\n  transport: udpu\n}\nnodelist {\n  node {\n    ring0_addr: 10.0.0.1\n    nodeid: 1\n    name: alpha\n  }\n"
            + "  node {\n    ring0_addr: 10.0.0.2\n    name: beta\n    quorum_votes: 2\n  }\n  node {\n    ring0_addr: 10.0.0.3\n  }\n}\n"
            + "quorum {\n  provider: corosync_votequorum\n  expected_votes: 4\n}\n";
        var config = CorosyncConfiguration.Parse(text);
        Assert.That(config.Nodes, Has.Count.EqualTo(3));
        Assert.That(config.Nodes[0].NodeId, Is.EqualTo(1u));
        Assert.That(config.Nodes[1].EffectiveNodeId(), Is.EqualTo(NodeId.FromIPv4(IPAddress.Parse("10.0.0.2"))));
        Assert.That(config.Nodes[1].QuorumVotes, Is.EqualTo(2));
        Assert.That(config.Nodes[2].Name, Is.Null);
        Assert.That(config.RingCount, Is.EqualTo(1));
        Assert.That(config.EffectiveTimings.Token, Is.EqualTo(TimeSpan.FromMilliseconds(1650)));
        Assert.That(config.Totem.Redundancy.TokenExpiredTimeout, Is.EqualTo(TimeSpan.FromMilliseconds(392)));
        Assert.That(config.Quorum.ExpectedVotes, Is.EqualTo(4));
        Assert.That(config.ResolveLocalNodeId(IPAddress.Parse("10.0.0.1")), Is.EqualTo(1u));
        Assert.That(config.ResolveLocalNodeId(IPAddress.Parse("10.0.0.3")), Is.EqualTo(NodeId.FromIPv4(IPAddress.Parse("10.0.0.3"))));
    }

    [Test]
    public void Totem_nodeid_wins_over_everything() =>
        Assert.That(CorosyncConfiguration.Parse(Totem("  nodeid: 7\n")).ResolveLocalNodeId(IPAddress.Parse("10.0.0.9")), Is.EqualTo(7u));

    [Test]
    public void Clear_node_high_bit_applies_to_derived_ids() =>
        Assert.That(CorosyncConfiguration.Parse(Totem("  clear_node_high_bit: yes\n")).ResolveLocalNodeId(IPAddress.Parse("10.0.0.200")), Is.EqualTo(0x4800000Au));

    [Test]
    public void An_ipv6_ring_without_nodeid_is_corosyncs_error()
    {
        var e = Fails(Totem(string.Empty, "  interface {\n    ringnumber: 0\n    bindnetaddr: fd00::1\n    mcastaddr: ff15::1\n  }\n"));
        Assert.That(e.Reason, Is.EqualTo("parse error in config: An IPV6 network requires that a node ID be specified."));
        Assert.That((e.Key, e.Line), Is.EqualTo(("totem.interface.bindnetaddr", 5)));
        Assert.That(CorosyncConfiguration.Parse(Totem("  nodeid: 3\n", "  interface {\n    ringnumber: 0\n    bindnetaddr: fd00::1\n    mcastaddr: ff15::1\n  }\n")).Totem.NodeId, Is.EqualTo(3u));
    }

    [Test]
    public void Udpu_needs_every_node_on_every_ring()
    {
        var text = "totem {\n  version: 2\n  transport: udpu\n  rrp_mode: passive\n}\nnodelist {\n  node {\n    ring0_addr: 10.0.0.1\n    ring1_addr: 10.1.0.1\n  }\n"
            + "  node {\n    ring0_addr: 10.0.0.2\n  }\n}\n";
        var e = Fails(text);
        Assert.That((e.Key, e.Line), Is.EqualTo(("nodelist.node.ring1_addr", 11)));
        Assert.That(e.Reason, Does.Contain("has no ring1_addr"));
    }

    [Test]
    public void A_nodelist_only_configuration_takes_its_rings_from_the_node_addresses()
    {
        var text = "totem {\n  version: 2\n  transport: udpu\n  rrp_mode: passive\n}\nnodelist {\n  node {\n    ring0_addr: 10.0.0.1\n    ring1_addr: 10.1.0.1\n  }\n}\n";
        var config = CorosyncConfiguration.Parse(text);
        Assert.That((config.RingCount, config.Totem.Redundancy.Mode), Is.EqualTo((2, RrpMode.Passive)));

        var single = CorosyncConfiguration.Parse(text.Replace("    ring1_addr: 10.1.0.1\n", string.Empty, StringComparison.Ordinal));
        Assert.That((single.RingCount, single.Totem.Redundancy.Mode), Is.EqualTo((1, RrpMode.None)));
        Assert.That(single.Warnings.Single().Message, Does.Contain("with one ring: none is used"));
    }

    [Test]
    public void Timestamp_hires_reads_as_on_with_a_warning()
    {
        var config = CorosyncConfiguration.Parse(Minimal + "logging {\n  timestamp: hires\n}\n");
        Assert.That(config.Logging.Timestamp, Is.True);
        Assert.That(config.Warnings.Single().Key, Is.EqualTo("logging.timestamp"));
    }

    [Test]
    public void Udpu_without_a_nodelist_is_refused() =>
        Assert.That(Fails(Totem("  transport: udpu\n")).Key, Is.EqualTo("totem.transport"));

    [Test]
    public void Duplicate_node_ids_are_refused_at_the_second_node()
    {
        var text = "totem {\n  version: 2\n  transport: udpu\n}\nnodelist {\n  node {\n    ring0_addr: 10.0.0.1\n    nodeid: 5\n  }\n  node {\n    ring0_addr: 10.0.0.2\n    nodeid: 5\n  }\n}\n";
        var e = Fails(text);
        Assert.That((e.Key, e.Line, e.Column), Is.EqualTo(("nodelist.node.nodeid", 12, 13)));
        Assert.That(e.Reason, Does.Contain("Nodeid 5 appears twice"));
    }

    [Test]
    public void A_host_name_node_needs_an_explicit_nodeid()
    {
        var text = "totem {\n  version: 2\n  transport: udpu\n}\nnodelist {\n  node {\n    ring0_addr: alpha.example\n  }\n}\n";
        var e = Fails(text);
        Assert.That((e.Key, e.Line), Is.EqualTo(("nodelist.node.nodeid", 6)));
    }

    [Test]
    public void A_ring1_address_without_ring0_is_refused()
    {
        var text = "totem {\n  version: 2\n  transport: udpu\n}\nnodelist {\n  node {\n    ring1_addr: 10.0.0.1\n  }\n}\n";
        Assert.That(Fails(text).Reason, Does.Contain("ring1_addr is given but ring0_addr is not"));
    }

    [TestCase("  two_node: 2\n", "quorum.two_node", "range (0..1)")]
    [TestCase("  expected_votes: 0\n", "quorum.expected_votes", "range (1..")]
    [TestCase("  auto_tie_breaker_node: middle\n", "quorum.auto_tie_breaker_node", "must be lowest, highest, or node ids")]
    [TestCase("  provider: corosync_quorum\n", "quorum.provider", "is not supported")]
    public void Bad_quorum_values_name_the_key(string line, string key, string message)
    {
        var text = Minimal + "quorum {\n" + (line.Contains("provider", StringComparison.Ordinal) ? string.Empty : "  provider: corosync_votequorum\n") + line + "}\n";
        var e = Fails(text);
        Assert.That(e.Key, Is.EqualTo(key));
        Assert.That(e.Reason, Does.Contain(message));
        Assert.That(e.Line, Is.GreaterThan(8));
    }

    [Test]
    public void Two_node_implies_wait_for_all_unless_set()
    {
        var quorum = CorosyncConfiguration.Parse(Minimal + "quorum {\n  provider: corosync_votequorum\n  two_node: 1\n}\n").Quorum;
        Assert.That((quorum.TwoNode, quorum.EffectiveWaitForAll), Is.EqualTo((true, true)));
        quorum = CorosyncConfiguration.Parse(Minimal + "quorum {\n  provider: corosync_votequorum\n  two_node: 1\n  wait_for_all: 0\n}\n").Quorum;
        Assert.That(quorum.EffectiveWaitForAll, Is.False);
    }

    [Test]
    public void Logging_binds_every_key_and_subsystems()
    {
        var text = Minimal + "logging {\n  to_logfile: yes\n  logfile: /var/log/cluster/corosync.log\n  debug: trace\n  function_name: on\n  syslog_facility: local3\n"
            + "  syslog_priority: warning\n  logger_subsys {\n    subsys: QUORUM\n    debug: on\n  }\n}\n";
        var logging = CorosyncConfiguration.Parse(text).Logging;
        Assert.That(logging.ToLogfile, Is.True);
        Assert.That(logging.LogFile, Is.EqualTo("/var/log/cluster/corosync.log"));
        Assert.That(logging.Debug, Is.EqualTo(LoggingDebugLevel.Trace));
        Assert.That(logging.FunctionName, Is.True);
        Assert.That(logging.SyslogFacility, Is.EqualTo("local3"));
        Assert.That(logging.SyslogPriority, Is.EqualTo("warning"));
        Assert.That(logging.Subsystems.Single().Subsys, Is.EqualTo("QUORUM"));
        Assert.That(logging.Subsystems.Single().Debug, Is.EqualTo(LoggingDebugLevel.On));
    }

    [Test]
    public void To_logfile_without_a_logfile_is_refused_at_to_logfile()
    {
        var e = Fails(Minimal + "logging {\n  to_logfile: yes\n}\n");
        Assert.That((e.Key, e.Line), Is.EqualTo(("logging.to_logfile", 10)));
    }

    [Test]
    public void The_effective_text_round_trips_to_the_same_options()
    {
        foreach (var text in new[]
        {
            File.ReadAllText(CorosyncConfigParserTests.SeedPath),
            Minimal,
            "totem {\n  version: 2\n  transport: udpu\n  cluster_name: c\n  token: 3000\n  consensus: 4000\n  crypto_hash: sha512\n}\n"
                + "nodelist {\n  node {\n    ring0_addr: 10.0.0.1\n    ring1_addr: 10.1.0.1\n    nodeid: 1\n  }\n  node {\n    ring0_addr: 10.0.0.2\n    ring1_addr: 10.1.0.2\n    name: b\n  }\n}\n"
                + "totem {\n  rrp_mode: passive\n}\nquorum {\n  provider: corosync_votequorum\n  two_node: 1\n}\nlogging {\n  logger_subsys {\n    subsys: CPG\n  }\n}\n"
                + "system {\n  sched_rr: no\n  priority: -7\n}\n",
        })
        {
            var first = CorosyncConfiguration.Parse(text);
            var written = first.ToConfigText();
            var second = CorosyncConfiguration.Parse(written);
            Assert.That(second.ToConfigText(), Is.EqualTo(written));
            Assert.That(second.Totem.CryptoHash, Is.EqualTo(first.Totem.CryptoHash));
            Assert.That(second.Totem.Redundancy.Mode, Is.EqualTo(first.Totem.Redundancy.Mode));
            Assert.That(second.EffectiveTimings, Is.EqualTo(first.EffectiveTimings));
            Assert.That(second.Nodes.Select(n => n.EffectiveNodeId()), Is.EqualTo(first.Nodes.Select(n => n.EffectiveNodeId())));
            Assert.That(second.Quorum.EffectiveWaitForAll, Is.EqualTo(first.Quorum.EffectiveWaitForAll));
            Assert.That(second.Totem.Timings, Is.EqualTo(first.Totem.Timings));
            Assert.That(second.Totem.Interfaces.Select(i => i with { MulticastAddress = first.EffectiveMulticastAddress(i) }),
                Is.EqualTo(first.Totem.Interfaces.Select(i => i with { MulticastAddress = first.EffectiveMulticastAddress(i) })));
            Assert.That(second.Logging.Subsystems, Is.EqualTo(first.Logging.Subsystems));
            Assert.That(second.Services, Is.EqualTo(first.Services));
            Assert.That(second.Amf, Is.EqualTo(first.Amf));
            Assert.That(second.System, Is.EqualTo(first.System));
        }
    }

    [TestCase("", true, null)]
    [TestCase("system {\n  sched_rr: yes\n}\n", true, null)]
    [TestCase("system {\n  sched_rr: no\n}\n", false, null)]
    [TestCase("system {\n  sched_rr: no\n  priority: max\n}\n", false, -20)]
    [TestCase("system {\n  sched_rr: no\n  priority: min\n}\n", false, 19)]
    [TestCase("system {\n  sched_rr: no\n  priority: -5\n}\n", false, -5)]
    [TestCase("system {\n  sched_rr: no\n  priority: 100\n}\n", false, 19)]
    [TestCase("system {\n  priority: -100\n}\n", true, -20)]
    public void The_system_section_binds_sched_rr_and_priority_as_corosync_reads_them(string section, bool schedRr, int? priority)
    {
        var config = CorosyncConfiguration.Parse(Minimal + section);
        Assert.That((config.System.SchedRr, config.System.Priority), Is.EqualTo((schedRr, priority)));
        Assert.That(config.Warnings, Is.Empty);
    }

    [Test]
    public void Sched_rr_is_on_only_for_yes_and_other_system_keys_warn_that_they_have_no_effect()
    {
        var config = CorosyncConfiguration.Parse(Minimal + "system {\n  sched_rr: on\n  state_dir: /var/lib/corosync\n  move_to_root_cgroup: auto\n}\n");
        Assert.That(config.System.SchedRr, Is.False, "Corosync compares with \"yes\" alone");
        Assert.That(config.Warnings.Select(w => (w.Key, w.Message)), Is.EqualTo(new[]
        {
            ("system.sched_rr", "sched_rr is on only for 'yes': 'on' turns it off, as in Corosync"),
            ("system.state_dir", "key 'state_dir' in system is a Corosync option with no effect here (ignored)"),
            ("system.move_to_root_cgroup", "key 'move_to_root_cgroup' in system is a Corosync option with no effect here (ignored)"),
        }));
    }

    [TestCase("high")]
    [TestCase("5x")]
    [TestCase("99999999999")]
    public void A_priority_that_is_not_a_number_max_or_min_is_corosyncs_error(string value)
    {
        var e = Fails(Minimal + "system {\n  priority: " + value + "\n}\n");
        Assert.That((e.Key, e.Line, e.Column), Is.EqualTo(("system.priority", 10, 13)));
        Assert.That(e.Reason, Is.EqualTo($"Priority value {value} is invalid"));
    }

    [Test]
    public void The_effective_text_of_the_seed_fills_in_defaults()
    {
        var text = CorosyncConfiguration.Load(CorosyncConfigParserTests.SeedPath).ToConfigText();
        Assert.That(text, Does.StartWith("# Effective configuration"));
        Assert.That(text, Does.Contain("# Runtime timings for 0 listed node(s): token 1000, token_retransmit 238, hold 180, consensus 1200 (ms)."));
        Assert.That(text, Does.Contain("\n    secauth: on\n    crypto_hash: sha256\n    crypto_cipher: aes256\n"));
        Assert.That(text, Does.Contain("\n    token: 1000\n    token_coefficient: 650\n"));
        Assert.That(text, Does.Contain("\n    rrp_mode: active\n"));
        Assert.That(text, Does.Contain("\n    interface {\n        ringnumber: 1\n        bindnetaddr: 192.168.0.0\n        mcastaddr: 226.94.2.1\n        mcastport: 5405\n        ttl: 1\n        broadcast: no\n    }\n"));
        Assert.That(text, Does.Contain("\nservice {\n    name: pacemaker\n    ver: 1\n}\n"));
    }

    [Test]
    public void Options_built_in_code_validate_with_the_same_rules()
    {
        var config = new CorosyncConfiguration
        {
            Totem = new TotemOptions { Interfaces = [new InterfaceOptions { BindNetAddress = IPAddress.Parse("10.0.0.0"), MulticastAddress = IPAddress.Parse("239.1.1.1") }] },
        };
        Assert.DoesNotThrow(config.Validate);

        var bad = new CorosyncConfiguration
        {
            Totem = new TotemOptions { CryptoCipher = CryptoCipher.Aes256, Interfaces = config.Totem.Interfaces },
        };
        Assert.That(bad.Validate, Throws.TypeOf<ConfigurationException>().With.Property(nameof(ConfigurationException.Key)).EqualTo("totem.crypto_cipher"));
    }
}
