using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using Clustering.Membership.Totem;
using Clustering.Transport.Redundancy;
using Clustering.Transport.Rings;

namespace Clustering.Membership.Tests.Totem;

/// <summary>
/// The owner of the processor (whichever thread brings an input and finds it free): many senders at once, a reader
/// that stalls (back-pressure, then a resumed owner), and disposal while senders are busy.
/// </summary>
[CancelAfter(120_000)]
[NonParallelizable]
public sealed class TotemRingOwnerTests
{
    private static (RingSet[] Transports, TotemRing[] Rings) Create(int count, int eventQueue = 65536, int tokenMilliseconds = 500, int sendQueue = 256)
    {
        var network = new InMemoryNetwork(TimeProvider.System, seed: 21) { ReceiveQueueCapacity = 8192 };
        var timings = new Clustering.Transport.Configuration.TotemTimings { Token = TimeSpan.FromMilliseconds(tokenMilliseconds), Consensus = TimeSpan.FromMilliseconds(tokenMilliseconds * 1.2) };
        var transports = new RingSet[count];
        var rings = new TotemRing[count];
        for (var n = 0; n < count; n++)
        {
            transports[n] = new RingSet([network.CreateRing(0, new IPEndPoint(IPAddress.Parse($"127.0.6.{n + 1}"), 5405))], null, new RingSetOptions { NodeId = (uint)(n + 1), ReceiveQueueCapacity = 8192, Protection = new Clustering.Transport.Security.FrameProtectorOptions { ClusterName = "owner", Hash = Clustering.Transport.Security.CryptoHash.None, Cipher = Clustering.Transport.Security.CryptoCipher.None } });
            rings[n] = new TotemRing(transports[n], new TotemRingOptions { Timings = timings, SendQueueCapacity = sendQueue, EventQueueCapacity = eventQueue });
        }

        return (transports, rings);
    }

    private static async Task StopAsync(RingSet[] transports, TotemRing[] rings)
    {
        foreach (var ring in rings)
        {
            await ring.DisposeAsync();
        }

        foreach (var transport in transports)
        {
            await transport.DisposeAsync();
        }
    }

    /// <summary>Reads a ring's deliveries as (sender thread, index) pairs, disposing each delivery after reading it.</summary>
    private static Task<List<(int Thread, int Index)>> ReadAsync(TotemRing ring, int expected, Func<int, Task>? pause = null) => Task.Run(async () =>
    {
        var seen = new List<(int, int)>();
        while (seen.Count < expected && await ring.Events.WaitToReadAsync())
        {
            while (seen.Count < expected && ring.Events.TryRead(out var e))
            {
                if (e is TotemDelivery d)
                {
                    seen.Add((BinaryPrimitives.ReadInt32LittleEndian(d.Payload.Span), BinaryPrimitives.ReadInt32LittleEndian(d.Payload.Span[4..])));
                    d.Dispose();
                    if (pause is not null)
                    {
                        await pause(seen.Count);
                    }
                }
            }
        }

        return seen;
    });

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

    private static byte[] Message(int thread, int index)
    {
        var message = new byte[64];
        BinaryPrimitives.WriteInt32LittleEndian(message, thread);
        BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(4), index);
        return message;
    }

    [Test]
    public async Task Many_senders_at_once_each_see_their_messages_delivered_once_in_their_order_and_the_same_total_order_everywhere()
    {
        const int Threads = 8;
        const int PerThread = 500;
        var (transports, rings) = Create(3);
        try
        {
            foreach (var ring in rings)
            {
                ring.Start();
            }

            await WaitAsync(() => rings.All(r => r.Configuration?.Members.Count == 3), "one ring of three");
            var readers = rings.Select(r => ReadAsync(r, Threads * PerThread)).ToArray();
            await Task.WhenAll(Enumerable.Range(0, Threads).Select(t => Task.Run(async () =>
            {
                for (var i = 0; i < PerThread; i++)
                {
                    await rings[t % 3].SendAsync(Message(t, i));
                }
            })));

            var seen = await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(60));
            for (var t = 0; t < Threads; t++)
            {
                Assert.That(seen[0].Where(m => m.Thread == t).Select(m => m.Index), Is.EqualTo(Enumerable.Range(0, PerThread)), $"sender {t}: every message once, in its order");
            }

            Assert.That(seen[1], Is.EqualTo(seen[0]), "node 2 delivers in node 1's order");
            Assert.That(seen[2], Is.EqualTo(seen[0]), "node 3 delivers in node 1's order");
        }
        finally
        {
            await StopAsync(transports, rings);
        }
    }

    [Test]
    public async Task A_sender_held_back_by_a_full_send_queue_resumes_once_half_of_it_has_gone_out()
    {
        // 1 KiB messages: one per frame, so a token visit sends at most max_messages (17) of them. A sender that
        // resumed after every visit would wait about Count / 17 times; resumed at half a queue of 64 it waits at
        // most Count / 32 times (plus the first), and each resumption refills at least half the queue.
        const int Capacity = 64;
        const int Count = 3200;
        var (transports, rings) = Create(3, sendQueue: Capacity);
        try
        {
            foreach (var ring in rings)
            {
                ring.Start();
            }

            await WaitAsync(() => rings.All(r => r.Configuration?.Members.Count == 3), "one ring of three");
            var readers = rings.Select(r => ReadAsync(r, Count)).ToArray();
            var waits = await Task.Run(async () =>
            {
                var suspended = 0;
                var message = new byte[1024];
                for (var i = 0; i < Count; i++)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(4), i);
                    var send = rings[0].SendAsync(message);
                    if (!send.IsCompleted)
                    {
                        suspended++;
                    }

                    await send;
                }

                return suspended;
            });

            var seen = await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.That(seen[0].Select(m => m.Index), Is.EqualTo(Enumerable.Range(0, Count)), "every message once, in order");
            Assert.That(waits, Is.GreaterThan(0), "the queue filled: the sender was held back");
            Assert.That(waits, Is.LessThanOrEqualTo((Count / (Capacity / 2)) + 1), "each wait ends with room for half a queue");
        }
        finally
        {
            await StopAsync(transports, rings);
        }
    }

    [Test]
    public async Task A_reader_that_stalls_with_a_full_event_queue_loses_nothing_when_it_reads_again()
    {
        // The stall lasts 200 ms plus however late this test's continuations run: on a loaded 2-core machine that can
        // be hundreds of milliseconds more, so the token timeout is 2 s here (with 500 ms, a 300 ms scheduling delay
        // turned the stall into a token loss and a membership change, which is not what this test is about).
        const int Count = 3000;
        var (transports, rings) = Create(3, eventQueue: 16, tokenMilliseconds: 2000);
        try
        {
            foreach (var ring in rings)
            {
                ring.Start();
            }

            await WaitAsync(() => rings.All(r => r.Configuration?.Members.Count == 3), "one ring of three");
            var stall = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var stalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var readers = new[]
            {
                ReadAsync(rings[0], Count),
                ReadAsync(rings[1], Count, async n =>
                {
                    if (n == 100)
                    {
                        stalled.TrySetResult();
                        await stall.Task;
                    }
                }),
                ReadAsync(rings[2], Count),
            };
            var sender = Task.Run(async () =>
            {
                for (var i = 0; i < Count; i++)
                {
                    await rings[0].SendAsync(Message(0, i));
                }
            });

            await stalled.Task.WaitAsync(TimeSpan.FromSeconds(40));
            // Well within the token timeout: the ring waits for the member instead of declaring it failed.
            var stallClock = Stopwatch.StartNew();
            await Task.Delay(200);
            var ringBefore = rings[0].Configuration?.Ring;
            stall.SetResult();
            var stalledFor = stallClock.Elapsed;
            await sender.WaitAsync(TimeSpan.FromSeconds(60));
            var seen = await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(60));

            Assert.Multiple(() =>
            {
                Assert.That(seen[0].Select(m => m.Index), Is.EqualTo(Enumerable.Range(0, Count)), "every message once, in order");
                Assert.That(rings[0].Configuration?.Ring, Is.EqualTo(ringBefore), $"no membership change (the reader stalled {stalledFor.TotalMilliseconds:0} ms after it was seen stalling)");
                Assert.That(seen[1], Is.EqualTo(seen[0]));
                Assert.That(seen[2], Is.EqualTo(seen[0]));
            });
        }
        finally
        {
            await StopAsync(transports, rings);
        }
    }

    [Test]
    public async Task Disposing_while_senders_are_busy_ends_promptly()
    {
        var (transports, rings) = Create(2);
        try
        {
            foreach (var ring in rings)
            {
                ring.Start();
            }

            await WaitAsync(() => rings.All(r => r.Configuration?.Members.Count == 2), "one ring of two");
            using var stop = new CancellationTokenSource();
            var senders = Enumerable.Range(0, 4).Select(t => Task.Run(async () =>
            {
                var i = 0;
                try
                {
                    while (!stop.IsCancellationRequested)
                    {
                        await rings[t % 2].SendAsync(Message(t, i++), MessageOrder.Agreed, stop.Token);
                    }
                }
                catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException)
                {
                    // The ring went away under the sender: expected.
                }
            })).ToArray();
            await Task.Delay(300);
            var clock = Stopwatch.StartNew();
            await rings[0].DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            await rings[1].DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            var disposal = clock.Elapsed;
            await stop.CancelAsync();
            await Task.WhenAll(senders).WaitAsync(TimeSpan.FromSeconds(10));

            Assert.That(disposal, Is.LessThan(TimeSpan.FromSeconds(5)));
            foreach (var ring in rings)
            {
                await foreach (var e in ring.Events.ReadAllAsync().WithCancellation(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token))
                {
                    (e as TotemDelivery)?.Dispose();
                }

                Assert.That(ring.Events.Completion.IsCompletedSuccessfully, Is.True, "the event stream ends after the deliveries made before disposal");
            }
        }
        finally
        {
            await StopAsync(transports, rings);
        }
    }
}
