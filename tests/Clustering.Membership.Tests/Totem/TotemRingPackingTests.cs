using System.Diagnostics;
using System.Net;
using Clustering.Membership.Totem;
using Clustering.Transport.Redundancy;
using Clustering.Transport.Rings;

namespace Clustering.Membership.Tests.Totem;

/// <summary>The runtime shell's message path: large and small messages whole at every node, bounded admission, clear errors.</summary>
[CancelAfter(90_000)]
[NonParallelizable]
public sealed class TotemRingPackingTests
{
    private static async Task<(RingSet[] Transports, TotemRing[] Rings, List<TotemDelivery>[] Seen, Task[] Readers)> StartAsync(int count, int sendQueue = 1024)
    {
        var network = new InMemoryNetwork(TimeProvider.System, seed: 7) { ReceiveQueueCapacity = 8192 };
        var timings = new Clustering.Transport.Configuration.TotemTimings { Token = TimeSpan.FromMilliseconds(500), Consensus = TimeSpan.FromMilliseconds(600) };
        var transports = new RingSet[count];
        var rings = new TotemRing[count];
        var seen = new List<TotemDelivery>[count];
        var readers = new Task[count];
        for (var n = 0; n < count; n++)
        {
            transports[n] = new RingSet([network.CreateRing(0, new IPEndPoint(IPAddress.Parse($"127.0.5.{n + 1}"), 5405))], null, new RingSetOptions { NodeId = (uint)(n + 1), ReceiveQueueCapacity = 8192, Protection = new Clustering.Transport.Security.FrameProtectorOptions { ClusterName = "packing", Hash = Clustering.Transport.Security.CryptoHash.None, Cipher = Clustering.Transport.Security.CryptoCipher.None } });
            rings[n] = new TotemRing(transports[n], new TotemRingOptions { Timings = timings, SendQueueCapacity = sendQueue });
            var (ring, list) = (rings[n], seen[n] = []);
            readers[n] = Task.Run(async () =>
            {
                await foreach (var e in ring.Events.ReadAllAsync())
                {
                    if (e is TotemDelivery d)
                    {
                        lock (list)
                        {
                            list.Add(d);
                        }
                    }
                }
            });
        }

        return (transports, rings, seen, readers);
    }

    private static async Task StopAsync(RingSet[] transports, TotemRing[] rings, Task[] readers)
    {
        foreach (var ring in rings)
        {
            await ring.DisposeAsync();
        }

        foreach (var transport in transports)
        {
            await transport.DisposeAsync();
        }

        await Task.WhenAll(readers);
    }

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(40))
            {
                Assert.Fail($"not reached within 40 s: {what}");
            }

            await Task.Delay(20);
        }
    }

    [Test]
    public async Task Messages_from_0_bytes_to_1_MiB_arrive_whole_and_in_one_order_at_every_node()
    {
        var (transports, rings, seen, readers) = await StartAsync(3);
        try
        {
            foreach (var ring in rings)
            {
                ring.Start();
            }

            await WaitAsync(() => rings.All(r => r.Configuration?.Members.Count == 3), "one ring of three");
            var random = new Random(5);
            var sizes = new[] { 0, 1, 64, 1024, 1400, 8192, 65536, 1 << 20, 64, 64, 3000 };
            var sent = new List<byte[]>();
            foreach (var size in sizes)
            {
                for (var sender = 0; sender < 3; sender++)
                {
                    var message = new byte[size];
                    random.NextBytes(message);
                    sent.Add(message);
                    await rings[sender].SendAsync(message, size % 2 == 0 ? MessageOrder.Agreed : MessageOrder.Safe);
                }
            }

            await WaitAsync(() => seen.All(s => { lock (s) { return s.Count >= sent.Count; } }), $"{sent.Count} deliveries everywhere");
            var reference = seen[0].Select(d => Convert.ToHexString(d.Payload.Span)).ToList();
            Assert.That(reference, Is.EquivalentTo(sent.Select(Convert.ToHexString)), "every message whole, once");
            for (var n = 1; n < 3; n++)
            {
                Assert.That(seen[n].Select(d => Convert.ToHexString(d.Payload.Span)), Is.EqualTo(reference), $"node {n + 1} order");
            }

            Assert.That(rings.Sum(r => r.MalformedFrames), Is.Zero);
        }
        finally
        {
            await StopAsync(transports, rings, readers);
        }
    }

    [Test]
    public async Task The_send_queue_is_bounded_and_bad_messages_get_clear_errors()
    {
        var (transports, rings, _, readers) = await StartAsync(1, sendQueue: 4);
        try
        {
            // Not started: nothing leaves the queue, so the fifth message is refused.
            for (var i = 0; i < 4; i++)
            {
                Assert.That(rings[0].TrySend(new byte[10]), Is.True);
            }

            Assert.That(rings[0].TrySend(new byte[10]), Is.False);
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
            Assert.ThrowsAsync<TaskCanceledException>(async () => await rings[0].SendAsync(new byte[10], cancellationToken: cancel.Token));
            Assert.Throws<ArgumentException>(() => rings[0].TrySend(new byte[(1 << 20) + 1]));
            Assert.Throws<ArgumentOutOfRangeException>(() => rings[0].TrySend(new byte[1], (MessageOrder)7));

            // Once the ring runs, the queue drains and a waiting sender gets in.
            rings[0].Start();
            await rings[0].SendAsync(new byte[10]);
        }
        finally
        {
            await StopAsync(transports, rings, readers);
        }

        Assert.Throws<ObjectDisposedException>(() => rings[0].TrySend(new byte[1]));
    }
}
