using Clustering.Membership.Totem.Fragmentation;

namespace Clustering.Membership.Tests.Totem;

public sealed class FragmentationTests
{
    private static byte[] Message(Random random, int size)
    {
        var bytes = new byte[size];
        random.NextBytes(bytes);
        return bytes;
    }

    [Test]
    public void Messages_from_0_bytes_to_1_MiB_come_back_whole_and_in_order_with_senders_interleaved()
    {
        var random = new Random(17);
        var packer = new MessagePacker();
        var sizes = new[] { 0, 1, 10, 200, 1295, 1296, 1300, 5000, 70_000, MessagePacker.MaxMessage };
        var sent = new Dictionary<uint, List<byte[]>>();
        var chunks = new Dictionary<uint, Queue<byte[]>>();
        foreach (var origin in new uint[] { 1, 2, 3 })
        {
            var messages = Enumerable.Range(0, 40).Select(i => Message(random, i < sizes.Length ? sizes[i] : random.Next(0, 3000))).ToList();
            sent[origin] = messages;
            var packed = new List<byte[]>();
            packer.Pack(messages.Select(m => (ReadOnlyMemory<byte>)m), packed);
            Assert.That(packed.Max(c => c.Length), Is.LessThanOrEqualTo(packer.ChunkSize));
            Assert.That(packed.Count, Is.LessThan(messages.Count + (messages.Sum(m => m.Length) / 1000) + 2), "small messages share chunks");
            chunks[origin] = new Queue<byte[]>(packed);
        }

        // The total order interleaves the senders' chunks; each sender's own chunks stay in order.
        var assembler = new MessageAssembler();
        var received = new List<(uint Origin, byte[] Message)>();
        while (chunks.Values.Any(q => q.Count > 0))
        {
            var origin = chunks.Keys.Where(k => chunks[k].Count > 0).ElementAt(random.Next(chunks.Values.Count(q => q.Count > 0)));
            assembler.OnChunk(origin, chunks[origin].Dequeue(), received);
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
    }

    [Test]
    public void A_sender_that_leaves_in_the_middle_of_a_message_loses_only_that_message()
    {
        var packer = new MessagePacker();
        var chunks = new List<byte[]>();
        packer.Pack([new byte[5000]], chunks);
        Assert.That(chunks, Has.Count.GreaterThan(2));
        var assembler = new MessageAssembler();
        var received = new List<(uint, byte[])>();
        assembler.OnChunk(4, chunks[0], received);
        assembler.OnConfiguration([1, 2, 3]);
        Assert.That(assembler.DroppedPartials, Is.EqualTo(1));

        // Later chunks of the departed sender's message no longer make sense and are refused, not glued on.
        assembler.OnChunk(4, chunks[1], received);
        Assert.That(received, Is.Empty);
        Assert.That(assembler.MalformedChunks, Is.EqualTo(1));

        var next = new List<byte[]>();
        packer.Pack([new byte[] { 7 }], next);
        assembler.OnChunk(4, next[0], received);
        Assert.That(received, Has.Count.EqualTo(1));
    }

    [Test]
    public void A_member_that_stays_keeps_its_partial_message_across_a_configuration_change()
    {
        var packer = new MessagePacker();
        var chunks = new List<byte[]>();
        var message = Message(new Random(3), 4000);
        packer.Pack([message], chunks);
        var assembler = new MessageAssembler();
        var received = new List<(uint Origin, byte[] Message)>();
        assembler.OnChunk(2, chunks[0], received);
        assembler.OnConfiguration([1, 2]);
        foreach (var chunk in chunks.Skip(1))
        {
            assembler.OnChunk(2, chunk, received);
        }

        Assert.That(received.Single().Message, Is.EqualTo(message));
    }

    [Test]
    public void Malformed_chunks_are_counted_never_thrown()
    {
        var random = new Random(9);
        var assembler = new MessageAssembler();
        var received = new List<(uint, byte[])>();
        for (var i = 0; i < 5000; i++)
        {
            var junk = Message(random, random.Next(0, 40));
            Assert.DoesNotThrow(() => assembler.OnChunk((uint)(1 + (i % 3)), junk, received));
        }

        Assert.That(assembler.MalformedChunks, Is.GreaterThan(0));
    }

    [Test]
    public void Oversized_messages_and_tiny_mtus_are_refused()
    {
        var packer = new MessagePacker();
        Assert.Throws<ArgumentException>(() => packer.Pack([new byte[MessagePacker.MaxMessage + 1]], []));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new MessagePacker(100));
    }
}
