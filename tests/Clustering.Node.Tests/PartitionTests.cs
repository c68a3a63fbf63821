using Clustering.Membership.Groups;

namespace Clustering.Node.Tests;

/// <summary>
/// A network partition and its healing through the whole node: only the majority side stays quorate, group members
/// across the cut leave with NODEDOWN and come back with NODEUP when the partitions merge.
/// </summary>
[CancelAfter(120_000)]
[NonParallelizable]
public sealed class PartitionTests
{
    [Test]
    public async Task A_minority_partition_loses_quorum_and_group_members_return_with_NODEUP_after_healing()
    {
        await using var cluster = new NodeCluster(3, seed: 31, expectedVotes: 3);
        var (one, three) = (cluster.Nodes[0], cluster.Nodes[2]);
        await cluster.StartAsync();
        await NodeCluster.WaitAsync(() => cluster.Nodes.All(n => n.IsQuorate && n.Membership?.Members.Count == 3), "a quorate membership of three");
        var groups = new ClusterGroup[3];
        var seen = new List<GroupEvent>[3];
        for (var n = 0; n < 3; n++)
        {
            groups[n] = await cluster.Nodes[n].JoinGroupAsync("p");
            seen[n] = Record(groups[n]);
        }

        await NodeCluster.WaitAsync(() => groups.All(g => g.Members.Count == 3), "three members");

        cluster.Network.Partition([cluster.EndPoints[0], cluster.EndPoints[1]], [cluster.EndPoints[2]]);
        await NodeCluster.WaitAsync(() => one.Membership?.Members.SequenceEqual([1u, 2u]) == true && three.Membership?.Members.SequenceEqual([3u]) == true, "partitions {1,2} and {3}");
        await NodeCluster.WaitAsync(() => !three.IsQuorate, "the minority loses quorum");
        Assert.That(one.IsQuorate, Is.True, "the majority keeps quorum");
        Assert.That(cluster.Nodes.Count(n => n.IsQuorate), Is.EqualTo(2), "never both sides");
        await NodeCluster.WaitAsync(() => Reasons(seen[0]).Contains((groups[2].Member, GroupChangeReason.NodeDown, false)), "node 3's member NODEDOWN at node 1");
        await NodeCluster.WaitAsync(() => Reasons(seen[2]).Contains((groups[0].Member, GroupChangeReason.NodeDown, false)), "node 1's member NODEDOWN at node 3");

        cluster.Network.Heal();
        await NodeCluster.WaitAsync(() => cluster.Nodes.All(n => n.Membership?.Members.Count == 3), "one membership again");
        await NodeCluster.WaitAsync(() => three.IsQuorate, "node 3 quorate again");
        await NodeCluster.WaitAsync(() => Reasons(seen[0]).Contains((groups[2].Member, GroupChangeReason.NodeUp, true)), "node 3's member NODEUP at node 1");
        await NodeCluster.WaitAsync(() => Reasons(seen[2]).Contains((groups[0].Member, GroupChangeReason.NodeUp, true)), "node 1's member NODEUP at node 3");
        await NodeCluster.WaitAsync(() => groups.All(g => g.Members.Count == 3), "three members after the merge");
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

    private static List<(GroupMember Member, GroupChangeReason Reason, bool Joined)> Reasons(List<GroupEvent> seen)
    {
        lock (seen)
        {
            return [.. seen.OfType<GroupConfigurationChange>().SelectMany(c =>
                c.Joined.Select(j => (j.Member, j.Reason, true)).Concat(c.Left.Select(l => (l.Member, l.Reason, false))))];
        }
    }
}
