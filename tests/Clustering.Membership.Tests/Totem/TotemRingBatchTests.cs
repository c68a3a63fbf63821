using System.Diagnostics;
using System.Net;
using System.Text;
using Clustering.Membership.Totem;
using Clustering.Transport.Redundancy;
using Clustering.Transport.Rings;

namespace Clustering.Membership.Tests.Totem;

/// <summary>
/// <see cref="TotemRingOptions.BatchDeliveries"/>: the messages of one turn come as one <see cref="TotemDeliveryBatch"/>,
/// in the same total order at every node, configuration changes stay separate events, a small event queue still
/// bounds what waits for a slow reader, and disposing a batch hands its deliveries back.
/// </summary>
[CancelAfter(90_000)]
[NonParallelizable]
public sealed class TotemRingBatchTests
{
    private sealed class Node
    {
        public required RingSet Transport { get; init; }

        public required TotemRing Ring { get; init; }

        public List<string> Messages { get; } = [];

        public List<string> Log { get; } = [];

        public int Batches { get; set; }

        public int LargestBatch { get; set; }

        public int Singles { get; set; }

        public Task Reader { get; set; } = Task.CompletedTask;
    }

    private static Node[] Start(int count, int eventQueue, TimeSpan readerPause)
    {
        var network = new InMemoryNetwork(TimeProvider.System, seed: 11) { ReceiveQueueCapacity = 8192 };
        var timings = new Clustering.Transport.Configuration.TotemTimings { Token = TimeSpan.FromMilliseconds(500), Consensus = TimeSpan.FromMilliseconds(600) };
        var nodes = new Node[count];
        for (var n = 0; n < count; n++)
        {
            var transport = new RingSet([network.CreateRing(0, new IPEndPoint(IPAddress.Parse($"127.0.6.{n + 1}"), 5405))], null, new RingSetOptions { NodeId = (uint)(n + 1), ReceiveQueueCapacity = 8192, Protection = new Clustering.Transport.Security.FrameProtectorOptions { ClusterName = "batch", Hash = Clustering.Transport.Security.CryptoHash.None, Cipher = Clustering.Transport.Security.CryptoCipher.None } });
            var ring = new TotemRing(transport, new TotemRingOptions { Timings = timings, SendQueueCapacity = 4096, EventQueueCapacity = eventQueue, BatchDeliveries = true, InlineEventReader = true });
            var node = nodes[n] = new Node { Transport = transport, Ring = ring };
            node.Reader = Task.Run(async () =>
            {
                var events = ring.Events;
                while (await events.WaitToReadAsync())
                {
                    while (events.TryRead(out var e))
                    {
                        lock (node)
                        {
                            switch (e)
                            {
                                case TotemDeliveryBatch batch:
                                    Assert.That(batch.Count, Is.Positive, "a batch is never empty");
                                    node.Batches++;
                                    node.LargestBatch = Math.Max(node.LargestBatch, batch.Count);
                                    for (var i = 0; i < batch.Count; i++)
                                    {
                                        node.Messages.Add(Encoding.ASCII.GetString(batch[i].Payload.Span));
                                    }

                                    node.Log.Add("batch");
                                    batch.Dispose();
                                    break;
                                case TotemDelivery single:
                                    node.Singles++;
                                    single.Dispose();
                                    break;
                                case TotemConfigurationChange change:
                                    node.Log.Add(change.IsTransitional ? "transitional" : "regular");
                                    break;
                            }
                        }

                        if (readerPause > TimeSpan.Zero)
                        {
                            await Task.Delay(readerPause);
                        }
                    }
                }
            });
        }

        return nodes;
    }

    private static async Task StopAsync(Node[] nodes)
    {
        foreach (var node in nodes)
        {
            await node.Ring.DisposeAsync();
        }

        foreach (var node in nodes)
        {
            await node.Transport.DisposeAsync();
        }

        await Task.WhenAll(nodes.Select(n => n.Reader));
    }

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                Assert.Fail($"not reached within 60 s: {what}");
            }

            await Task.Delay(20);
        }
    }

    private static int Count(Node node)
    {
        lock (node)
        {
            return node.Messages.Count;
        }
    }

    [Test]
    public async Task Small_messages_come_in_batches_in_one_total_order_at_every_node()
    {
        var nodes = Start(3, eventQueue: 65536, readerPause: TimeSpan.Zero);
        try
        {
            foreach (var node in nodes)
            {
                node.Ring.Start();
            }

            await WaitAsync(() => nodes.All(n => n.Ring.Configuration?.Members.Count == 3), "one ring of three");
            const int PerSender = 1500;
            var senders = nodes.Take(2).Select((node, s) => Task.Run(async () =>
            {
                for (var i = 0; i < PerSender; i++)
                {
                    await node.Ring.SendAsync(Encoding.ASCII.GetBytes($"{s}:{i}"), i % 7 == 0 ? MessageOrder.Safe : MessageOrder.Agreed);
                }
            })).ToArray();
            await Task.WhenAll(senders);
            await WaitAsync(() => nodes.All(n => Count(n) >= 2 * PerSender), "every message everywhere");

            var reference = nodes[0].Messages;
            Assert.That(reference, Has.Count.EqualTo(2 * PerSender), "each message once");
            for (var s = 0; s < 2; s++)
            {
                var mine = reference.Where(m => m.StartsWith($"{s}:", StringComparison.Ordinal)).ToList();
                Assert.That(mine, Is.EqualTo(Enumerable.Range(0, PerSender).Select(i => $"{s}:{i}")), $"sender {s + 1}'s messages in the order sent");
            }

            foreach (var node in nodes)
            {
                Assert.That(node.Messages, Is.EqualTo(reference), "the same total order at every node");
                Assert.That(node.Singles, Is.Zero, "with batching on, deliveries come only in batches");
                Assert.That(node.Log.Where(l => l != "batch"), Does.Contain("regular"), "configuration changes are their own events");
            }

            Assert.That(nodes.Max(n => n.LargestBatch), Is.GreaterThan(1), "packed small messages share a batch");
            Assert.That(nodes.Sum(n => n.Batches), Is.LessThan(nodes.Sum(n => n.Messages.Count)), "fewer wake-ups than messages");
        }
        finally
        {
            await StopAsync(nodes);
        }
    }

    [Test]
    public async Task A_slow_reader_with_a_small_event_queue_still_gets_everything_in_order()
    {
        // 16 batches at most wait for the reader; the ring stops reading frames meanwhile and recovers by retransmission.
        var nodes = Start(2, eventQueue: 16, readerPause: TimeSpan.FromMilliseconds(2));
        try
        {
            foreach (var node in nodes)
            {
                node.Ring.Start();
            }

            await WaitAsync(() => nodes.All(n => n.Ring.Configuration?.Members.Count == 2), "one ring of two");
            const int Total = 3000;
            for (var i = 0; i < Total; i++)
            {
                await nodes[0].Ring.SendAsync(Encoding.ASCII.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }

            await WaitAsync(() => nodes.All(n => Count(n) >= Total), "every message at both nodes");
            var expected = Enumerable.Range(0, Total).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (var node in nodes)
            {
                Assert.That(node.Messages, Is.EqualTo(expected), "in order, each once");
            }
        }
        finally
        {
            await StopAsync(nodes);
        }
    }

    [Test]
    public void Disposing_a_batch_hands_it_and_its_deliveries_back_once_and_steady_reuse_allocates_nothing()
    {
        var deliveries = new TotemDelivery.DeliveryPool(64);
        var batches = new TotemDeliveryBatch.BatchPool(8);
        var ring = new TotemRingId(1, 3);
        var batch = batches.Rent();
        var first = deliveries.Rent(2, ring, 1, MessageOrder.Agreed, "one"u8);
        var second = deliveries.Rent(2, ring, 2, MessageOrder.Agreed, "two"u8);
        batch.Add(first);
        batch.Add(second);
        Assert.That((batch.Count, Encoding.ASCII.GetString(batch[1].Payload.Span)), Is.EqualTo((2, "two")));

        batch.Dispose();
        batch.Dispose(); // only the first call counts
        Assert.Multiple(() =>
        {
            Assert.That(batch.Count, Is.Zero, "emptied");
            Assert.That(first.Payload.IsEmpty && second.Payload.IsEmpty, Is.True, "the deliveries went back with it");
            Assert.That(batches.Rent(), Is.SameAs(batch), "the batch is reused");
            Assert.That(batches.Rent(), Is.Not.SameAs(batch), "and handed out once per dispose");
        });

        void Cycle(int count)
        {
            for (var i = 0; i < count; i++)
            {
                var b = batches.Rent();
                for (var m = 0; m < 20; m++)
                {
                    b.Add(deliveries.Rent(2, ring, (uint)m, MessageOrder.Agreed, "payload"u8));
                }

                b.Dispose();
            }
        }

        Cycle(100);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Cycle(10_000);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero, "bytes allocated for 10000 batches of 20");
    }
}
