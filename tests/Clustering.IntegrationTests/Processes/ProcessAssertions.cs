namespace Clustering.IntegrationTests.Processes;

/// <summary>The checks every process test makes on what its nodes delivered.</summary>
internal static class ProcessAssertions
{
    /// <summary>
    /// Every receiver delivered every message of every sender exactly once and in sequence (no gap, nothing out of
    /// order, nothing malformed), and all receivers delivered them in one order (equal order digests).
    /// </summary>
    public static void EveryMessageOnceInOneOrder(HostLine[] stats, IReadOnlyDictionary<uint, (ulong First, ulong Last)> sent)
    {
        Assert.Multiple(() =>
        {
            foreach (var receiver in stats)
            {
                var node = receiver.Data.GetProperty("node").GetUInt32();
                Assert.That(receiver.Data.GetProperty("malformed").GetInt64(), Is.Zero, $"malformed messages at node {node}");
                var senders = receiver.Senders;
                Assert.That(senders.Keys, Is.EquivalentTo(sent.Keys), $"senders heard by node {node}");
                foreach (var (sender, range) in sent)
                {
                    if (!senders.TryGetValue(sender, out var counts))
                    {
                        continue;
                    }

                    var expected = (long)(range.Last - range.First + 1);
                    Assert.That(counts, Is.EqualTo(new SenderCounts(expected, range.First, range.Last, 0, 0)),
                        $"node {node}'s deliveries from node {sender} (count, first, last, gaps, out of order)");
                }
            }

            Assert.That(stats.Select(s => s.OrderDigest).Distinct().Count(), Is.EqualTo(1),
                $"one delivery order at every node: {string.Join(", ", stats.Select(s => s.OrderDigest))}");
        });
    }

    /// <summary>Waits until the latest group line of every node in <paramref name="nodes"/> lists <paramref name="count"/> members.</summary>
    public static async Task GroupHasAsync(ProcessCluster cluster, IEnumerable<int> nodes, int count)
    {
        foreach (var n in nodes)
        {
            await cluster[n].WaitForLatestAsync("group", g => g.Members.Length == count, $"a group of {count} members");
        }
    }
}
