using System.Collections.Concurrent;
using System.Diagnostics;
using Clustering.TestSupport;
using Clustering.Transport.Framing;
using Clustering.Transport.Redundancy;
using Clustering.Transport.Security;

namespace Clustering.IntegrationTests.Redundancy;

/// <summary>
/// Three nodes in their own network namespaces, two ring networks (two bridges), secauth on, rrp_mode active:
/// node 3's ring 0 link goes down under traffic; it is marked FAULTY, nothing is lost, and once the link is back the
/// ring recovers by itself. Needs root and <c>ip</c>.
/// </summary>
[Category("Namespaces")]
[NonParallelizable]
[CancelAfter(120_000)]
public sealed class NamespaceRingSetTests
{
    [Test]
    public async Task A_ring_cut_between_namespaces_goes_faulty_loses_nothing_and_recovers()
    {
        using var lab = NetworkLab.Create(3, networkCount: 2);
        using var key = Authkey.Generate();
        var groups = NamespaceRingSets.RandomGroups(2);
        var nodes = new RingSet[3];
        for (var n = 0; n < nodes.Length; n++)
        {
            nodes[n] = NamespaceRingSets.Create(lab, n, groups, key, "netns");
        }

        var sent = new ConcurrentDictionary<(uint, ulong), byte>();
        var delivered = new ConcurrentDictionary<(int, uint, ulong), int>();
        var readers = nodes.Select((node, i) => Task.Run(async () =>
        {
            await foreach (var frame in node.Received.ReadAllAsync())
            {
                using (frame)
                {
                    delivered.AddOrUpdate((i, frame.Header.SenderNodeId, frame.Header.Sequence), 1, (_, c) => c + 1);
                }
            }
        })).ToArray();

        async Task TrafficUntilAsync(Func<bool> condition, TimeSpan limit, string what)
        {
            var clock = Stopwatch.StartNew();
            while (!condition())
            {
                Assert.That(clock.Elapsed, Is.LessThan(limit), $"not reached within {limit.TotalSeconds} s: {what}");
                foreach (var node in nodes)
                {
                    sent.TryAdd((node.NodeId, await node.SendToAllAsync(FrameType.Multicast, "payload"u8.ToArray())), 0);
                }

                await Task.Delay(20);
            }
        }

        try
        {
            await TrafficUntilAsync(() => sent.Count >= 60, TimeSpan.FromSeconds(10), "warm-up traffic");
            Assert.That(nodes.Any(n => n.GetStatus().HasFaults), Is.False);

            lab.Cut(2, network: 0);
            await TrafficUntilAsync(() => nodes[2].GetStatus().Rings[0].IsFaulty, TimeSpan.FromSeconds(15), "node 3's ring 0 FAULTY");
            var faulty = nodes[2].GetStatus();
            Assert.That(faulty.CfgtoolExitCode, Is.EqualTo(1));
            Assert.That(faulty.ToCfgtoolText(), Does.Contain($"Marking ringid 0 interface {lab.Nodes[2].Addresses[0]} FAULTY"));
            Assert.That(faulty.Rings[1].IsFaulty, Is.False);

            lab.Restore(2, network: 0);
            await TrafficUntilAsync(() => nodes.All(n => !n.GetStatus().HasFaults), TimeSpan.FromSeconds(20), "every ring recovered");

            // Every frame sent reached both other nodes exactly once.
            var clock = Stopwatch.StartNew();
            while (Missing(sent, delivered, nodes.Length) > 0 && clock.Elapsed < TimeSpan.FromSeconds(5))
            {
                await Task.Delay(50);
            }

            Assert.That(Missing(sent, delivered, nodes.Length), Is.Zero, "frames lost");
            Assert.That(delivered.Values.Max(), Is.EqualTo(1), "a frame delivered twice");
            Assert.That(nodes.Sum(n => n.Statistics.TotalDropped), Is.Zero);
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }

            await Task.WhenAll(readers);
        }
    }


    private static int Missing(ConcurrentDictionary<(uint, ulong), byte> sent, ConcurrentDictionary<(int, uint, ulong), int> delivered, int nodes)
    {
        var missing = 0;
        foreach (var (from, sequence) in sent.Keys)
        {
            for (var to = 0; to < nodes; to++)
            {
                if (to + 1 != from && !delivered.ContainsKey((to, from, sequence)))
                {
                    missing++;
                }
            }
        }

        return missing;
    }
}
