using System.Buffers.Binary;
using Clustering.Membership.Totem;
using Clustering.Membership.Totem.Fragmentation;

namespace Clustering.Membership.Tests.Totem;

public sealed class FragmentationTests
{
    private const int Capacity = 1325;
    private static readonly RingId Ring = new(1, 4);

    private static byte[] Message(Random random, int size)
    {
        var bytes = new byte[size];
        random.NextBytes(bytes);
        return bytes;
    }

    private static List<byte[]> Drain(MessagePacker packer, List<DeliveryOrder>? orders = null)
    {
        var chunks = new List<byte[]>();
        var buffer = new byte[packer.ChunkCapacity];
        int length;
        while ((length = packer.WriteChunk(buffer, out var order)) > 0)
        {
            chunks.Add(buffer[..length]);
            orders?.Add(order);
        }

        return chunks;
    }

    [Test]
    public void Messages_from_0_bytes_to_1_MiB_come_back_whole_and_in_order_with_senders_interleaved()
    {
        var random = new Random(17);
        var sizes = new[] { 0, 1, 10, 200, Capacity - 9, Capacity - 8, Capacity, 5000, 70_000, MessagePacker.MaxMessage };
        var sent = new Dictionary<uint, List<byte[]>>();
        var chunks = new Dictionary<uint, Queue<byte[]>>();
        foreach (var origin in new uint[] { 1, 2, 3 })
        {
            var packer = new MessagePacker(Capacity, maxBytes: 4 << 20);
            var messages = Enumerable.Range(0, 40).Select(i => Message(random, i < sizes.Length ? sizes[i] : random.Next(0, 3000))).ToList();
            sent[origin] = messages;
            foreach (var message in messages)
            {
                Assert.That(packer.TryEnqueue(message, DeliveryOrder.Agreed), Is.True);
            }

            var packed = Drain(packer);
            Assert.That(packed.Max(c => c.Length), Is.LessThanOrEqualTo(Capacity));
            Assert.That(packer.Count, Is.Zero);
            Assert.That(packer.QueuedBytes, Is.Zero);
            chunks[origin] = new Queue<byte[]>(packed);
        }

        // The total order interleaves the senders' chunks; each sender's own chunks stay in order.
        var assembler = new MessageAssembler();
        var events = new List<TotemEvent>();
        var received = new List<(uint Origin, byte[] Message)>();
        uint seq = 0;
        while (chunks.Values.Any(q => q.Count > 0))
        {
            var origin = chunks.Keys.Where(k => chunks[k].Count > 0).ElementAt(random.Next(chunks.Values.Count(q => q.Count > 0)));
            events.Clear();
            assembler.OnChunk(Ring, ++seq, origin, chunks[origin].Dequeue(), events);
            received.AddRange(events.Select(e => (e.Origin, e.Payload.ToArray())));
            assembler.ReleaseDelivered();
        }

        foreach (var origin in sent.Keys)
        {
            var mine = received.Where(r => r.Origin == origin).Select(r => r.Message).ToList();
            Assert.That(mine, Has.Count.EqualTo(sent[origin].Count));
            for (var i = 0; i < mine.Count; i++)
            {
                Assert.That(mine[i], Is.EqualTo(sent[origin][i]), $"sender {origin} message {i}");
            }
        }

        Assert.That(assembler.MalformedChunks, Is.Zero);
        Assert.That(assembler.DroppedPartials, Is.Zero);
    }

    [Test]
    public void Small_messages_share_frames_and_each_has_its_own_index_in_the_frame()
    {
        var packer = new MessagePacker(Capacity);
        for (var i = 0; i < 100; i++)
        {
            Assert.That(packer.TryEnqueue(new byte[64], DeliveryOrder.Agreed), Is.True);
        }

        Assert.That(packer.PendingChunks, Is.EqualTo(6), "100 × (64 + 5) bytes in chunks of 1321 usable bytes");
        var chunks = Drain(packer);
        Assert.That(chunks, Has.Count.EqualTo(6));
        var assembler = new MessageAssembler();
        var events = new List<TotemEvent>();
        assembler.OnChunk(Ring, 1, 2, chunks[0], events);
        Assert.That(events, Has.Count.EqualTo(19));
        Assert.That(events.Select(e => e.Index), Is.EqualTo(Enumerable.Range(0, 19)));
        Assert.That(events.All(e => e.Seq == 1 && e.Origin == 2 && e.Payload.Length == 64), Is.True);
    }

    [Test]
    public void A_frame_with_a_safe_message_is_safe_and_each_message_keeps_its_own_order()
    {
        var packer = new MessagePacker(Capacity);
        packer.TryEnqueue([1], DeliveryOrder.Agreed);
        packer.TryEnqueue([2], DeliveryOrder.Safe);
        var orders = new List<DeliveryOrder>();
        var chunks = Drain(packer, orders);
        Assert.That(orders, Is.EqualTo(new[] { DeliveryOrder.Safe }));
        var events = new List<TotemEvent>();
        new MessageAssembler().OnChunk(Ring, 1, 1, chunks[0], events);
        Assert.That(events.Select(e => e.Order), Is.EqualTo(new[] { DeliveryOrder.Agreed, DeliveryOrder.Safe }));

        packer.TryEnqueue([3], DeliveryOrder.Agreed);
        orders.Clear();
        Drain(packer, orders);
        Assert.That(orders, Is.EqualTo(new[] { DeliveryOrder.Agreed }));
    }

    [Test]
    public void A_gap_in_a_departed_senders_chunks_drops_its_partial_message_instead_of_gluing_pieces()
    {
        var packer = new MessagePacker(Capacity);
        var first = Message(new Random(1), 5000);
        var second = Message(new Random(2), 5000);
        packer.TryEnqueue(first, DeliveryOrder.Agreed);
        packer.TryEnqueue(second, DeliveryOrder.Agreed);
        var chunks = Drain(packer);
        Assert.That(chunks, Has.Count.EqualTo(8));

        // Chunks 0..7: the first message ends in chunk 3, the second starts there. Chunk 2 was lost with its sender.
        var assembler = new MessageAssembler();
        var events = new List<TotemEvent>();
        uint seq = 0;
        foreach (var i in new[] { 0, 1, 3, 4, 5, 6, 7 })
        {
            assembler.OnChunk(Ring, ++seq, 9, chunks[i], events);
        }

        Assert.That(events.Select(e => e.Payload.ToArray()), Is.EqualTo(new[] { second }));
        Assert.That(assembler.DroppedPartials, Is.EqualTo(1));
    }

    [Test]
    public void At_a_configuration_change_the_partial_message_is_dropped_and_its_sender_sends_it_again_whole()
    {
        var packer = new MessagePacker(Capacity);
        var big = Message(new Random(3), 4000);
        var small = Message(new Random(4), 100);
        packer.TryEnqueue(big, DeliveryOrder.Agreed);
        packer.TryEnqueue(small, DeliveryOrder.Agreed);
        var buffer = new byte[Capacity];
        var assembler = new MessageAssembler();
        var events = new List<TotemEvent>();

        // One fragment reaches the old configuration, then the new one is installed at sender and receivers alike.
        var length = packer.WriteChunk(buffer, out _);
        assembler.OnChunk(Ring, 1, 2, buffer.AsMemory(0, length), events);
        Assert.That(packer.InFragment, Is.True);
        Assert.That(assembler.PartialCount, Is.EqualTo(1));
        assembler.Reset();
        packer.Restart();
        Assert.That(assembler.DroppedPartials, Is.EqualTo(1));
        Assert.That(packer.InFragment, Is.False);
        Assert.That(packer.QueuedBytes, Is.EqualTo(4100));

        var next = new RingId(1, 8);
        uint seq = 0;
        while ((length = packer.WriteChunk(buffer, out _)) > 0)
        {
            assembler.OnChunk(next, ++seq, 2, buffer.AsMemory(0, length), events);
            for (var i = 0; i < events.Count; i++)
            {
                events[i] = events[i] with { Payload = events[i].Payload.ToArray() };
            }

            assembler.ReleaseDelivered();
        }

        Assert.That(events.Select(e => e.Payload.ToArray()), Is.EqualTo(new[] { big, small }));
        Assert.That(events.All(e => e.Ring == next), Is.True);
    }

    [Test]
    public void A_continuation_whose_start_was_never_delivered_is_skipped()
    {
        var packer = new MessagePacker(Capacity);
        packer.TryEnqueue(new byte[3000], DeliveryOrder.Agreed);
        packer.TryEnqueue([42], DeliveryOrder.Agreed);
        var chunks = Drain(packer);
        var assembler = new MessageAssembler();
        var events = new List<TotemEvent>();
        assembler.OnChunk(Ring, 1, 5, chunks[1], events);
        assembler.OnChunk(Ring, 2, 5, chunks[2], events);
        Assert.That(events.Select(e => e.Payload.ToArray()), Is.EqualTo(new[] { new byte[] { 42 } }));
        Assert.That(assembler.MalformedChunks, Is.Zero);
    }

    [Test]
    public void Malformed_chunks_are_counted_never_thrown()
    {
        var random = new Random(9);
        var assembler = new MessageAssembler();
        var events = new List<TotemEvent>();
        for (var i = 0; i < 5000; i++)
        {
            var junk = Message(random, random.Next(0, 40));
            if (junk.Length > 4 && i % 2 == 0)
            {
                junk[4] = (byte)(i % 4); // a plausible kind, so the lengths are what is wrong
            }

            Assert.DoesNotThrow(() => assembler.OnChunk(Ring, (uint)i + 1, (uint)(1 + (i % 3)), junk, events));
        }

        Assert.That(assembler.MalformedChunks, Is.GreaterThan(0));

        // A first fragment that claims more than 1 MiB is refused.
        var bad = new byte[4 + 9 + 10];
        bad[4] = (byte)RecordKind.First;
        BinaryPrimitives.WriteInt32LittleEndian(bad.AsSpan(5), 10);
        BinaryPrimitives.WriteInt32LittleEndian(bad.AsSpan(9), MessagePacker.MaxMessage + 1);
        var before = assembler.MalformedChunks;
        assembler.OnChunk(Ring, 1, 7, bad, events);
        Assert.That(assembler.MalformedChunks, Is.EqualTo(before + 1));
        Assert.That(assembler.PartialCount, Is.Zero);
    }

    [Test]
    public void The_queue_is_bounded_by_messages_and_bytes_and_oversized_messages_are_refused()
    {
        var packer = new MessagePacker(Capacity, maxMessages: 3, maxBytes: 1000);
        Assert.Throws<ArgumentException>(() => packer.TryEnqueue(new byte[MessagePacker.MaxMessage + 1], DeliveryOrder.Agreed));
        Assert.That(packer.TryEnqueue(new byte[MessagePacker.MaxMessage], DeliveryOrder.Agreed), Is.True, "an empty queue takes any message");
        Assert.That(packer.TryEnqueue(new byte[10], DeliveryOrder.Agreed), Is.False, "over the byte bound");
        Drain(packer);
        Assert.That(packer.TryEnqueue(new byte[10], DeliveryOrder.Agreed), Is.True);
        Assert.That(packer.TryEnqueue(new byte[10], DeliveryOrder.Agreed), Is.True);
        Assert.That(packer.TryEnqueue(new byte[10], DeliveryOrder.Agreed), Is.True);
        Assert.That(packer.TryEnqueue(new byte[10], DeliveryOrder.Agreed), Is.False, "over the message bound");
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new MessagePacker(20));
    }
}
