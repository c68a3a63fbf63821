using Clustering.Membership.Totem;
using Clustering.Transport.Framing;

namespace Clustering.Membership.Tests.Totem;

public sealed class TotemProcessorTests
{
    private static TotemProcessor Singleton(out List<TotemEvent> events, IRingIdStore? store = null, int capacity = 1024)
    {
        var processor = new TotemProcessor(7, new TotemProcessorOptions { RingIdStore = store, QueueCapacity = capacity });
        processor.Start(0);
        events = [.. processor.Output.Events];
        return processor;
    }

    [Test]
    public void A_lone_node_forms_a_ring_of_itself_with_a_regular_configuration()
    {
        var processor = Singleton(out var events);
        Assert.That(processor.State, Is.EqualTo(TotemState.Operational));
        Assert.That(processor.Members, Is.EqualTo(new uint[] { 7 }));
        var configuration = events.Single(e => e.Kind == TotemEventKind.Configuration).Configuration!;
        Assert.That(configuration.Kind, Is.EqualTo(ConfigurationKind.Regular));
        Assert.That(configuration.Members, Is.EqualTo(new uint[] { 7 }));
        Assert.That(processor.Output.Frames.Any(f => f.Type == FrameType.Join), Is.True, "it announces itself to others");
    }

    [Test]
    public void A_lone_node_delivers_its_own_agreed_and_safe_messages_in_order()
    {
        var processor = Singleton(out _);
        var delivered = new List<(string Text, DeliveryOrder Order)>();
        foreach (var (text, order) in new[] { ("a", DeliveryOrder.Agreed), ("b", DeliveryOrder.Safe), ("c", DeliveryOrder.Agreed) })
        {
            Assert.That(processor.TryEnqueue(System.Text.Encoding.ASCII.GetBytes(text), order, 10), Is.True);
            delivered.AddRange(processor.Output.Events.Where(e => e.Kind == TotemEventKind.Delivery).Select(e => (System.Text.Encoding.ASCII.GetString(e.Payload.Span), e.Order)));
        }

        // Safe needs the token to come round; the hold timer releases it.
        for (var i = 0; i < 5 && delivered.Count < 3; i++)
        {
            processor.OnTimer(TotemTimer.Hold, 1_000_000L * (i + 1));
            delivered.AddRange(processor.Output.Events.Where(e => e.Kind == TotemEventKind.Delivery).Select(e => (System.Text.Encoding.ASCII.GetString(e.Payload.Span), e.Order)));
        }

        Assert.That(delivered.Select(d => d.Text), Is.EqualTo(new[] { "a", "b", "c" }));
        Assert.That(delivered[1].Order, Is.EqualTo(DeliveryOrder.Safe));
    }

    [Test]
    public void A_full_queue_says_try_again()
    {
        var processor = new TotemProcessor(3, new TotemProcessorOptions { QueueCapacity = 2 });
        Assert.That(processor.TryEnqueue(new byte[1], DeliveryOrder.Agreed, 0), Is.True);
        Assert.That(processor.TryEnqueue(new byte[1], DeliveryOrder.Agreed, 0), Is.True);
        Assert.That(processor.TryEnqueue(new byte[1], DeliveryOrder.Agreed, 0), Is.False);
        Assert.That(processor.QueueLength, Is.EqualTo(2));
    }

    [Test]
    public void Bad_arguments_are_typed_errors()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new TotemProcessor(0, new TotemProcessorOptions()));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new TotemProcessor(1, new TotemProcessorOptions { Timings = new TotemTimings { WindowSize = 0 } }));
        var processor = Singleton(out _);
        Assert.Throws<InvalidOperationException>(() => processor.Start(1));
        Assert.Throws<ArgumentException>(() => processor.TryEnqueue(new byte[TotemCodec.MaxPayload + 1], DeliveryOrder.Agreed, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => processor.TryEnqueue(new byte[1], (DeliveryOrder)9, 1));
    }

    [Test]
    public void Malformed_frames_are_counted_and_dropped_never_thrown()
    {
        var processor = Singleton(out _);
        var random = new Random(5);
        foreach (var type in new[] { FrameType.Multicast, FrameType.Token, FrameType.Join, FrameType.CommitToken, FrameType.MergeDetect, FrameType.TokenHoldCancel })
        {
            for (var i = 0; i < 200; i++)
            {
                var junk = new byte[random.Next(0, 64)];
                random.NextBytes(junk);
                Assert.DoesNotThrow(() => processor.OnFrame(9, type, junk, 5));
            }
        }

        Assert.That(processor.MalformedFrames, Is.GreaterThan(1000));
        Assert.That(processor.State, Is.Not.EqualTo(TotemState.Stopped));
    }

    [Test]
    public void A_restarted_node_never_reuses_a_ring_id()
    {
        var store = new InMemoryRingIdStore();
        var first = Singleton(out _, store).Ring;
        var second = Singleton(out _, store).Ring;
        Assert.That(second.Sequence, Is.GreaterThan(first.Sequence));
        Assert.That(store.Load(), Is.GreaterThanOrEqualTo(second.Sequence));
    }

    [Test]
    public void The_file_store_keeps_the_sequence_and_refuses_garbage()
    {
        var directory = Directory.CreateTempSubdirectory("totem-ringid-");
        try
        {
            var store = new FileRingIdStore(directory.FullName, 4);
            Assert.That(store.Load(), Is.Zero);
            var ring = Singleton(out _, store).Ring;
            Assert.That(new FileRingIdStore(directory.FullName, 4).Load(), Is.EqualTo(ring.Sequence));
            Assert.That(Path.GetFileName(store.Path), Is.EqualTo("ringid_4"));
            File.WriteAllText(store.Path, "not a number");
            Assert.Throws<RingIdStoreException>(() => store.Load());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Test]
    public void Timings_have_corosyncs_defaults()
    {
        var t = new TotemTimings();
        Assert.That(t.Token, Is.EqualTo(TimeSpan.FromMilliseconds(1000)));
        Assert.That(t.TokenRetransmitsBeforeLoss, Is.EqualTo(4));
        Assert.That(t.Join, Is.EqualTo(TimeSpan.FromMilliseconds(50)));
        Assert.That(t.EffectiveConsensus, Is.EqualTo(TimeSpan.FromMilliseconds(1200)));
        Assert.That(t.Merge, Is.EqualTo(TimeSpan.FromMilliseconds(200)));
        Assert.That(t.FailReceiveConst, Is.EqualTo(2500));
        Assert.That(t.SeqnoUnchangedConst, Is.EqualTo(30));
        Assert.That(t.MissCountConst, Is.EqualTo(5));
        Assert.That(t.WindowSize, Is.EqualTo(50));
        Assert.That(t.MaxMessages, Is.EqualTo(17));
        Assert.That(t.TokenRetransmit, Is.EqualTo(TimeSpan.FromMilliseconds(238)), "(int)(1000 / 4.2), as Corosync");
        Assert.That(t.Hold, Is.EqualTo(TimeSpan.FromMilliseconds(180)), "(int)(238 * 0.8 - 1000/HZ), as Corosync");
        Assert.That(t.EffectiveToken, Is.EqualTo(TimeSpan.FromMilliseconds(1000)), "no nodelist, no coefficient");
        Assert.That((t with { NodelistSize = 5 }).EffectiveToken, Is.EqualTo(TimeSpan.FromMilliseconds(1000 + (3 * 650))));
    }

    [Test]
    public void A_node_that_lost_its_state_starts_above_the_wall_clock_floor()
    {
        var processor = new TotemProcessor(2, new TotemProcessorOptions { RingSeqFloor = 1_000_000 });
        processor.Start(0);
        Assert.That(processor.Ring.Sequence, Is.GreaterThanOrEqualTo(1_000_000ul));
    }
}
