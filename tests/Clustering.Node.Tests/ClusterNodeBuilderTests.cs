using System.Globalization;
using Clustering.Transport.Configuration;
using Clustering.Transport.Security;

namespace Clustering.Node.Tests;

/// <summary>
/// Nodes built from corosync.conf: a udpu configuration with secauth on loopback runs two nodes that form one
/// membership, their rings served by one receive thread per node; configurations that cannot describe this node are refused with the key at fault.
/// </summary>
[CancelAfter(90_000)]
[NonParallelizable]
public sealed class ClusterNodeBuilderTests
{
    private string _directory = "";

    [SetUp]
    public void CreateDirectory()
    {
        _directory = Path.Combine(Path.GetTempPath(), "clustering-node-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
    }

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public async Task A_udpu_configuration_with_secauth_runs_two_nodes_on_loopback_that_see_each_other()
    {
        var port = 20000 + (Random.Shared.Next(0, 5000) * 2);
        var config = WriteConfig(Udpu(port, "crypto_cipher: aes256\n  crypto_hash: sha256\n"));
        var keyPath = Path.Combine(_directory, "authkey");
        using (var key = Authkey.Generate())
        {
            key.Save(keyPath);
        }

        var first = ClusterNodeBuilder.FromCorosyncConfig(config, keyPath, nodeId: 1);
        var second = ClusterNodeBuilder.FromCorosyncConfig(config, keyPath, nodeId: 2);
        Assert.That(first.Options.Authkey, Is.Not.Null);
        Assert.That(first.Options.CryptoCipher, Is.EqualTo(CryptoCipher.Aes256));
        Assert.That(first.Options.NodeNames[2], Is.EqualTo("beta"));
        await using var one = first.Build();
        await using var two = second.Build();
        Assert.Throws<InvalidOperationException>(() => first.Build(), "the node owns the builder's key: one node per builder");
        await one.StartAsync();
        await two.StartAsync();
        await NodeCluster.WaitAsync(() => one.Membership?.Members.SequenceEqual([1u, 2u]) == true && two.Membership?.Members.SequenceEqual([1u, 2u]) == true, "membership 1 2 at both");
        await NodeCluster.WaitAsync(() => one.IsQuorate && two.IsQuorate, "two_node: quorate");
        Assert.That(one.Quorum.FlagsText, Is.EqualTo("2Node Quorate WaitForAll"));
        Assert.That(one.GetQuorumList(), Does.Contain("         2          1 beta"));
        Assert.That(one.GetRingStatus().ToCfgtoolText(), Does.Contain("127.0.0.2"));

        // The node's UDP rings are served by the node's one receive thread (64-bit Linux), which it disposes after them.
        var loop = first.ReceiveLoop!;
        Assert.That(loop, Is.Not.Null.And.Not.SameAs(second.ReceiveLoop), "one receive loop per node");
        if (OperatingSystem.IsLinux() && Environment.Is64BitProcess)
        {
            Assert.That(loop.RingCount, Is.EqualTo(1), "the ring registered with the node's loop");
            Assert.That(loop.ThreadId, Is.Not.Null, "the loop's thread started with the ring");
        }

        await one.DisposeAsync();
        Assert.Multiple(() =>
        {
            Assert.That(loop.RingCount, Is.Zero, "the ring left the loop when disposed");
            Assert.That(loop.IsDisposed, Is.True, "the node disposed its receive loop");
        });
    }

    [Test]
    public void A_node_id_that_is_not_in_the_nodelist_is_refused()
    {
        var config = WriteConfig(Udpu(5405, ""));
        var e = Assert.Throws<ConfigurationException>(() => ClusterNodeBuilder.FromCorosyncConfig(config, nodeId: 9));
        Assert.That(e!.Reason, Does.Contain("node 9 is not in the nodelist"));
    }

    [Test]
    public void Udpu_without_a_nodelist_and_a_missing_authkey_are_refused()
    {
        var noNodes = WriteConfig("totem {\n  version: 2\n  cluster_name: t\n  transport: udpu\n}\nquorum {\n  provider: corosync_votequorum\n  expected_votes: 2\n}\n");
        Assert.That(Assert.Throws<ConfigurationException>(() => ClusterNodeBuilder.FromCorosyncConfig(noNodes))!.Key, Does.StartWith("totem.interface").Or.EqualTo("nodelist"));

        var secauth = WriteConfig(Udpu(5405, "crypto_cipher: aes256\n  crypto_hash: sha256\n"));
        Assert.Throws<AuthkeyException>(() => ClusterNodeBuilder.FromCorosyncConfig(secauth, Path.Combine(_directory, "missing"), nodeId: 1));
    }

    [Test]
    public void Options_without_quorum_rings_or_key_are_refused_naming_the_option()
    {
        var options = new ClusterNodeOptions { NodeId = 1 };
        Assert.That(Assert.Throws<ArgumentException>(() => ClusterNodeBuilder.FromOptions(options).Build())!.Message, Does.Contain("Rings"));
        options.Rings.Add(() => throw new InvalidOperationException("not called"));
        Assert.That(Assert.Throws<ArgumentException>(() => ClusterNodeBuilder.FromOptions(options).Build())!.Message, Does.Contain("Quorum"));
        options.Quorum = new() { ExpectedVotes = 1 };
        options.CryptoCipher = CryptoCipher.Aes256;
        Assert.That(Assert.Throws<ArgumentException>(() => ClusterNodeBuilder.FromOptions(options).Build())!.Message, Does.Contain("Authkey"));
        Assert.That(Assert.Throws<ArgumentException>(() => ClusterNodeBuilder.FromOptions(new ClusterNodeOptions()).Build())!.Message, Does.Contain("NodeId"));
        options.CryptoCipher = CryptoCipher.None;
        options.AcceleratedWindow = -1;
        Assert.That(Assert.Throws<ArgumentException>(() => ClusterNodeBuilder.FromOptions(options).Build())!.Message, Does.Contain("AcceleratedWindow"));
    }

    [Test]
    public void Multicast_rings_keep_recv_flush_only_in_corosyncs_order()
    {
        Assert.That(new ClusterNodeOptions().MulticastRecvFlush, Is.False, "accelerated by default: the token goes first");
        Assert.That(new ClusterNodeOptions { AcceleratedWindow = 0 }.MulticastRecvFlush, Is.True);
    }

    [Test]
    public async Task A_ring_that_cannot_be_created_fails_the_start_and_releases_the_rings_made_before_it()
    {
        var network = new Clustering.Transport.Rings.InMemoryNetwork(TimeProvider.System, seed: 6);
        var endPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 5405);
        var options = new ClusterNodeOptions { NodeId = 1, Quorum = new() { ExpectedVotes = 1 }, Redundancy = new() { Mode = Clustering.Transport.Redundancy.RrpMode.Passive } };
        options.Rings.Add(() => network.CreateRing(0, endPoint));
        options.Rings.Add(() => throw new Clustering.Transport.Rings.RingBindException("ring 1: address in use"));
        await using var node = ClusterNodeBuilder.FromOptions(options).Build();
        Assert.ThrowsAsync<Clustering.Transport.Rings.RingBindException>(async () => await node.StartAsync());
        Assert.That(node.IsRunning, Is.False);
        Assert.ThrowsAsync<InvalidOperationException>(async () => await node.StartAsync(), "a failed node is not restarted");

        // Ring 0's endpoint was released: a new ring can take it.
        Assert.DoesNotThrow(() => network.CreateRing(0, endPoint));
    }

    private string WriteConfig(string text)
    {
        var path = Path.Combine(_directory, "corosync.conf");
        File.WriteAllText(path, text);
        return path;
    }

    private static string Udpu(int port, string crypto) => string.Create(CultureInfo.InvariantCulture, $$"""
        totem {
          version: 2
          cluster_name: nodetest
          transport: udpu
          token: 500
          consensus: 600
          {{crypto}}
          interface {
            ringnumber: 0
            mcastport: {{port}}
          }
        }
        nodelist {
          node {
            ring0_addr: 127.0.0.2
            nodeid: 1
            name: alpha
          }
          node {
            ring0_addr: 127.0.0.3
            nodeid: 2
            name: beta
          }
        }
        quorum {
          provider: corosync_votequorum
          two_node: 1
        }

        """);
}
