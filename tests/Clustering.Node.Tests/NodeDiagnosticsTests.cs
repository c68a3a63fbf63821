using System.Diagnostics.Metrics;
using System.Net;
using Clustering.Membership.Totem;
using Clustering.Node.Internal;
using Clustering.Transport.Redundancy;
using Clustering.Transport.Security;
using Microsoft.Extensions.Logging;

namespace Clustering.Node.Tests;

/// <summary>
/// What an admin and a monitoring system see: Corosync's log wording with stable event ids, the
/// <c>Clustering.Node</c> meter's counters, and a node that drops garbage from a rogue member and counts it
/// instead of failing.
/// </summary>
[CancelAfter(90_000)]
[NonParallelizable]
public sealed class NodeDiagnosticsTests
{
    [Test]
    public async Task Logs_use_Corosyncs_wording_and_the_meter_counts_what_happened()
    {
        var counts = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Clustering.Node")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            lock (counts)
            {
                counts[instrument.Name] = counts.GetValueOrDefault(instrument.Name) + value;
            }
        });
        listener.Start();

        var logs = new ListLoggerFactory();
        await using var cluster = new NodeCluster(3, seed: 11, expectedVotes: 3, logs);
        await cluster.StartAsync();
        await NodeCluster.WaitAsync(() => cluster.Nodes.All(n => n.IsQuorate && n.Membership?.Members.Count == 3), "a quorate membership of three");
        var group = await cluster.Nodes[0].JoinGroupAsync("metrics");
        for (var i = 0; i < 10; i++)
        {
            await group.SendAsync(new byte[] { (byte)i });
        }

        await NodeCluster.WaitAsync(() => Count(counts, "clustering.node.group.messages") >= 10, "10 group messages counted");
        await cluster.Nodes[1].DisposeAsync();
        await cluster.Nodes[2].DisposeAsync();
        await NodeCluster.WaitAsync(() => !cluster.Nodes[0].IsQuorate, "node 1 alone loses quorum");

        var lines = logs.Lines;
        Assert.That(lines, Has.Some.Matches<(int EventId, LogLevel Level, string Text)>(l => l.EventId == 4002 && l.Text == "Members[3]: 1 2 3"));
        Assert.That(lines, Has.Some.Matches<(int EventId, LogLevel Level, string Text)>(l => l.EventId == 4003 && l.Text == "This node is within the primary component and will provide service."));
        Assert.That(lines, Has.Some.Matches<(int EventId, LogLevel Level, string Text)>(l => l.EventId == 4004 && l.Level == LogLevel.Warning && l.Text == "Quorum lost"));
        Assert.That(lines, Has.Some.Matches<(int EventId, LogLevel Level, string Text)>(l => l.EventId == 4001 && l.Text.StartsWith("A new membership (", StringComparison.Ordinal)));
        Assert.That(lines.Select(l => l.EventId).Where(id => id is >= 4000 and < 4100), Is.Not.Empty);

        listener.RecordObservableInstruments();
        Assert.That(Count(counts, "clustering.node.group.messages"), Is.EqualTo(10), "only node 1 had a member of the group");
        Assert.That(Count(counts, "clustering.node.membership.changes"), Is.GreaterThanOrEqualTo(4));
        Assert.That(Count(counts, "clustering.node.quorum.changes"), Is.GreaterThanOrEqualTo(4), "three gains and at least one loss");
        Assert.That(Count(counts, "clustering.node.deliveries"), Is.GreaterThanOrEqualTo(30));
        Assert.That(Count(counts, "clustering.totem.token.rotations"), Is.GreaterThan(0), "the token went round through node 1");
        Assert.That(Count(counts, "clustering.totem.frames.sent"), Is.GreaterThanOrEqualTo(1), "node 1's messages left in frames");
        Assert.That(counts, Does.ContainKey("clustering.totem.retransmits").And.ContainKey("clustering.totem.token.retransmits"), "retransmissions are observed too");
        Assert.That(cluster.Nodes[0].Statistics!.TokenVisits, Is.GreaterThan(0));
    }

    [Test]
    public async Task Garbage_and_inflated_votes_from_a_rogue_member_are_dropped_counted_and_logged()
    {
        var logs = new ListLoggerFactory();
        await using var cluster = new NodeCluster(2, seed: 12, expectedVotes: 3, logs);
        await cluster.StartAsync();

        // A member that speaks Totem but not the node's services.
        await using var rogueRings = new RingSet([cluster.Network.CreateRing(0, new IPEndPoint(IPAddress.Parse("127.0.0.9"), 5405))], null, new RingSetOptions
        {
            NodeId = 9,
            Protection = new FrameProtectorOptions { ClusterName = "node-tests", Hash = CryptoHash.None, Cipher = CryptoCipher.None },
        });
        await using var rogue = new TotemRing(rogueRings, new TotemRingOptions { Timings = NodeCluster.FastTimings });
        _ = Task.Run(async () =>
        {
            await foreach (var e in rogue.Events.ReadAllAsync())
            {
                // Drain.
            }
        });
        rogue.Start();
        var one = cluster.Nodes[0];
        await NodeCluster.WaitAsync(() => one.Membership?.Members.SequenceEqual([1u, 2u, 9u]) == true, "the rogue in the membership");
        await NodeCluster.WaitAsync(() => one.IsQuorate && one.Quorum.TotalVotes == 2, "quorate with the two real nodes' votes");

        foreach (var garbage in new byte[][] { [], [1], [2, 99, 1], [7, 7, 7] })
        {
            await rogue.SendAsync(garbage);
        }

        await rogue.SendAsync(new QuorumInfo(Votes: 5, ExpectedVotes: 3, Flags: 0).Encode());
        var group = await one.JoinGroupAsync("still-works");
        await group.SendAsync(new byte[] { 42 });
        await foreach (var e in group.ReadEventsAsync())
        {
            if (e is Clustering.Membership.Groups.GroupMessage)
            {
                break;
            }
        }

        Assert.That(one.Quorum.TotalVotes, Is.EqualTo(3), "the rogue counts with its configured 1 vote, not the 5 it claims");
        // Node 2 delivers the same messages in the same order, but its dispatcher may still be behind node 1's.
        await NodeCluster.WaitAsync(() => logs.Lines.Count(l => l.EventId == 4008) >= 4 * 2, "four malformed messages logged at each node");
        Assert.That(logs.Lines, Has.Some.Matches<(int EventId, LogLevel Level, string Text)>(l => l.EventId == 4007 && l.Text.Contains("Node 9 advertises 5 vote(s)", StringComparison.Ordinal)));
        Assert.That(one.IsRunning, Is.True);
    }

    private static long Count(Dictionary<string, long> counts, string name)
    {
        lock (counts)
        {
            return counts.GetValueOrDefault(name);
        }
    }
}
