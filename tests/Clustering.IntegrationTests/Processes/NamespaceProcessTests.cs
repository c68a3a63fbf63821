using Clustering.TestSupport;

namespace Clustering.IntegrationTests.Processes;

/// <summary>
/// Separate node processes, one per network namespace, two bridges = two rings (secauth on, rrp_mode active):
/// ring 0 of one node cut under load loses no message, is marked FAULTY and recovers once the link is back; a
/// partition gives two configurations of which only the majority is quorate, and the heal merges them into one
/// in which messages flow again. Needs root and <c>ip</c>; namespaces and processes are removed even on failure.
/// </summary>
[Category("Namespaces")]
[NonParallelizable]
[CancelAfter(150_000)]
public sealed class NamespaceProcessTests
{
    private static readonly int[] All = [0, 1, 2];
    private static readonly int[] Majority = [0, 1];

    [Test]
    public async Task Ring_0_cut_under_load_loses_no_message_is_marked_FAULTY_and_recovers()
    {
        using var lab = NetworkLab.Create(3, networkCount: 2);
        await using var cluster = ProcessCluster.InLab(lab, ProcessTransport.Udp);
        await cluster.StartAsync();
        await cluster.WaitForMembershipAsync(All, [1, 2, 3]);
        await ProcessAssertions.GroupHasAsync(cluster, All, 3);
        var ring = cluster[0].Latest("membership")!.RingId;
        var membershipLines = All.Select(n => cluster[n].Lines.Count(l => l.Kind == "membership")).ToArray();

        var marks = All.Select(n => cluster[n].Mark).ToArray();
        foreach (var n in All)
        {
            cluster[n].Command("send 4000 100 1000");
        }

        await Task.Delay(500);
        lab.Cut(2, network: 0);
        try
        {
            await WaitForRingsAsync(cluster[2], r => r.Faulty.Contains(0), "ring 0 FAULTY at the cut node");
        }
        finally
        {
            lab.Restore(2, network: 0);
        }

        foreach (var n in All)
        {
            await WaitForRingsAsync(cluster[n], r => r.Faulty.Length == 0, "every ring back in service");
        }

        var sent = new Dictionary<uint, (ulong, ulong)>();
        foreach (var n in All)
        {
            sent[(uint)(n + 1)] = (1, await cluster.WaitForSentAsync(n, marks[n], TimeSpan.FromSeconds(60)));
        }

        var stats = await cluster.WaitForDeliveriesAsync(All, sent.ToDictionary(s => s.Key, s => s.Value.Item2));
        ProcessAssertions.EveryMessageOnceInOneOrder(stats, sent);
        Assert.Multiple(() =>
        {
            foreach (var n in All)
            {
                Assert.That(cluster[n].Lines.Count(l => l.Kind == "membership"), Is.EqualTo(membershipLines[n]),
                    $"node {n + 1}: a ring fault while the other ring works must not change the membership");
                Assert.That(cluster[n].Latest("membership")!.RingId, Is.EqualTo(ring), $"node {n + 1} is still on the same ring");
            }
        });
    }

    [Test]
    public async Task A_partition_gives_two_configurations_only_the_majority_quorate_and_the_heal_merges_them()
    {
        using var lab = NetworkLab.Create(3, networkCount: 2);
        await using var cluster = ProcessCluster.InLab(lab, ProcessTransport.Udpu);
        await cluster.StartAsync();
        await cluster.WaitForMembershipAsync(All, [1, 2, 3]);
        await cluster.WaitForQuorumAsync(All, quorate: true);
        await ProcessAssertions.GroupHasAsync(cluster, All, 3);

        lab.Cut(2, network: 0);
        lab.Cut(2, network: 1);
        await cluster.WaitForMembershipAsync(Majority, [1, 2]);
        await cluster.WaitForMembershipAsync([2], [3]);
        await cluster.WaitForQuorumAsync(Majority, quorate: true);
        await cluster.WaitForQuorumAsync([2], quorate: false);
        Assert.That(cluster[0].Latest("membership")!.RingId, Is.Not.EqualTo(cluster[2].Latest("membership")!.RingId), "two rings");

        // Each side keeps its own order going: node 1's messages reach node 2, node 3's only itself.
        foreach (var n in All)
        {
            await cluster[n].ResetAsync();
        }

        var mark0 = cluster[0].Mark;
        var mark2 = cluster[2].Mark;
        cluster[0].Command("send 200 64 0");
        cluster[2].Command("send 200 64 0");
        var last1 = await cluster.WaitForSentAsync(0, mark0);
        var last3 = await cluster.WaitForSentAsync(2, mark2);
        var majority = await cluster.WaitForDeliveriesAsync(Majority, new Dictionary<uint, ulong> { [1] = last1 });
        ProcessAssertions.EveryMessageOnceInOneOrder(majority, new Dictionary<uint, (ulong, ulong)> { [1] = (1, last1) });
        var minority = await cluster.WaitForDeliveriesAsync([2], new Dictionary<uint, ulong> { [3] = last3 });
        ProcessAssertions.EveryMessageOnceInOneOrder(minority, new Dictionary<uint, (ulong, ulong)> { [3] = (1, last3) });

        lab.Restore(2, network: 0);
        lab.Restore(2, network: 1);
        await cluster.WaitForMembershipAsync(All, [1, 2, 3]);
        await cluster.WaitForQuorumAsync(All, quorate: true);
        Assert.That(All.Select(n => cluster[n].Latest("membership")!.RingId).Distinct().Count(), Is.EqualTo(1), "one merged ring");
        await ProcessAssertions.GroupHasAsync(cluster, All, 3);

        // Messages flow across the healed cluster again, in one order.
        foreach (var n in All)
        {
            await cluster[n].ResetAsync();
        }

        var marks = All.Select(n => cluster[n].Mark).ToArray();
        var firsts = new Dictionary<uint, ulong> { [1] = last1 + 1, [2] = 1, [3] = last3 + 1 };
        foreach (var n in All)
        {
            cluster[n].Command("send 200 64 0");
        }

        var sent = new Dictionary<uint, (ulong, ulong)>();
        foreach (var n in All)
        {
            sent[(uint)(n + 1)] = (firsts[(uint)(n + 1)], await cluster.WaitForSentAsync(n, marks[n]));
        }

        var stats = await cluster.WaitForDeliveriesAsync(All, sent.ToDictionary(s => s.Key, s => s.Value.Item2));
        ProcessAssertions.EveryMessageOnceInOneOrder(stats, sent);
    }

    private static async Task WaitForRingsAsync(NodeProcess node, Func<HostLine, bool> condition, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var rings = await node.RingsAsync();
            if (condition(rings))
            {
                return;
            }

            if (clock.Elapsed > NodeProcess.DefaultTimeout)
            {
                Assert.Fail($"node {node.NodeId}: not {what} within {NodeProcess.DefaultTimeout.TotalSeconds:0} s: {rings.Text}\n{node.Describe()}");
            }

            await Task.Delay(200);
        }
    }
}
