using System.Buffers.Binary;
using System.Net;
using System.Threading.Channels;
using Clustering.Membership.Groups;
using Clustering.Membership.Quorum;
using Clustering.Node.Internal;
using Clustering.Transport.Rings;

namespace Clustering.Node.Tests;

/// <summary>
/// The dispatcher hands a member the messages of one Totem batch as one item of its queue (<see cref="GroupEventBatch"/>);
/// readers still read one event at a time, in order, and the queue's bound still holds a fast sender back.
/// </summary>
public sealed class GroupBatchTests
{
    private static readonly GroupMember Sender = new(2, 9);

    private static GroupMessage Message(int i)
    {
        Span<byte> payload = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(payload, i);
        return GroupMessage.CreatePooled("g", Sender, payload);
    }

    private static int Number(GroupEvent e) => BinaryPrimitives.ReadInt32LittleEndian(((GroupMessage)e).Payload.Span);

    [Test]
    public async Task The_reader_hands_out_batched_and_single_events_in_queue_order_once_each()
    {
        var pool = new GroupEventBatch.Pool(4);
        var channel = Channel.CreateUnbounded<object>();
        var reads = 0;
        var reader = new GroupEventReader(channel.Reader, () => Interlocked.Increment(ref reads));
        var change = new GroupConfigurationChange("g", [Sender], [], [new GroupMemberChange(Sender, GroupChangeReason.Join)]);
        var first = pool.Rent();
        first.Add(Message(1));
        first.Add(Message(2));
        first.Add(Message(3));
        var second = pool.Rent();
        second.Add(Message(5));
        second.Add(Message(6));
        channel.Writer.TryWrite(Message(0));
        channel.Writer.TryWrite(first);
        channel.Writer.TryWrite(change);
        channel.Writer.TryWrite(Message(4));
        channel.Writer.TryWrite(second);
        channel.Writer.Complete();

        var seen = new List<string>();
        Assert.That(reader.TryRead(out var e0) && Number(e0) == 0, Is.True);
        Assert.That(reader.TryRead(out var e1) && Number(e1) == 1, Is.True);
        var midBatch = reader.WaitToReadAsync();
        Assert.That(midBatch.IsCompletedSuccessfully && midBatch.Result, Is.True, "in the middle of a batch the reader does not wait");
        Assert.That(reader.Completion.IsCompleted, Is.False, "not complete while events remain");
        while (await reader.WaitToReadAsync())
        {
            while (reader.TryRead(out var e))
            {
                seen.Add(e is GroupMessage ? Number(e).ToString(System.Globalization.CultureInfo.InvariantCulture) : "change");
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(seen, Is.EqualTo(new[] { "2", "3", "change", "4", "5", "6" }));
            Assert.That(reads, Is.EqualTo(8), "every event read counted once");
            Assert.That(() => reader.Completion.IsCompletedSuccessfully, Is.True.After(5000, 10), "complete once everything was read");
            Assert.That(pool.Rent(), Is.SameAs(first), "a batch read to its end goes back to the pool");
            Assert.That(pool.Rent(), Is.SameAs(second));
        });
    }

    [Test]
    public void Completion_waits_for_the_batch_being_read()
    {
        var pool = new GroupEventBatch.Pool(4);
        var channel = Channel.CreateUnbounded<object>();
        var reader = new GroupEventReader(channel.Reader, () => { });
        var batch = pool.Rent();
        batch.Add(Message(1));
        batch.Add(Message(2));
        channel.Writer.TryWrite(batch);
        channel.Writer.Complete(new InvalidOperationException("ended"));
        Assert.That(reader.TryRead(out _), Is.True);
        Assert.That(reader.Completion.IsCompleted, Is.False, "the queue is empty, but the batch is not read to its end");
        Assert.That(reader.TryRead(out var last) && Number(last) == 2, Is.True);
        Assert.That(() => reader.Completion.IsFaulted, Is.True.After(5000, 10), "then it completes, with the queue's error");
        Assert.That(reader.TryRead(out _), Is.False);
    }

    [Test]
    public async Task Several_readers_together_get_every_message_of_many_batches_exactly_once()
    {
        var pool = new GroupEventBatch.Pool(64);
        var channel = Channel.CreateBounded<object>(8);
        var reader = new GroupEventReader(channel.Reader, () => { });
        const int Total = 20_000;
        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < Total;)
            {
                var batch = pool.Rent();
                for (var n = 0; n < 1 + (i % 37) && i < Total; n++, i++)
                {
                    batch.Add(Message(i));
                }

                await channel.Writer.WriteAsync(batch);
            }

            channel.Writer.Complete();
        });
        var readers = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            var mine = new List<int>();
            while (await reader.WaitToReadAsync())
            {
                while (reader.TryRead(out var e))
                {
                    mine.Add(Number(e));
                }
            }

            return mine;
        })).ToArray();
        await writer;
        var all = (await Task.WhenAll(readers)).ToList();
        Assert.That(all.SelectMany(m => m).Order(), Is.EqualTo(Enumerable.Range(0, Total)), "each message once");
        foreach (var mine in all)
        {
            Assert.That(mine, Is.Ordered, "each reader sees its share in queue order");
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task A_paused_readers_queue_stays_bounded_and_it_then_reads_everything_in_order()
    {
        const int Capacity = 16;
        const int Total = 3000;
        var network = new InMemoryNetwork(TimeProvider.System, 41);
        var options = new ClusterNodeOptions
        {
            NodeId = 1,
            ClusterName = "batch-tests",
            Timings = NodeCluster.FastTimings,
            Quorum = new VoteQuorumOptions { ExpectedVotes = 1 },
            GroupEventQueueCapacity = Capacity,
            SendQueueCapacity = 64,
        };
        options.Rings.Add(() => network.CreateRing(0, new IPEndPoint(IPAddress.Parse("127.0.0.1"), 5405)));
        await using var node = ClusterNodeBuilder.FromOptions(options).Build();
        await node.StartAsync();
        await using var group = await node.JoinGroupAsync("g");
        var events = group.Events;
        while (events.TryRead(out _))
        {
            // The join's own change.
        }

        // Nobody reads: the member's queue stays bounded (the rest waits in Totem's event queue, itself bounded).
        var sender = Task.Run(async () =>
        {
            var payload = new byte[4];
            for (var i = 0; i < Total; i++)
            {
                BinaryPrimitives.WriteInt32LittleEndian(payload, i);
                await group.SendAsync(payload);
            }
        });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (group.QueuedEvents < Capacity / 2 && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(20);
        }

        await Task.Delay(500);
        Assert.That(group.QueuedEvents, Is.InRange(Capacity / 2, 2 * Capacity), "the member's queue filled, and stays bounded");
        await Task.Delay(500);
        Assert.That(group.QueuedEvents, Is.InRange(Capacity / 2, 2 * Capacity), "nothing more was let in");

        var next = 0;
        while (next < Total && await events.WaitToReadAsync())
        {
            while (events.TryRead(out var e))
            {
                if (e is GroupMessage message)
                {
                    Assert.That(Number(message), Is.EqualTo(next), "in the order sent");
                    next++;
                    message.Dispose();
                }
            }
        }

        await sender.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.That(group.QueuedEvents, Is.Zero);
    }
}
