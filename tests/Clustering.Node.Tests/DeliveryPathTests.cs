using Clustering.Membership.Groups;
using Clustering.Membership.Totem;
using Clustering.Node.Internal;

namespace Clustering.Node.Tests;

/// <summary>
/// The node's delivery path for group data: the header read that the fast path uses agrees with the group codec,
/// and routing a message to a joined handle and reading it zero-copy allocates nothing in steady state.
/// </summary>
public sealed class DeliveryPathTests
{
    [Test]
    public void TheFastPathReadsWhatTheGroupCodecWrites()
    {
        var wire = ClusterNode.Frame(ProcessGroupTable.Send("grüße", 0x01020304, "data"u8));
        var name = new char[GroupData.MaxNameChars];

        var read = GroupData.TryRead(wire, out var nameLength, out var processId, out var dataOffset);
        var decoded = GroupData.TryDecodeName(wire.AsSpan(GroupData.NameOffset, nameLength), name, out var chars);

        Assert.Multiple(() =>
        {
            Assert.That(read && decoded, Is.True);
            Assert.That(new string(name, 0, chars), Is.EqualTo("grüße"));
            Assert.That(processId, Is.EqualTo(0x01020304u));
            Assert.That(wire.AsSpan(dataOffset).ToArray(), Is.EqualTo("data"u8.ToArray()));
        });
    }

    [Test]
    public void TheFastPathLeavesEverythingElseToTheGroupTable()
    {
        var join = ClusterNode.Frame(ProcessGroupTable.Join("g", 1));
        var data = ClusterNode.Frame(ProcessGroupTable.Send("g", 1, []));
        var truncated = data[..^1];
        var invalidName = (byte[])data.Clone();
        invalidName[GroupData.NameOffset] = 0xFF;
        var quorum = (byte[])data.Clone();
        quorum[0] = (byte)NodeService.Quorum;
        var name = new char[GroupData.MaxNameChars];

        Assert.Multiple(() =>
        {
            Assert.That(GroupData.TryRead(join, out _, out _, out _), Is.False, "a join");
            Assert.That(GroupData.TryRead(truncated, out _, out _, out _), Is.False, "a truncated data message");
            Assert.That(GroupData.TryRead(quorum, out _, out _, out _), Is.False, "another service");
            Assert.That(GroupData.TryRead([], out _, out _, out _), Is.False, "nothing");
            Assert.That(GroupData.TryRead(data, out _, out _, out var offset) && offset == data.Length, Is.True, "an empty payload is data");
            Assert.That(GroupData.TryRead(invalidName, out var length, out _, out _), Is.True);
            Assert.That(GroupData.TryDecodeName(invalidName.AsSpan(GroupData.NameOffset, length), name, out _), Is.False, "invalid UTF-8 fails as in the codec");
        });
    }

    [Test]
    public async Task RoutingAGroupMessageAndReadingItZeroCopyAllocatesNothingInSteadyState()
    {
        await using var cluster = new NodeCluster(1, seed: 11, expectedVotes: 1);
        await cluster.StartAsync();
        var node = cluster.Nodes[0];
        await using var group = await node.JoinGroupAsync("zero-copy");
        var sender = new GroupMember(node.NodeId, 4242);
        var payload = new byte[1024];
        var delivery = new TotemDelivery(sender.NodeId, new TotemRingId(1, 1), 1, MessageOrder.Agreed, ClusterNode.Frame(ProcessGroupTable.Send("zero-copy", sender.ProcessId, payload)));
        var events = group.Events;
        while (events.TryRead(out _))
        {
            // Anything before the measurement (the join's own change was read by JoinGroupAsync's caller path).
        }

        var bad = 0;
        void Cycle(int count)
        {
            for (var i = 0; i < count; i++)
            {
                var routed = node.TryRouteGroupDataAsync(delivery, CancellationToken.None);
                if (!routed.IsCompletedSuccessfully || !routed.Result || !events.TryRead(out var e)
                    || e is not GroupMessage { IsPooled: true } message || message.Sender != sender || message.Payload.Length != payload.Length)
                {
                    bad++;
                    continue;
                }

                message.Dispose();
            }
        }

        Cycle(2000);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Cycle(20_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Multiple(() =>
        {
            Assert.That(bad, Is.Zero, "messages not routed or read back intact");
            Assert.That(allocated, Is.Zero, "bytes allocated routing and reading 20000 messages");
        });
    }

    [Test]
    public async Task ReadEventsAsyncYieldsMessagesTheReaderOwns()
    {
        await using var cluster = new NodeCluster(2, seed: 12, expectedVotes: 2);
        await cluster.StartAsync();
        await NodeCluster.WaitAsync(() => cluster.Nodes.All(n => n.Membership?.Members.Count == 2), "a ring of two");
        await using var sending = await cluster.Nodes[0].JoinGroupAsync("owned");
        await using var reading = await cluster.Nodes[1].JoinGroupAsync("owned");
        var kept = new List<GroupMessage>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var reader = Task.Run(async () =>
        {
            await foreach (var e in reading.ReadEventsAsync(timeout.Token))
            {
                if (e is GroupMessage m)
                {
                    kept.Add(m);
                    if (kept.Count == 200)
                    {
                        return;
                    }
                }
            }
        });

        for (var i = 0; i < 200; i++)
        {
            await sending.SendAsync(BitConverter.GetBytes(i));
        }

        await reader;

        Assert.Multiple(() =>
        {
            Assert.That(kept.All(m => !m.IsPooled), Is.True, "every message is a copy");
            Assert.That(kept.Select(m => BitConverter.ToInt32(m.Payload.Span)), Is.EqualTo(Enumerable.Range(0, 200)), "kept messages still hold their own payloads, in order");
        });
    }
}
