using System.Globalization;
using Clustering.Tool.Commands;

namespace Clustering.Tool.Tests.Admin;

/// <summary>
/// cfgtool, quorumtool and cpgtool in process against nodes serving admin sockets: the same text the node reports,
/// the real tools' exit codes (cfgtool -s 1 while a ring is FAULTY, quorumtool -s 2 when not quorate) and their
/// "cannot connect" lines.
/// </summary>
[CancelAfter(90_000)]
[NonParallelizable]
public sealed class AdminToolCommandTests
{
    [Test]
    public async Task Cfgtool_s_prints_the_node_ring_status_and_exits_0()
    {
        await using var cluster = await ToolCluster.StartAsync(1, expectedVotes: 1);
        var (exit, output, err) = await ToolCluster.RunAsync("cfgtool", "-s", "--admin-socket", cluster.SocketOf(1));
        Assert.That(err, Is.Empty);
        Assert.That(exit, Is.Zero);
        Assert.That(output, Is.EqualTo(cluster.Nodes[0].GetRingStatus().ToCfgtoolText()));
        Assert.That(output, Is.EqualTo(
            "Printing ring status.\nLocal node ID 1\nRING ID 0\n\tid\t= 127.0.0.1\n\tstatus\t= ring 0 active with no faults\n" +
            "RING ID 1\n\tid\t= 127.0.1.1\n\tstatus\t= ring 1 active with no faults\n"));
    }

    [Test]
    public async Task Cfgtool_s_exits_1_while_a_ring_is_faulty_and_r_reenables_it()
    {
        await using var cluster = await ToolCluster.StartAsync(2, expectedVotes: 2);
        var node = cluster.Nodes[0];
        cluster.Network.Disconnect(ToolCluster.EndPoint(2, 1), ringNumber: 1);
        await ToolCluster.WaitAsync(() => node.GetRingStatus().HasFaults, "ring 1 FAULTY at node 1", 60);

        var (exit, output, _) = await ToolCluster.RunAsync("cfgtool", "-s", "--admin-socket", cluster.SocketOf(1));
        Assert.That(exit, Is.EqualTo(1), output);
        Assert.That(output, Does.Contain("\tstatus\t= Marking ringid 1 interface 127.0.1.1 FAULTY\n"));
        Assert.That(output, Does.Contain("\tstatus\t= ring 0 active with no faults\n"));

        cluster.Network.Reconnect(ToolCluster.EndPoint(2, 1), ringNumber: 1);
        var reenable = await ToolCluster.RunAsync("cfgtool", "-r", "--admin-socket", cluster.SocketOf(1));
        Assert.That(reenable.Exit, Is.Zero, reenable.Err);
        Assert.That(reenable.Out, Is.EqualTo("Re-enabling all failed rings.\n"));
        await ToolCluster.WaitAsync(() => !node.GetRingStatus().HasFaults, "no ring FAULTY after -r", 30);
        var after = await ToolCluster.RunAsync("cfgtool", "-s", "--admin-socket", cluster.SocketOf(1));
        Assert.That(after.Exit, Is.Zero, after.Out);
    }

    [Test]
    public async Task Quorumtool_s_exits_0_when_quorate_and_l_prints_the_membership()
    {
        await using var cluster = await ToolCluster.StartAsync(1, expectedVotes: 1);
        var (exit, output, _) = await ToolCluster.RunAsync("quorumtool", "-s", "--admin-socket", cluster.SocketOf(1));
        Assert.That(exit, Is.Zero);
        Assert.That(output, Does.StartWith("Quorum information\n------------------\nDate:             "));
        Assert.That(output, Does.Contain("Quorate:          Yes\n"));
        Assert.That(output, Does.Contain("Node ID:          1\n"));

        var defaulted = await ToolCluster.RunAsync("quorumtool", "--admin-socket", cluster.SocketOf(1));
        Assert.That(defaulted.Exit, Is.Zero, "-s is the default");
        Assert.That(defaulted.Out, Does.StartWith("Quorum information\n"));

        var list = await ToolCluster.RunAsync("quorumtool", "-l", "--admin-socket", cluster.SocketOf(1));
        Assert.That(list.Exit, Is.Zero);
        Assert.That(list.Out, Is.EqualTo(cluster.Nodes[0].GetQuorumList()));
        Assert.That(list.Out, Is.EqualTo("\nMembership information\n----------------------\n    Nodeid      Votes Name\n         1          1 1 (local)\n"));
    }

    [Test]
    public async Task Quorumtool_s_exits_2_when_not_quorate()
    {
        await using var cluster = await ToolCluster.StartAsync(1, expectedVotes: 3);
        var (exit, output, _) = await ToolCluster.RunAsync("quorumtool", "-s", "--admin-socket", cluster.SocketOf(1));
        Assert.That(exit, Is.EqualTo(QuorumtoolCommand.NotQuorate));
        Assert.That(output, Does.Contain("Quorate:          No\n"));
        Assert.That(output, Does.Contain("Quorum:           2 Activity blocked\n"));
    }

    [Test]
    public async Task Cpgtool_lists_groups_and_members_as_corosync_cpgtool()
    {
        await using var cluster = await ToolCluster.StartAsync(2, expectedVotes: 2);
        var (one, two) = (cluster.Nodes[0], cluster.Nodes[1]);
        await using var a1 = await one.JoinGroupAsync("alpha");
        await using var a2 = await two.JoinGroupAsync("alpha");
        await using var b1 = await one.JoinGroupAsync("beta");
        await ToolCluster.WaitAsync(() => a1.Members.Count == 2 && a2.Members.Count == 2, "both alpha members seen");
        await ToolCluster.WaitAsync(() => two.GetProcessGroups().ContainsKey("beta"), "beta known at node 2");

        string Row(Clustering.Membership.Groups.GroupMember m) => string.Create(CultureInfo.InvariantCulture,
            $"\t\t{m.ProcessId,10}\t{m.NodeId,10} (127.0.0.{m.NodeId} 127.0.1.{m.NodeId})\n");
        var alpha = new[] { a1.Member, a2.Member }.Order().ToArray();
        var expected = "Group Name\t       PID\t   Node ID\n" + "alpha\n" + Row(alpha[0]) + Row(alpha[1]) + "beta\n" + Row(b1.Member);

        foreach (var socket in new[] { cluster.SocketOf(1), cluster.SocketOf(2) })
        {
            var (exit, output, err) = await ToolCluster.RunAsync("cpgtool", "--admin-socket", socket);
            Assert.That(err, Is.Empty);
            Assert.That(exit, Is.Zero);
            Assert.That(output, Is.EqualTo(expected), "every node lists the same groups");
        }

        var names = await ToolCluster.RunAsync("cpgtool", "-n", "--admin-socket", cluster.SocketOf(2));
        Assert.That(names.Out, Is.EqualTo("alpha\nbeta\n"));
        var delimited = await ToolCluster.RunAsync("cpgtool", "-d", ";", "--admin-socket", cluster.SocketOf(1));
        Assert.That(delimited.Out, Is.EqualTo(string.Create(CultureInfo.InvariantCulture,
            $"GRP_NAME;PID;NODEID\nalpha;{alpha[0].ProcessId};{alpha[0].NodeId}\nalpha;{alpha[1].ProcessId};{alpha[1].NodeId}\nbeta;{b1.Member.ProcessId};1\n")));
        var namesDelimited = await ToolCluster.RunAsync("cpgtool", "-n", "-d", ",", "--admin-socket", cluster.SocketOf(1));
        Assert.That(namesDelimited.Out, Is.EqualTo("alpha,beta,\n"));
    }

    [TestCase("a\\b", true, "a\\\\b")]
    [TestCase("tab\there", true, "tab\\x09here")]
    [TestCase("caf\u00e9", true, "caf\\xC3\\xA9")]
    [TestCase("tab\there", false, "tab\there")]
    public void Cpgtool_escapes_group_names_as_the_real_tool(string name, bool escape, string shown) =>
        Assert.That(CpgtoolCommand.Escape(name, escape), Is.EqualTo(shown));

    [TestCase("cfgtool", "-s", CfgtoolCommand.CannotInitialize)]
    [TestCase("cfgtool", "-r", CfgtoolCommand.CannotInitialize)]
    [TestCase("quorumtool", "-s", QuorumtoolCommand.CannotInitialize)]
    [TestCase("quorumtool", "-l", QuorumtoolCommand.CannotInitialize)]
    [TestCase("cpgtool", "-n", CpgtoolCommand.CannotInitialize)]
    public async Task Without_a_node_the_tools_print_the_real_tools_line_and_exit_1(string tool, string option, string line)
    {
        var (exit, output, err) = await ToolCluster.RunAsync(tool, option, "--admin-socket", "/nonexistent/clustering/x.sock");
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(output, Is.Empty);
        Assert.That(err, Does.StartWith(line + Environment.NewLine));
        Assert.That(err, Does.Contain("/nonexistent/clustering/x.sock"));
    }

    [Test]
    public async Task Cfgtool_without_an_action_prints_its_usage_and_succeeds_as_corosync_cfgtool_does()
    {
        var (exit, output, err) = await ToolCluster.RunAsync("cfgtool");
        Assert.That(exit, Is.Zero);
        Assert.That(output, Does.StartWith("clusterctl cfgtool [-s | -r]"));
        Assert.That(output, Does.Contain("\t-s\t"));
        Assert.That(err, Is.Empty);
    }

    [TestCase("cfgtool", "-x")]
    [TestCase("cfgtool", "-s", "-r")]
    [TestCase("quorumtool", "-s", "-l")]
    [TestCase("cpgtool", "-x")]
    [TestCase("cfgtool", "-s", "--admin-socket")]
    public async Task Bad_command_lines_exit_2(params string[] args)
    {
        var (exit, _, err) = await ToolCluster.RunAsync(args);
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(err, Does.Contain("usage: clusterctl " + args[0]));
    }
}
