namespace Clustering.IntegrationTests.Processes;

/// <summary>
/// Separate node processes over real UDP on loopback (no root needed): secauth on, two rings in active mode,
/// multicast and unicast. Three processes form one membership and deliver everyone's messages in one order; a
/// process killed with SIGKILL leaves the other two a new, still quorate configuration; SIGTERM leaves cleanly.
/// </summary>
[Category("Processes")]
[NonParallelizable]
[CancelAfter(150_000)]
public sealed class LoopbackProcessTests
{
    private static readonly int[] All = [0, 1, 2];
    private static readonly int[] FirstTwo = [0, 1];

    [TestCase(ProcessTransport.Udp)]
    [TestCase(ProcessTransport.Udpu)]
    public async Task Three_processes_form_one_membership_and_deliver_every_message_in_one_order(ProcessTransport transport)
    {
        await using var cluster = ProcessCluster.OnLoopback(transport, 3);
        await cluster.StartAsync();
        await cluster.WaitForMembershipAsync(All, [1, 2, 3]);
        await cluster.WaitForQuorumAsync(All, quorate: true);
        await ProcessAssertions.GroupHasAsync(cluster, All, 3);
        Assert.That(All.Select(n => cluster[n].Latest("membership")!.RingId).Distinct().Count(), Is.EqualTo(1), "one ring");

        var marks = All.Select(n => cluster[n].Mark).ToArray();
        foreach (var n in All)
        {
            // All three at once, as fast as the ring takes them, messages of 200 bytes (several packed per frame).
            cluster[n].Command("send 400 200 0");
        }

        var sent = new Dictionary<uint, (ulong, ulong)>();
        foreach (var n in All)
        {
            sent[(uint)(n + 1)] = (1, await cluster.WaitForSentAsync(n, marks[n]));
        }

        var stats = await cluster.WaitForDeliveriesAsync(All, sent.ToDictionary(s => s.Key, s => s.Value.Item2));
        ProcessAssertions.EveryMessageOnceInOneOrder(stats, sent);
    }

    [Test]
    public async Task A_process_killed_with_SIGKILL_leaves_the_others_a_quorate_configuration_without_it()
    {
        await using var cluster = ProcessCluster.OnLoopback(ProcessTransport.Udp, 3);
        await cluster.StartAsync();
        await cluster.WaitForMembershipAsync(All, [1, 2, 3]);
        await ProcessAssertions.GroupHasAsync(cluster, All, 3);
        var marks = FirstTwo.Select(n => cluster[n].Mark).ToArray();

        cluster[2].KillHard();
        Assert.That(await cluster[2].WaitForExitAsync(), Is.Not.Zero, "a killed process does not exit cleanly");
        Assert.That(cluster[2].Latest("stopped"), Is.Null, "a killed process says nothing on the way out");

        await cluster.WaitForMembershipAsync(FirstTwo, [1, 2]);
        await cluster.WaitForQuorumAsync(FirstTwo, quorate: true);
        foreach (var n in FirstTwo)
        {
            await cluster[n].WaitForAsync("group", g => g.Left.Contains((3u, "NodeDown")), "with node 3's member gone (NodeDown)", marks[n]);
        }

        // The survivors keep delivering to each other.
        foreach (var n in FirstTwo)
        {
            await cluster[n].ResetAsync();
        }

        var mark = cluster[0].Mark;
        cluster[0].Command("send 100 64 0");
        var last = await cluster.WaitForSentAsync(0, mark);
        var stats = await cluster.WaitForDeliveriesAsync(FirstTwo, new Dictionary<uint, ulong> { [1] = last });
        ProcessAssertions.EveryMessageOnceInOneOrder(stats, new Dictionary<uint, (ulong, ulong)> { [1] = (1, last) });
    }

    [Test]
    public async Task SIGTERM_leaves_the_group_and_the_membership_cleanly()
    {
        await using var cluster = ProcessCluster.OnLoopback(ProcessTransport.Udpu, 3);
        await cluster.StartAsync();
        await cluster.WaitForMembershipAsync(All, [1, 2, 3]);
        await ProcessAssertions.GroupHasAsync(cluster, All, 3);
        var marks = FirstTwo.Select(n => cluster[n].Mark).ToArray();

        cluster[2].Terminate();
        Assert.That(await cluster[2].WaitForExitAsync(), Is.Zero, "SIGTERM is a clean stop");
        Assert.That(cluster[2].Latest("stopped")?.Data.GetProperty("reason").GetString(), Is.EqualTo("signal"));

        foreach (var n in FirstTwo)
        {
            await cluster[n].WaitForAsync("group", g => g.Left.Contains((3u, "Leave")), "with node 3's member leaving (Leave, not NodeDown)", marks[n]);
        }

        await cluster.WaitForMembershipAsync(FirstTwo, [1, 2]);
        await cluster.WaitForQuorumAsync(FirstTwo, quorate: true);
    }
}
