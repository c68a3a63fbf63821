using Clustering.Membership.Totem;

namespace Clustering.Membership.Tests.Totem;

public sealed class TotemCodecTests
{
    private static readonly RingId Ring = new(3, 44);

    [Test]
    public void A_multicast_round_trips()
    {
        var message = new McastMessage(Ring, 7, 5, DeliveryOrder.Safe, new byte[] { 1, 2, 3 });
        Assert.That(TotemCodec.TryDecodeMcast(TotemCodec.Encode(message), out var back), Is.True);
        Assert.That(back!.Ring, Is.EqualTo(Ring));
        Assert.That(back.Seq, Is.EqualTo(7u));
        Assert.That(back.Origin, Is.EqualTo(5u));
        Assert.That(back.Order, Is.EqualTo(DeliveryOrder.Safe));
        Assert.That(back.Payload.ToArray(), Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(back.Recovered, Is.Null);
    }

    [Test]
    public void A_recovery_multicast_carries_the_old_message()
    {
        var old = new McastMessage(new RingId(1, 8), 12, 2, DeliveryOrder.Agreed, new byte[] { 9, 9 });
        var carrier = new McastMessage(Ring, 1, 3, DeliveryOrder.Agreed, ReadOnlyMemory<byte>.Empty, old);
        Assert.That(TotemCodec.TryDecodeMcast(TotemCodec.Encode(carrier), out var back), Is.True);
        Assert.That(back!.Recovered, Is.Not.Null);
        Assert.That(back.Recovered!.Ring, Is.EqualTo(new RingId(1, 8)));
        Assert.That(back.Recovered.Seq, Is.EqualTo(12u));
        Assert.That(back.Recovered.Origin, Is.EqualTo(2u));
        Assert.That(back.Recovered.Payload.ToArray(), Is.EqualTo(new byte[] { 9, 9 }));
        Assert.That(back.Payload.Length, Is.Zero);
    }

    [Test]
    public void A_token_round_trips()
    {
        var token = new TokenMessage { Ring = Ring, TokenSeq = 9, Seq = 100, Aru = 90, AruAddr = 4, Fcc = 17, Backlog = 3, RetransBacklog = 2, InstallSeq = 88 };
        token.Rtr.AddRange([91, 95, 99]);
        Assert.That(TotemCodec.TryDecodeToken(TotemCodec.Encode(token), out var back), Is.True);
        Assert.That(back!.Ring, Is.EqualTo(Ring));
        Assert.That((back.TokenSeq, back.Seq, back.Aru, back.AruAddr, back.Fcc, back.Backlog, back.RetransBacklog), Is.EqualTo((9u, 100u, 90u, 4u, 17u, 3u, 2u)));
        Assert.That(back.InstallSeq, Is.EqualTo(88u));
        Assert.That(back.Rtr, Is.EqualTo(new uint[] { 91, 95, 99 }));
    }

    [Test]
    public void A_token_without_install_seq_round_trips_as_null()
    {
        var token = new TokenMessage { Ring = Ring, Seq = 5, Aru = 5 };
        Assert.That(TotemCodec.TryDecodeToken(TotemCodec.Encode(token), out var back), Is.True);
        Assert.That(back!.InstallSeq, Is.Null);
    }

    [Test]
    public void A_token_decoded_into_a_reused_object_keeps_nothing_of_the_previous_one()
    {
        var first = new TokenMessage { Ring = Ring, TokenSeq = 3, Seq = 50, Aru = 40, AruAddr = 2, InstallSeq = 45 };
        first.Rtr.AddRange([41, 42, 43]);
        var second = new TokenMessage { Ring = new RingId(7, 9), TokenSeq = 4, Seq = 60, Aru = 60 };
        var reused = new TokenMessage();
        Assert.That(TotemCodec.TryDecodeToken(TotemCodec.Encode(first), reused), Is.True);
        Assert.That(reused.Rtr, Is.EqualTo(new uint[] { 41, 42, 43 }));

        Assert.That(TotemCodec.TryDecodeToken(TotemCodec.Encode(second), reused), Is.True);
        Assert.That(reused.Ring, Is.EqualTo(new RingId(7, 9)));
        Assert.That((reused.TokenSeq, reused.Seq, reused.Aru, reused.AruAddr), Is.EqualTo((4u, 60u, 60u, 0u)));
        Assert.That(reused.InstallSeq, Is.Null);
        Assert.That(reused.Rtr, Is.Empty);
    }

    [Test]
    public void A_token_encoded_into_a_larger_buffer_writes_exactly_its_size_and_a_short_buffer_is_refused()
    {
        var token = new TokenMessage { Ring = Ring, TokenSeq = 1, Seq = 10, Aru = 8 };
        token.Rtr.AddRange([9, 10]);
        var buffer = new byte[200];
        Array.Fill(buffer, (byte)0xEE);
        var length = TotemCodec.Encode(token, buffer);
        Assert.That(length, Is.EqualTo(TotemCodec.EncodedSize(token)));
        Assert.That(buffer.AsSpan(0, length).ToArray(), Is.EqualTo(TotemCodec.Encode(token)));
        Assert.That(buffer.AsSpan(length).ToArray(), Is.All.EqualTo((byte)0xEE), "nothing written past the token");
        Assert.Throws<ArgumentException>(() => TotemCodec.Encode(token, new byte[length - 1]));
    }

    [Test]
    public void A_pooled_multicast_decode_copies_the_frame_into_a_pool_buffer()
    {
        var pool = new FramePool(128);
        var frame = TotemCodec.Encode(new McastMessage(Ring, 7, 5, DeliveryOrder.Safe, new byte[] { 1, 2, 3 }));
        Assert.That(TotemCodec.TryDecodeMcast(frame, pool, out var message), Is.True);
        Array.Clear(frame);
        Assert.That(message!.Pooled, Is.True);
        Assert.That(message.Encoded!.Length, Is.EqualTo(128));
        Assert.That(message.EncodedLength, Is.EqualTo(frame.Length));
        Assert.That((message.Ring, message.Seq, message.Origin, message.Order), Is.EqualTo((Ring, 7u, 5u, DeliveryOrder.Safe)));
        Assert.That(message.Payload.ToArray(), Is.EqualTo(new byte[] { 1, 2, 3 }), "the payload lives in the pool's buffer, not the frame");
    }

    [Test]
    public void A_recovery_carrier_is_never_pooled()
    {
        var pool = new FramePool(128);
        var carrier = new McastMessage(Ring, 1, 3, DeliveryOrder.Agreed, ReadOnlyMemory<byte>.Empty, new McastMessage(new RingId(1, 8), 12, 2, DeliveryOrder.Agreed, new byte[] { 9 }));
        Assert.That(TotemCodec.TryDecodeMcast(TotemCodec.Encode(carrier), pool, out var back), Is.True);
        Assert.That(back!.Pooled, Is.False);
        Assert.That(back.Recovered!.Payload.ToArray(), Is.EqualTo(new byte[] { 9 }));
    }

    [Test]
    public void A_join_round_trips()
    {
        var join = new JoinMessage([1, 2, 5], [5], 40);
        Assert.That(TotemCodec.TryDecodeJoin(TotemCodec.Encode(join), out var back), Is.True);
        Assert.That(back!.Proc, Is.EqualTo(new uint[] { 1, 2, 5 }));
        Assert.That(back.Failed, Is.EqualTo(new uint[] { 5 }));
        Assert.That(back.RingSeq, Is.EqualTo(40ul));
    }

    [Test]
    public void A_commit_token_round_trips()
    {
        var entries = new CommitEntry[]
        {
            new() { Node = 3, OldRing = new RingId(1, 4), Aru = 10, HighDelivered = 9, HighReceived = 12, Filled = true },
            new() { Node = 7 },
        };
        var token = new CommitTokenMessage(Ring, entries) { Index = 1 };
        Assert.That(TotemCodec.TryDecodeCommit(TotemCodec.Encode(token), out var back), Is.True);
        Assert.That(back!.Ring, Is.EqualTo(Ring));
        Assert.That(back.Index, Is.EqualTo(1));
        Assert.That(back.Entries, Is.EqualTo(entries));
        Assert.That(back.AllFilled, Is.False);
    }

    [Test]
    public void A_ring_only_message_round_trips()
    {
        Assert.That(TotemCodec.TryDecodeRing(TotemCodec.EncodeRing(Ring), out var back), Is.True);
        Assert.That(back, Is.EqualTo(Ring));
    }

    [Test]
    public void Every_truncation_of_every_message_is_refused()
    {
        foreach (var (bytes, decode) in Samples())
        {
            for (var length = 0; length < bytes.Length; length++)
            {
                Assert.That(decode(bytes.AsSpan(0, length).ToArray()), Is.False, $"length {length} of {bytes.Length}");
            }

            Assert.That(decode([.. bytes, 0]), Is.False, "a trailing byte");
        }
    }

    [Test]
    public void Random_bytes_and_bit_flips_never_throw()
    {
        var random = new Random(1234);
        var samples = Samples().ToList();
        for (var i = 0; i < 20_000; i++)
        {
            var (bytes, decode) = samples[i % samples.Count];
            var copy = (byte[])bytes.Clone();
            if (i % 2 == 0)
            {
                copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
            }
            else
            {
                random.NextBytes(copy);
            }

            Assert.DoesNotThrow(() => decode(copy));
        }
    }

    [Test]
    public void Semantically_invalid_fields_are_refused()
    {
        Assert.That(TotemCodec.TryDecodeMcast(TotemCodec.Encode(new McastMessage(Ring, 0, 5, DeliveryOrder.Agreed, new byte[1])), out _), Is.False, "seq 0");
        Assert.That(TotemCodec.TryDecodeMcast(TotemCodec.Encode(new McastMessage(Ring, 1, 0, DeliveryOrder.Agreed, new byte[1])), out _), Is.False, "origin 0");
        Assert.That(TotemCodec.TryDecodeToken(TotemCodec.Encode(new TokenMessage { Ring = Ring, Seq = 3, Aru = 4 }), out _), Is.False, "aru above seq");
        var token = new TokenMessage { Ring = Ring, Seq = 3, Aru = 1 };
        token.Rtr.Add(9);
        Assert.That(TotemCodec.TryDecodeToken(TotemCodec.Encode(token), out _), Is.False, "request above seq");
        Assert.That(TotemCodec.TryDecodeJoin(TotemCodec.Encode(new JoinMessage([2, 1], [], 1)), out _), Is.False, "unsorted set");
        Assert.That(TotemCodec.TryDecodeJoin(TotemCodec.Encode(new JoinMessage([1, 1], [], 1)), out _), Is.False, "duplicate member");
        Assert.That(TotemCodec.TryDecodeJoin(TotemCodec.Encode(new JoinMessage([], [], 1)), out _), Is.False, "empty proc set");
        var wrongRep = new CommitTokenMessage(new RingId(9, 1), [new CommitEntry { Node = 3 }]);
        Assert.That(TotemCodec.TryDecodeCommit(TotemCodec.Encode(wrongRep), out _), Is.False, "representative not the first member");
        Assert.That(TotemCodec.TryDecodeRing(TotemCodec.EncodeRing(new RingId(0, 1)), out _), Is.False, "representative 0");
    }

    private static IEnumerable<(byte[] Bytes, Func<byte[], bool> Decode)> Samples()
    {
        var token = new TokenMessage { Ring = Ring, TokenSeq = 1, Seq = 10, Aru = 8, InstallSeq = 4 };
        token.Rtr.Add(9);
        yield return (TotemCodec.Encode(new McastMessage(Ring, 3, 2, DeliveryOrder.Agreed, new byte[] { 1, 2, 3, 4 })), b => TotemCodec.TryDecodeMcast(b, out _));
        yield return (TotemCodec.Encode(new McastMessage(Ring, 3, 2, DeliveryOrder.Agreed, ReadOnlyMemory<byte>.Empty, new McastMessage(new RingId(1, 1), 2, 1, DeliveryOrder.Safe, new byte[] { 5 }))), b => TotemCodec.TryDecodeMcast(b, out _));
        yield return (TotemCodec.Encode(token), b => TotemCodec.TryDecodeToken(b, out _));
        yield return (TotemCodec.Encode(token), b => TotemCodec.TryDecodeToken(b, new TokenMessage()));
        yield return (TotemCodec.Encode(new McastMessage(Ring, 3, 2, DeliveryOrder.Agreed, new byte[] { 1, 2, 3, 4 })), b => TotemCodec.TryDecodeMcast(b, new FramePool(64), out _));
        yield return (TotemCodec.Encode(new JoinMessage([1, 2, 3], [3], 8)), b => TotemCodec.TryDecodeJoin(b, out _));
        yield return (TotemCodec.Encode(new CommitTokenMessage(new RingId(1, 8), [new CommitEntry { Node = 1, Filled = true }, new CommitEntry { Node = 2 }])), b => TotemCodec.TryDecodeCommit(b, out _));
        yield return (TotemCodec.EncodeRing(Ring), b => TotemCodec.TryDecodeRing(b, out _));
    }
}
