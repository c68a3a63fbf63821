using Clustering.Membership.Groups;

namespace Clustering.Membership.Tests.Groups;

/// <summary>CPG semantics over a total order: every node's table is fed the same deliveries in the same order.</summary>
public sealed class ProcessGroupTableTests
{
    /// <summary>A perfect total order among a fixed set of nodes, with per-node event logs.</summary>
    private sealed class Cluster
    {
        public Dictionary<uint, ProcessGroupTable> Tables { get; } = [];

        public Dictionary<uint, List<GroupEvent>> Events { get; } = [];

        public Cluster(params uint[] nodes)
        {
            foreach (var node in nodes)
            {
                Tables[node] = new ProcessGroupTable(node);
                Events[node] = [];
            }

            Configure(nodes);
        }

        public void Deliver(uint sender, byte[] message, IEnumerable<uint>? to = null)
        {
            foreach (var node in to ?? Tables.Keys)
            {
                Tables[node].OnDelivered(sender, message, Events[node]);
            }
        }

        /// <summary>A new configuration for <paramref name="nodes"/>, then their join lists in node order.</summary>
        public void Configure(params uint[] nodes)
        {
            var lists = nodes.ToDictionary(n => n, n => Tables[n].OnConfiguration(nodes, Events[n]));
            foreach (var (sender, list) in lists)
            {
                Deliver(sender, list, nodes);
            }
        }

        public List<GroupEvent> Take(uint node)
        {
            var taken = Events[node].ToList();
            Events[node].Clear();
            return taken;
        }
    }

    [Test]
    public void Joins_messages_and_leaves_are_seen_in_the_same_order_by_every_member()
    {
        var cluster = new Cluster(1, 2, 3);
        cluster.Deliver(1, ProcessGroupTable.Join("g", 10));
        cluster.Deliver(2, ProcessGroupTable.Join("g", 20));
        cluster.Deliver(1, ProcessGroupTable.Send("g", 10, [1, 2, 3]));
        cluster.Deliver(2, ProcessGroupTable.Leave("g", 20));

        var one = cluster.Take(1);
        var two = cluster.Take(2);
        Assert.That(cluster.Take(3), Is.Empty, "node 3 has no member in g");
        Assert.That(one.Select(Describe), Is.EqualTo(new[] { "g: +1/10(Join) = 1/10", "g: +2/20(Join) = 1/10 2/20", "g: 1/10 says 3", "g: -2/20(Leave) = 1/10" }));
        Assert.That(two.Select(Describe), Is.EqualTo(new[] { "g: +2/20(Join) = 1/10 2/20", "g: 1/10 says 3", "g: -2/20(Leave) = 1/10" }));
        foreach (var table in cluster.Tables.Values)
        {
            Assert.That(table.Members("g"), Is.EqualTo(new[] { new GroupMember(1, 10) }));
        }
    }

    [Test]
    public void A_sender_receives_its_own_message()
    {
        var cluster = new Cluster(1);
        cluster.Deliver(1, ProcessGroupTable.Join("g", 7));
        cluster.Deliver(1, ProcessGroupTable.Send("g", 7, [42]));
        var message = cluster.Take(1).OfType<GroupMessage>().Single();
        Assert.That(message.Sender, Is.EqualTo(new GroupMember(1, 7)));
        Assert.That(message.Payload.ToArray(), Is.EqualTo(new byte[] { 42 }));
    }

    [Test]
    public void Members_of_a_departed_node_leave_with_nodedown()
    {
        var cluster = new Cluster(1, 2);
        cluster.Deliver(1, ProcessGroupTable.Join("g", 10));
        cluster.Deliver(2, ProcessGroupTable.Join("g", 20));
        cluster.Deliver(2, ProcessGroupTable.Join("g", 21));
        cluster.Take(1);

        var events = new List<GroupEvent>();
        cluster.Tables[1].OnConfiguration([1], events);
        var change = events.OfType<GroupConfigurationChange>().Single();
        Assert.That(change.Left, Is.EqualTo(new[] { new GroupMemberChange(new(2, 20), GroupChangeReason.NodeDown), new GroupMemberChange(new(2, 21), GroupChangeReason.NodeDown) }));
        Assert.That(change.Members, Is.EqualTo(new[] { new GroupMember(1, 10) }));
    }

    [Test]
    public void A_merge_brings_the_other_sides_members_with_nodeup_and_both_sides_agree()
    {
        // Two partitions formed their groups apart.
        var cluster = new Cluster(1, 2, 3);
        cluster.Configure(1);
        cluster.Configure(2, 3);
        cluster.Deliver(1, ProcessGroupTable.Join("g", 10), [1]);
        cluster.Deliver(2, ProcessGroupTable.Join("g", 20), [2, 3]);
        cluster.Deliver(3, ProcessGroupTable.Join("h", 30), [2, 3]);
        foreach (var node in new uint[] { 1, 2, 3 })
        {
            cluster.Take(node);
        }

        cluster.Configure(1, 2, 3);
        var expected = new[] { new GroupMember(1, 10), new GroupMember(2, 20) };
        foreach (var table in cluster.Tables.Values)
        {
            Assert.That(table.Members("g"), Is.EqualTo(expected));
            Assert.That(table.Members("h"), Is.EqualTo(new[] { new GroupMember(3, 30) }));
        }

        Assert.That(cluster.Take(1).Select(Describe), Is.EqualTo(new[] { "g: +2/20(NodeUp) = 1/10 2/20" }));
        Assert.That(cluster.Take(2).Select(Describe), Is.EqualTo(new[] { "g: +1/10(NodeUp) = 1/10 2/20" }));
        Assert.That(cluster.Take(3), Is.Empty, "node 3 is only in h, which did not change");
    }

    [Test]
    public void A_join_list_delivered_after_the_next_configuration_still_brings_the_new_nodes_members()
    {
        // Found by the process tests: node 2 merged with node 1, then node 3 arrived before node 2's join list was
        // delivered; node 1 ignored the late list and never learned node 2's member.
        var cluster = new Cluster(1, 2, 3);
        cluster.Configure(1);
        cluster.Configure(2);
        cluster.Configure(3);
        cluster.Deliver(1, ProcessGroupTable.Join("g", 10), [1]);
        cluster.Deliver(2, ProcessGroupTable.Join("g", 20), [2]);
        cluster.Deliver(3, ProcessGroupTable.Join("g", 30), [3]);

        uint[] firstMerge = [1, 2];
        var early = firstMerge.ToDictionary(n => n, n => cluster.Tables[n].OnConfiguration(firstMerge, cluster.Events[n]));
        uint[] all = [1, 2, 3];
        var late = all.ToDictionary(n => n, n => cluster.Tables[n].OnConfiguration(all, cluster.Events[n]));
        foreach (var (sender, list) in early.Concat(late))
        {
            cluster.Deliver(sender, list, all);
        }

        var expected = new[] { new GroupMember(1, 10), new GroupMember(2, 20), new GroupMember(3, 30) };
        foreach (var (node, table) in cluster.Tables)
        {
            Assert.That(table.Members("g"), Is.EqualTo(expected), $"node {node}");
        }
    }

    [Test]
    public void A_stale_empty_join_list_delivered_first_does_not_hide_the_current_one()
    {
        // Found by the process tests: node 1's join list made for its lone configuration (empty: its member had not
        // joined yet) was only sent once the merged ring formed, ahead of the list that names its member.
        var cluster = new Cluster(1, 2);
        cluster.Configure(2);
        var stale = cluster.Tables[1].OnConfiguration([1], cluster.Events[1]);
        cluster.Deliver(1, ProcessGroupTable.Join("g", 10), [1]);
        cluster.Deliver(2, ProcessGroupTable.Join("g", 20), [2]);

        uint[] both = [1, 2];
        var current = both.ToDictionary(n => n, n => cluster.Tables[n].OnConfiguration(both, cluster.Events[n]));
        cluster.Deliver(1, stale, both);
        cluster.Deliver(1, current[1], both);
        cluster.Deliver(2, current[2], both);

        var expected = new[] { new GroupMember(1, 10), new GroupMember(2, 20) };
        Assert.That(cluster.Tables[1].Members("g"), Is.EqualTo(expected), "node 1");
        Assert.That(cluster.Tables[2].Members("g"), Is.EqualTo(expected), "node 2");
    }

    [Test]
    public void A_stale_list_in_one_configuration_and_the_current_one_in_the_next_still_bring_the_members()
    {
        // Found by the process tests: node 1's empty list (made alone) arrived in its merge with node 2; the list that
        // names its member, made for that merge, only arrived once node 3 had joined too.
        var cluster = new Cluster(1, 2, 3);
        cluster.Configure(2);
        cluster.Configure(3);
        var stale = cluster.Tables[1].OnConfiguration([1], cluster.Events[1]);
        cluster.Deliver(1, ProcessGroupTable.Join("g", 10), [1]);
        cluster.Deliver(2, ProcessGroupTable.Join("g", 20), [2]);

        uint[] pair = [1, 2];
        var forPair = pair.ToDictionary(n => n, n => cluster.Tables[n].OnConfiguration(pair, cluster.Events[n]));
        cluster.Deliver(1, stale, pair);
        cluster.Deliver(2, forPair[2], pair);
        uint[] all = [1, 2, 3];
        var forAll = all.ToDictionary(n => n, n => cluster.Tables[n].OnConfiguration(all, cluster.Events[n]));
        cluster.Deliver(1, forPair[1], all);
        foreach (var (sender, list) in forAll)
        {
            cluster.Deliver(sender, list, all);
        }

        var expected = new[] { new GroupMember(1, 10), new GroupMember(2, 20) };
        foreach (var (node, table) in cluster.Tables)
        {
            Assert.That(table.Members("g"), Is.EqualTo(expected), $"node {node}");
        }
    }

    [Test]
    public void A_process_that_dies_leaves_every_group_with_procdown()
    {
        var cluster = new Cluster(1, 2);
        cluster.Deliver(1, ProcessGroupTable.Join("a", 5));
        cluster.Deliver(1, ProcessGroupTable.Join("b", 5));
        cluster.Deliver(2, ProcessGroupTable.Join("a", 6));
        cluster.Deliver(2, ProcessGroupTable.Join("b", 6));
        cluster.Take(2);
        cluster.Deliver(1, ProcessGroupTable.ProcessDown(5));
        Assert.That(cluster.Take(2).Select(Describe), Is.EqualTo(new[] { "a: -1/5(ProcessDown) = 2/6", "b: -1/5(ProcessDown) = 2/6" }));
    }

    [Test]
    public void Joining_twice_or_leaving_a_group_one_is_not_in_changes_nothing()
    {
        var cluster = new Cluster(1);
        cluster.Deliver(1, ProcessGroupTable.Join("g", 1));
        cluster.Deliver(1, ProcessGroupTable.Join("g", 1));
        cluster.Deliver(1, ProcessGroupTable.Leave("other", 1));
        Assert.That(cluster.Take(1), Has.Count.EqualTo(1));
        Assert.That(cluster.Tables[1].Groups, Is.EqualTo(new[] { "g" }));
    }

    [Test]
    public void Random_bytes_are_counted_as_malformed_and_never_throw()
    {
        var table = new ProcessGroupTable(1);
        var events = new List<GroupEvent>();
        var random = new Random(1234);
        for (var i = 0; i < 20_000; i++)
        {
            var message = new byte[random.Next(0, 40)];
            random.NextBytes(message);
            if (message.Length > 0)
            {
                message[0] = (byte)random.Next(0, 7);
            }

            Assert.DoesNotThrow(() => table.OnDelivered((uint)random.Next(1, 4), message, events));
        }

        Assert.That(table.MalformedMessages, Is.GreaterThan(10_000));
    }

    [TestCase("")]
    [TestCase("a-name-that-is-far-too-long-for-cpg-because-cpg-limits-group-names-to-one-hundred-and-twenty-eight-bytes-of-utf8-which-this-one-exceeds")]
    public void Group_names_are_one_to_128_bytes(string name)
    {
        Assert.That(() => ProcessGroupTable.Join(name, 1), Throws.ArgumentException);
    }

    private static string Describe(GroupEvent e) => e switch
    {
        GroupMessage m => $"{m.Group}: {m.Sender} says {m.Payload.Length}",
        GroupConfigurationChange c => $"{c.Group}: {string.Join(" ", c.Joined.Select(j => $"+{j.Member}({j.Reason})").Concat(c.Left.Select(l => $"-{l.Member}({l.Reason})")))} = {string.Join(" ", c.Members)}",
        _ => e.ToString(),
    };
}
