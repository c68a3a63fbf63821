using System.Text;
using Clustering.Membership.Groups;
using Clustering.Membership.Totem;

namespace Clustering.Node.Tests;

/// <summary>
/// Three nodes over the in-memory network on the real clock: they form one membership and become quorate, group
/// members see each other's messages in one order with the membership changes and their reasons interleaved
/// identically, and quorum follows nodes going away (kept with 2 of 3 votes, lost with 1).
/// </summary>
[CancelAfter(120_000)]
[NonParallelizable]
public sealed class ClusterNodeTests
{
    [Test]
    public async Task Three_nodes_form_one_membership_and_become_quorate()
    {
        await using var cluster = new NodeCluster(3, seed: 1, expectedVotes: 3);
        await cluster.StartAsync();
        await NodeCluster.WaitAsync(() => cluster.Nodes.All(n => n.Membership?.Members.SequenceEqual([1u, 2u, 3u]) == true), "membership of 1 2 3 at every node");
        await NodeCluster.WaitAsync(() => cluster.Nodes.All(n => n.IsQuorate && n.Quorum.TotalVotes == 3), "quorate with 3 votes at every node");

        var node = cluster.Nodes[0];
        Assert.That(node.Membership!.ToString(), Is.EqualTo("Members[3]: 1 2 3"));
        Assert.That(cluster.Nodes.Select(n => n.Membership!.RingId).Distinct().Count(), Is.EqualTo(1), "one ring id everywhere");
        Assert.That(node.Quorum.Quorum, Is.EqualTo(2));
        var report = node.GetQuorumReport();
        Assert.That(report, Does.Contain("Quorate:          Yes"));
        Assert.That(report, Does.Contain("Total votes:      3"));
        Assert.That(report, Does.Contain("         1          1 1 (local)"));
        Assert.That(node.GetRingStatus().ToCfgtoolText(), Does.Contain("no faults"));
    }

    [Test]
    public async Task Group_members_see_messages_and_changes_in_one_order_and_quorum_follows_departures()
    {
        await using var cluster = new NodeCluster(3, seed: 2, expectedVotes: 3);
        var (one, two, three) = (cluster.Nodes[0], cluster.Nodes[1], cluster.Nodes[2]);
        await cluster.StartAsync();
        await NodeCluster.WaitAsync(() => cluster.Nodes.All(n => n.IsQuorate && n.Membership?.Members.Count == 3), "a quorate membership of three");

        await using var g1 = await one.JoinGroupAsync("g");
        await using var g2 = await two.JoinGroupAsync("g");
        var seen1 = Record(g1);
        var seen2 = Record(g2);
        await NodeCluster.WaitAsync(() => g1.Members.Count == 2 && g2.Members.Count == 2, "both members in g");

        // Both send at once; agreed and safe order interleave.
        var sends = new[] { (g1, "a"), (g2, "b") }.Select(s => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                await s.Item1.SendAsync(Encoding.ASCII.GetBytes($"{s.Item2}{i}"), i % 7 == 0 ? MessageOrder.Safe : MessageOrder.Agreed);
            }
        }));
        await Task.WhenAll(sends);
        await NodeCluster.WaitAsync(() => Count<GroupMessage>(seen1) == 100 && Count<GroupMessage>(seen2) == 100, "100 messages at both members");

        // A third member joins and ends without leaving: PROCDOWN, at the same place in both streams.
        var g3 = await three.JoinGroupAsync("g");
        await g3.DisposeAsync();
        await NodeCluster.WaitAsync(() => Changes(seen1).Any(c => c.Left.Any(l => l.Reason == GroupChangeReason.ProcessDown)), "PROCDOWN at node 1");
        await NodeCluster.WaitAsync(() => Changes(seen2).Any(c => c.Left.Any(l => l.Reason == GroupChangeReason.ProcessDown)), "PROCDOWN at node 2");

        var first = Describe(seen1);
        var second = Describe(seen2);
        Assert.That(first[0], Is.EqualTo($"join {g1.Member}:Join members={g1.Member}"), "a member's own join comes first");
        Assert.That(second[0], Is.EqualTo($"join {g2.Member}:Join members={g1.Member},{g2.Member}"));
        Assert.That(first[1..], Is.EqualTo(second), "node 1 (from node 2's join on) and node 2 saw one sequence");
        Assert.That(first.Count(l => l.StartsWith("msg 1/", StringComparison.Ordinal)), Is.EqualTo(50));
        Assert.That(first.Where(l => l.StartsWith("msg 2/", StringComparison.Ordinal)).Select(l => l[(l.IndexOf(' ', 4) + 1)..]),
            Is.EqualTo(Enumerable.Range(0, 50).Select(i => $"b{i}")), "a sender's messages in its order");
        Assert.That(first, Does.Contain($"join {g3.Member}:Join members={g1.Member},{g2.Member},{g3.Member}"));
        Assert.That(first, Does.Contain($"left {g3.Member}:ProcessDown members={g1.Member},{g2.Member}"));

        // Node 2 fails: node 1 sees its member leave with NODEDOWN, a membership of two, and keeps quorum (2 of 3).
        await two.DisposeAsync();
        await NodeCluster.WaitAsync(() => one.Membership?.Members.SequenceEqual([1u, 3u]) == true, "membership 1 3");
        await NodeCluster.WaitAsync(() => Changes(seen1).Any(c => c.Left.Any(l => l.Member == g2.Member && l.Reason == GroupChangeReason.NodeDown)), "NODEDOWN for node 2's member");
        Assert.That(g1.Members, Is.EqualTo(new[] { g1.Member }));
        await NodeCluster.WaitAsync(() => one.Quorum.TotalVotes == 2, "two votes present");
        Assert.That(one.IsQuorate, Is.True, "2 of 3 expected votes is quorate");
        Assert.That(three.IsQuorate, Is.True);

        // Node 3 fails too: node 1 alone has 1 of 3 votes and is not quorate.
        await three.DisposeAsync();
        await NodeCluster.WaitAsync(() => one.Membership?.Members.SequenceEqual([1u]) == true, "membership 1");
        await NodeCluster.WaitAsync(() => !one.IsQuorate, "quorum lost");
        Assert.That(one.Quorum.ExpectedVotes, Is.EqualTo(3));
        Assert.That(one.GetQuorumReport(), Does.Contain("Quorum:           2 Activity blocked"));
    }

    [Test]
    public async Task A_graceful_stop_leaves_groups_with_LEAVE_and_quorum_streams_report_the_changes()
    {
        await using var cluster = new NodeCluster(2, seed: 3, expectedVotes: 2);
        var (one, two) = (cluster.Nodes[0], cluster.Nodes[1]);
        using var watching = new CancellationTokenSource();
        var quorumChanges = new List<bool>();
        var watcher = Task.Run(async () =>
        {
            try
            {
                await foreach (var q in one.WatchQuorumAsync(watching.Token))
                {
                    lock (quorumChanges)
                    {
                        quorumChanges.Add(q.Quorate);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Done watching.
            }
        });

        // The watcher must be subscribed (it gets the current state first) before the nodes start.
        await NodeCluster.WaitAsync(() => { lock (quorumChanges) { return quorumChanges.Count > 0; } }, "the watcher's first state");
        await cluster.StartAsync();
        await NodeCluster.WaitAsync(() => one.IsQuorate && two.IsQuorate, "quorate with both nodes");
        var g1 = await one.JoinGroupAsync("svc");
        var g2 = await two.JoinGroupAsync("svc");
        var seen1 = Record(g1);
        await NodeCluster.WaitAsync(() => g1.Members.Count == 2, "two members");

        await two.StopAsync();
        Assert.That(g2.IsJoined, Is.False, "the stopped node's member left");
        await NodeCluster.WaitAsync(() => Changes(seen1).Any(c => c.Left.Any(l => l.Member == g2.Member)), "node 2's member gone");
        var left = Changes(seen1).SelectMany(c => c.Left).Single(l => l.Member == g2.Member);
        Assert.That(left.Reason, Is.EqualTo(GroupChangeReason.Leave), "a graceful stop leaves, it does not fail");
        await NodeCluster.WaitAsync(() => !one.IsQuorate, "1 of 2 votes is not quorate");
        await watching.CancelAsync();
        await watcher;
        lock (quorumChanges)
        {
            Assert.That(quorumChanges.First(), Is.False, "the stream starts with the current state");
            Assert.That(quorumChanges, Does.Contain(true));
            Assert.That(quorumChanges.Last(), Is.False);
        }

        Assert.ThrowsAsync<InvalidOperationException>(async () => await two.JoinGroupAsync("svc"));
        Assert.ThrowsAsync<InvalidOperationException>(async () => await g2.SendAsync(new byte[] { 1 }));
    }

    [Test]
    public async Task Bad_group_names_and_unstarted_nodes_are_refused_with_clear_errors()
    {
        await using var cluster = new NodeCluster(1, seed: 4, expectedVotes: 1);
        var node = cluster.Nodes[0];
        Assert.ThrowsAsync<InvalidOperationException>(async () => await node.JoinGroupAsync("g"), "not started");
        Assert.Throws<InvalidOperationException>(() => node.GetRingStatus());
        await node.StartAsync();
        Assert.ThrowsAsync<ArgumentException>(async () => await node.JoinGroupAsync(""));
        Assert.ThrowsAsync<ArgumentException>(async () => await node.JoinGroupAsync(new string('x', 129)));
        Assert.ThrowsAsync<InvalidOperationException>(async () => await node.StartAsync(), "started twice");
        await NodeCluster.WaitAsync(() => node.IsQuorate, "a single node with 1 expected vote is quorate");
    }

    private static List<GroupEvent> Record(ClusterGroup group)
    {
        var seen = new List<GroupEvent>();
        _ = Task.Run(async () =>
        {
            await foreach (var e in group.ReadEventsAsync())
            {
                lock (seen)
                {
                    seen.Add(e);
                }
            }
        });
        return seen;
    }

    private static int Count<T>(List<GroupEvent> seen)
    {
        lock (seen)
        {
            return seen.OfType<T>().Count();
        }
    }

    private static List<GroupConfigurationChange> Changes(List<GroupEvent> seen)
    {
        lock (seen)
        {
            return [.. seen.OfType<GroupConfigurationChange>()];
        }
    }

    private static string[] Describe(List<GroupEvent> seen)
    {
        lock (seen)
        {
            return [.. seen.Select(e => e switch
            {
                GroupMessage m => $"msg {m.Sender} {Encoding.ASCII.GetString(m.Payload.Span)}",
                GroupConfigurationChange c => string.Join(' ',
                    c.Joined.Select(j => $"join {j.Member}:{j.Reason}").Concat(c.Left.Select(l => $"left {l.Member}:{l.Reason}")))
                    + $" members={string.Join(',', c.Members)}",
                _ => e.ToString()!,
            })];
        }
    }
}
