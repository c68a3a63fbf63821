namespace Clustering.IntegrationTests.Processes;

/// <summary>
/// The node host's line protocol, on one node alone (loopback, no root): every command is answered, malformed
/// commands and command lines are refused with clear errors, and the host stops cleanly on quit and end of input.
/// </summary>
[Category("Processes")]
[NonParallelizable]
[CancelAfter(120_000)]
public sealed class NodeHostProtocolTests
{
    [Test]
    public async Task A_lone_node_answers_every_command_and_counts_its_own_messages()
    {
        await using var cluster = ProcessCluster.OnLoopback(ProcessTransport.Udpu, 1);
        await cluster.StartAsync();
        var node = cluster[0];
        await node.WaitForLatestAsync("quorum", q => q.Quorate, "quorate (one vote expected)");

        var mark = node.Mark;
        node.Command("send 50 3000 0");
        var last = await cluster.WaitForSentAsync(0, mark);
        Assert.That(last, Is.EqualTo(50UL), "sequence numbers start at 1");
        var stats = await cluster.WaitForDeliveriesAsync([0], new Dictionary<uint, ulong> { [1] = last });
        ProcessAssertions.EveryMessageOnceInOneOrder(stats, new Dictionary<uint, (ulong, ulong)> { [1] = (1, 50) });

        foreach (var bad in (string[])["send", "send 0 100 0", "send 10 8 0", "send 10 100 -1", "send x y z", "frobnicate"])
        {
            var before = node.Mark;
            node.Command(bad);
            var error = await node.WaitForAsync("error", _ => true, $"answering '{bad}'", before);
            Assert.That(error.Data.GetProperty("message").GetString(), Is.Not.Empty);
        }

        var rings = await node.RingsAsync();
        Assert.That(rings.Faulty, Is.Empty, rings.Text);
        Assert.That(rings.Data.GetProperty("rings").GetArrayLength(), Is.EqualTo(2), "two rings");

        var reset = await node.ResetAsync();
        Assert.That(reset.Senders, Is.Empty, "reset forgets what was counted");

        mark = node.Mark;
        node.Command("leave");
        await node.WaitForAsync("left", _ => true, "after leave", mark);
        await node.WaitForAsync("group", g => g.Left.Contains((1u, "Leave")), "with its own member leaving", mark);
        mark = node.Mark;
        node.Command("send 1 100 0");
        await node.WaitForAsync("error", e => e.Text.Contains("send", StringComparison.Ordinal), "refusing to send after leaving", mark);

        node.Command("quit");
        Assert.That(await node.WaitForExitAsync(), Is.Zero);
        Assert.That(node.Latest("stopped")?.Data.GetProperty("reason").GetString(), Is.EqualTo("quit"));
    }

    [Test]
    public async Task End_of_input_stops_the_host_cleanly()
    {
        await using var cluster = ProcessCluster.OnLoopback(ProcessTransport.Udp, 1);
        await cluster.StartAsync();
        cluster[0].EndInput();
        Assert.That(await cluster[0].WaitForExitAsync(), Is.Zero);
        Assert.That(cluster[0].Latest("stopped")?.Data.GetProperty("reason").GetString(), Is.EqualTo("eof"));
    }

    [TestCase("--node-id 1", TestName = "Without --config the host exits 2")]
    [TestCase("--config corosync.conf --node-id zero", TestName = "A node id that is not a number exits 2")]
    [TestCase("--config corosync.conf --node-id 1 --local-address 9=127.0.0.1", TestName = "A ring number above 7 exits 2")]
    [TestCase("--config corosync.conf --node-id 1 --frobnicate", TestName = "An unknown argument exits 2")]
    public async Task A_bad_command_line_exits_2_without_starting(string arguments)
    {
        await using var host = NodeProcess.Start(1, arguments.Split(' '));
        Assert.That(await host.WaitForExitAsync(), Is.EqualTo(2));
        Assert.That(host.Lines, Is.Empty, "no event line: nothing started");
    }

    [Test]
    public async Task A_configuration_that_cannot_be_read_exits_3_with_an_error_line()
    {
        await using var host = NodeProcess.Start(1, ["--config", Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid().ToString("N"), "corosync.conf"), "--node-id", "1"]);
        Assert.That(await host.WaitForExitAsync(), Is.EqualTo(3));
        Assert.That(host.Lines.Select(l => l.Kind), Is.EqualTo(new[] { "error", "stopped" }));
        Assert.That(host.Latest("stopped")!.Data.GetProperty("reason").GetString(), Is.EqualTo("failure"));
    }
}
