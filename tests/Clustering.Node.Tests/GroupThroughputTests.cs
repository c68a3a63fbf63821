using System.Buffers.Binary;
using System.Diagnostics;
using Clustering.Membership.Groups;

namespace Clustering.Node.Tests;

/// <summary>
/// A steady stream through one group of three nodes: every member gets every message once, in the sender's order,
/// with the send queue's back-pressure pacing the sender. Prints the rate as measured.
/// </summary>
[CancelAfter(120_000)]
[NonParallelizable]
public sealed class GroupThroughputTests
{
    [TestCase(64, 5000)]
    [TestCase(1024, 3000)]
    public async Task Every_member_receives_every_message_once_in_the_senders_order(int size, int count)
    {
        await using var cluster = new NodeCluster(3, seed: 21, expectedVotes: 3);
        await cluster.StartAsync();
        await NodeCluster.WaitAsync(() => cluster.Nodes.All(n => n.IsQuorate && n.Membership?.Members.Count == 3), "a quorate membership of three");
        var groups = new ClusterGroup[3];
        for (var n = 0; n < 3; n++)
        {
            groups[n] = await cluster.Nodes[n].JoinGroupAsync("bench");
        }

        await NodeCluster.WaitAsync(() => groups.All(g => g.Members.Count == 3), "three members");
        var receivers = groups.Select(g => Task.Run(async () =>
        {
            var expected = 0;
            await foreach (var e in g.ReadEventsAsync())
            {
                if (e is GroupMessage m)
                {
                    var index = BinaryPrimitives.ReadInt32BigEndian(m.Payload.Span);
                    if (index != expected || m.Payload.Length != size)
                    {
                        return $"member {g.Member}: message {index} of {m.Payload.Length} bytes where {expected} of {size} was due";
                    }

                    if (++expected == count)
                    {
                        return null;
                    }
                }
            }

            return $"member {g.Member}: stream ended after {expected}";
        })).ToArray();

        var payload = new byte[size];
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(payload, i);
            await groups[0].SendAsync(payload);
        }

        var failures = await Task.WhenAll(receivers);
        clock.Stop();
        Assert.That(failures.Where(f => f is not null), Is.Empty);
        await TestContext.Out.WriteLineAsync($"{count} x {size} B, 3 nodes in memory, one sender: {count / clock.Elapsed.TotalSeconds:F0} msgs/s delivered at every member");
    }
}
