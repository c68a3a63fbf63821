using System.Buffers.Binary;

namespace Clustering.Membership.Totem;

/// <summary>
/// Turns the Totem messages into payload bytes and back. All integers are little-endian; every length and count is
/// checked before use, and a malformed payload makes <c>TryDecode…</c> return <see langword="false"/> (never throw).
/// The layouts are documented field by field on each method.
/// </summary>
internal static class TotemCodec
{
    /// <summary>Most members a ring may have (and entries in a set or a commit token).</summary>
    public const int MaxMembers = 64;

    /// <summary>Most retransmission requests a token carries.</summary>
    public const int MaxRtr = 256;

    /// <summary>Largest application payload a single multicast carries.</summary>
    public const int MaxPayload = 1 << 20;

    /// <summary>Bytes of an encoded ring id (and of a merge detect or token hold cancel payload).</summary>
    public const int RingIdSize = 12;

    /// <summary>Bytes of a token without its retransmission requests.</summary>
    public const int TokenFixedSize = RingIdSize + (7 * 4) + 1 + 4 + 2;

    private const int McastHeader = RingIdSize + 4 + 4 + 1 + 1;
    private const int RecoveredHeader = RingIdSize + 4 + 4 + 1;
    private const int CommitEntrySize = 4 + RingIdSize + 4 + 4 + 4 + 1;

    /// <summary>Bytes a multicast frame adds around its payload, room for a recovery carrier's header included.</summary>
    public const int McastOverhead = McastHeader + RecoveredHeader + 4;

    /// <summary>
    /// A new multicast with its encoding made at once: the message's payload is a slice of <see cref="McastMessage.Encoded"/>.
    /// With a <paramref name="pool"/>, the message and its buffer are the pool's (<see cref="McastMessage.Pooled"/>).
    /// </summary>
    public static McastMessage CreateMcast(RingId ring, uint seq, uint origin, DeliveryOrder order, ReadOnlySpan<byte> payload, FramePool? pool = null)
    {
        var size = McastHeader + 4 + payload.Length;
        McastMessage message;
        if (pool is not null)
        {
            message = pool.RentMessage(size);
        }
        else
        {
            message = new McastMessage { Encoded = new byte[size] };
        }

        var bytes = message.Encoded!;
        var span = bytes.AsSpan();
        WriteRing(span, ring);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], seq);
        BinaryPrimitives.WriteUInt32LittleEndian(span[16..], origin);
        span[20] = (byte)order;
        span[21] = 0;
        BinaryPrimitives.WriteUInt32LittleEndian(span[McastHeader..], (uint)payload.Length);
        payload.CopyTo(span[(McastHeader + 4)..]);
        message.Set(ring, seq, origin, order, new ReadOnlyMemory<byte>(bytes, McastHeader + 4, payload.Length));
        return message;
    }

    /// <summary>
    /// Multicast: ring id (rep u32, seq u64), seq u32, origin u32, order u8, flags u8 (bit 0: carries a recovered message);
    /// with the flag, the old message's ring id, seq u32, origin u32, order u8; then payload length u32 and the payload.
    /// </summary>
    public static byte[] Encode(McastMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var inner = message.Recovered;
        var payload = inner?.Payload ?? message.Payload;
        var size = McastHeader + (inner is null ? 0 : RecoveredHeader) + 4 + payload.Length;
        var bytes = new byte[size];
        var span = bytes.AsSpan();
        WriteRing(span, message.Ring);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], message.Seq);
        BinaryPrimitives.WriteUInt32LittleEndian(span[16..], message.Origin);
        span[20] = (byte)message.Order;
        span[21] = inner is null ? (byte)0 : (byte)1;
        var at = McastHeader;
        if (inner is not null)
        {
            WriteRing(span[at..], inner.Ring);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(at + 12)..], inner.Seq);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(at + 16)..], inner.Origin);
            span[at + 20] = (byte)inner.Order;
            at += RecoveredHeader;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(span[at..], (uint)payload.Length);
        payload.Span.CopyTo(span[(at + 4)..]);
        return bytes;
    }

    /// <summary>Decodes a multicast; the message keeps a copy of the bytes (<see cref="McastMessage.Encoded"/>) and its payload points into it.</summary>
    public static bool TryDecodeMcast(ReadOnlySpan<byte> data, out McastMessage? message) => TryDecodeMcast(data, null, out message);

    /// <summary>Decodes a multicast; with a <paramref name="pool"/>, a plain one (not a recovery carrier) keeps its copy in a pooled buffer.</summary>
    public static bool TryDecodeMcast(ReadOnlySpan<byte> data, FramePool? pool, out McastMessage? message)
    {
        message = null;
        if (data.Length < McastHeader + 4)
        {
            return false;
        }

        var ring = ReadRing(data);
        var seq = BinaryPrimitives.ReadUInt32LittleEndian(data[12..]);
        var origin = BinaryPrimitives.ReadUInt32LittleEndian(data[16..]);
        var order = data[20];
        var flags = data[21];
        if (seq == 0 || origin == 0 || ring.Representative == 0 || order > 1 || flags > 1)
        {
            return false;
        }

        var at = McastHeader;
        RingId innerRing = default;
        uint innerSeq = 0, innerOrigin = 0;
        byte innerOrder = 0;
        if (flags == 1)
        {
            if (data.Length < at + RecoveredHeader + 4)
            {
                return false;
            }

            innerRing = ReadRing(data[at..]);
            innerSeq = BinaryPrimitives.ReadUInt32LittleEndian(data[(at + 12)..]);
            innerOrigin = BinaryPrimitives.ReadUInt32LittleEndian(data[(at + 16)..]);
            innerOrder = data[at + 20];
            if (innerSeq == 0 || innerOrigin == 0 || innerRing.Representative == 0 || innerOrder > 1)
            {
                return false;
            }

            at += RecoveredHeader;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(data[at..]);
        at += 4;
        if (length > MaxPayload || length != (uint)(data.Length - at))
        {
            return false;
        }

        if (pool is not null && flags == 0)
        {
            // The steady-state path: the message and its copy of the frame are recycled through the processor's pool.
            var recycled = pool.RentMessage(data.Length);
            var buffer = recycled.Encoded!;
            data.CopyTo(buffer);
            recycled.Set(ring, seq, origin, (DeliveryOrder)order, new ReadOnlyMemory<byte>(buffer, at, (int)length));
            message = recycled;
            return true;
        }

        var copy = data.ToArray();
        var payload = new ReadOnlyMemory<byte>(copy, at, (int)length);
        var inner = flags == 1 ? new McastMessage(innerRing, innerSeq, innerOrigin, (DeliveryOrder)innerOrder, payload) : null;
        message = new McastMessage(ring, seq, origin, (DeliveryOrder)order, inner is null ? payload : ReadOnlyMemory<byte>.Empty, inner)
        {
            Encoded = copy,
        };
        return true;
    }

    /// <summary>The encoded size of <paramref name="token"/>.</summary>
    public static int EncodedSize(TokenMessage token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return TokenFixedSize + (4 * token.Rtr.Count);
    }

    /// <summary>The token encoded into a new array (see <see cref="Encode(TokenMessage, Span{byte})"/>).</summary>
    public static byte[] Encode(TokenMessage token)
    {
        var bytes = new byte[EncodedSize(token)];
        Encode(token, bytes);
        return bytes;
    }

    /// <summary>
    /// Token: ring id, token seq u32, seq u32, aru u32, aru owner u32, fcc u32, backlog u32, retransmit backlog u32,
    /// install flag u8 and install seq u32, request count u16 and that many u32 sequence numbers. Written into
    /// <paramref name="destination"/> (at least <see cref="EncodedSize"/> bytes); returns the length.
    /// </summary>
    public static int Encode(TokenMessage token, Span<byte> destination)
    {
        var size = EncodedSize(token);
        if (destination.Length < size)
        {
            throw new ArgumentException($"The token needs {size} bytes, the destination has {destination.Length}.", nameof(destination));
        }

        var span = destination;
        WriteRing(span, token.Ring);
        var at = RingIdSize;
        BinaryPrimitives.WriteUInt32LittleEndian(span[at..], token.TokenSeq);
        BinaryPrimitives.WriteUInt32LittleEndian(span[(at + 4)..], token.Seq);
        BinaryPrimitives.WriteUInt32LittleEndian(span[(at + 8)..], token.Aru);
        BinaryPrimitives.WriteUInt32LittleEndian(span[(at + 12)..], token.AruAddr);
        BinaryPrimitives.WriteUInt32LittleEndian(span[(at + 16)..], token.Fcc);
        BinaryPrimitives.WriteUInt32LittleEndian(span[(at + 20)..], token.Backlog);
        BinaryPrimitives.WriteUInt32LittleEndian(span[(at + 24)..], token.RetransBacklog);
        at += 28;
        span[at] = token.InstallSeq.HasValue ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32LittleEndian(span[(at + 1)..], token.InstallSeq ?? 0);
        at += 5;
        BinaryPrimitives.WriteUInt16LittleEndian(span[at..], (ushort)token.Rtr.Count);
        at += 2;
        foreach (var seq in token.Rtr)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span[at..], seq);
            at += 4;
        }

        return at;
    }

    /// <summary>Decodes a token into a new object.</summary>
    public static bool TryDecodeToken(ReadOnlySpan<byte> data, out TokenMessage? token)
    {
        var t = new TokenMessage();
        token = TryDecodeToken(data, t) ? t : null;
        return token is not null;
    }

    /// <summary>
    /// Decodes a token into <paramref name="into"/> (every field and the request list overwritten; a reused object keeps
    /// its list's capacity). On <see langword="false"/> the object holds garbage.
    /// </summary>
    public static bool TryDecodeToken(ReadOnlySpan<byte> data, TokenMessage into)
    {
        ArgumentNullException.ThrowIfNull(into);
        into.Rtr.Clear();
        if (data.Length < TokenFixedSize)
        {
            return false;
        }

        var t = into;
        t.Ring = ReadRing(data);
        var at = RingIdSize;
        t.TokenSeq = BinaryPrimitives.ReadUInt32LittleEndian(data[at..]);
        t.Seq = BinaryPrimitives.ReadUInt32LittleEndian(data[(at + 4)..]);
        t.Aru = BinaryPrimitives.ReadUInt32LittleEndian(data[(at + 8)..]);
        t.AruAddr = BinaryPrimitives.ReadUInt32LittleEndian(data[(at + 12)..]);
        t.Fcc = BinaryPrimitives.ReadUInt32LittleEndian(data[(at + 16)..]);
        t.Backlog = BinaryPrimitives.ReadUInt32LittleEndian(data[(at + 20)..]);
        t.RetransBacklog = BinaryPrimitives.ReadUInt32LittleEndian(data[(at + 24)..]);
        at += 28;
        var hasInstall = data[at];
        var install = BinaryPrimitives.ReadUInt32LittleEndian(data[(at + 1)..]);
        at += 5;
        int count = BinaryPrimitives.ReadUInt16LittleEndian(data[at..]);
        at += 2;
        if (t.Ring.Representative == 0 || hasInstall > 1 || t.Aru > t.Seq || (hasInstall == 1 && install > t.Seq)
            || count > MaxRtr || data.Length != at + (4 * count))
        {
            return false;
        }

        t.InstallSeq = hasInstall == 1 ? install : null;
        for (var i = 0; i < count; i++)
        {
            var seq = BinaryPrimitives.ReadUInt32LittleEndian(data[(at + (4 * i))..]);
            if (seq == 0 || seq > t.Seq)
            {
                return false;
            }

            t.Rtr.Add(seq);
        }

        return true;
    }

    /// <summary>Join: ring seq u64, proc count u16 and ids u32 (strictly ascending, non-zero), failed count u16 and ids.</summary>
    public static byte[] Encode(JoinMessage join)
    {
        ArgumentNullException.ThrowIfNull(join);
        var bytes = new byte[8 + 2 + (4 * join.Proc.Length) + 2 + (4 * join.Failed.Length)];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt64LittleEndian(span, join.RingSeq);
        var at = WriteSet(span, 8, join.Proc);
        WriteSet(span, at, join.Failed);
        return bytes;
    }

    /// <summary>Decodes a join.</summary>
    public static bool TryDecodeJoin(ReadOnlySpan<byte> data, out JoinMessage? join)
    {
        join = null;
        if (data.Length < 12)
        {
            return false;
        }

        var ringSeq = BinaryPrimitives.ReadUInt64LittleEndian(data);
        var at = 8;
        if (!TryReadSet(data, ref at, out var proc) || !TryReadSet(data, ref at, out var failed) || at != data.Length || proc.Length == 0)
        {
            return false;
        }

        join = new JoinMessage(proc, failed, ringSeq);
        return true;
    }

    /// <summary>
    /// Commit token: ring id, index u16, entry count u16; per entry node u32, old ring id, aru u32, high delivered u32,
    /// high received u32, filled u8. Entries strictly ascending by node id.
    /// </summary>
    public static byte[] Encode(CommitTokenMessage token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var bytes = new byte[RingIdSize + 4 + (CommitEntrySize * token.Entries.Length)];
        var span = bytes.AsSpan();
        WriteRing(span, token.Ring);
        BinaryPrimitives.WriteUInt16LittleEndian(span[12..], (ushort)token.Index);
        BinaryPrimitives.WriteUInt16LittleEndian(span[14..], (ushort)token.Entries.Length);
        var at = 16;
        foreach (var e in token.Entries)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span[at..], e.Node);
            WriteRing(span[(at + 4)..], e.OldRing);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(at + 16)..], e.Aru);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(at + 20)..], e.HighDelivered);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(at + 24)..], e.HighReceived);
            span[at + 28] = e.Filled ? (byte)1 : (byte)0;
            at += CommitEntrySize;
        }

        return bytes;
    }

    /// <summary>Decodes a commit token.</summary>
    public static bool TryDecodeCommit(ReadOnlySpan<byte> data, out CommitTokenMessage? token)
    {
        token = null;
        if (data.Length < RingIdSize + 4)
        {
            return false;
        }

        var ring = ReadRing(data);
        int index = BinaryPrimitives.ReadUInt16LittleEndian(data[12..]);
        int count = BinaryPrimitives.ReadUInt16LittleEndian(data[14..]);
        if (ring.Representative == 0 || count == 0 || count > MaxMembers || index >= count || data.Length != 16 + (CommitEntrySize * count))
        {
            return false;
        }

        var entries = new CommitEntry[count];
        var at = 16;
        for (var i = 0; i < count; i++)
        {
            var filled = data[at + 28];
            entries[i] = new CommitEntry
            {
                Node = BinaryPrimitives.ReadUInt32LittleEndian(data[at..]),
                OldRing = ReadRing(data[(at + 4)..]),
                Aru = BinaryPrimitives.ReadUInt32LittleEndian(data[(at + 16)..]),
                HighDelivered = BinaryPrimitives.ReadUInt32LittleEndian(data[(at + 20)..]),
                HighReceived = BinaryPrimitives.ReadUInt32LittleEndian(data[(at + 24)..]),
                Filled = filled == 1,
            };
            if (filled > 1 || entries[i].Node == 0 || (i > 0 && entries[i].Node <= entries[i - 1].Node))
            {
                return false;
            }

            at += CommitEntrySize;
        }

        if (entries[0].Node != ring.Representative)
        {
            return false;
        }

        token = new CommitTokenMessage(ring, entries) { Index = index };
        return true;
    }

    /// <summary>Merge detect and token hold cancel: just the ring id (<see cref="RingIdSize"/> bytes).</summary>
    public static byte[] EncodeRing(RingId ring)
    {
        var bytes = new byte[RingIdSize];
        WriteRing(bytes, ring);
        return bytes;
    }

    /// <summary>Writes a ring-id-only payload into <paramref name="destination"/> (at least <see cref="RingIdSize"/> bytes); returns its length.</summary>
    public static int EncodeRing(RingId ring, Span<byte> destination)
    {
        WriteRing(destination[..RingIdSize], ring);
        return RingIdSize;
    }

    /// <summary>Decodes a payload that is only a ring id.</summary>
    public static bool TryDecodeRing(ReadOnlySpan<byte> data, out RingId ring)
    {
        ring = default;
        if (data.Length != RingIdSize)
        {
            return false;
        }

        ring = ReadRing(data);
        return ring.Representative != 0;
    }

    private static void WriteRing(Span<byte> span, RingId ring)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(span, ring.Representative);
        BinaryPrimitives.WriteUInt64LittleEndian(span[4..], ring.Sequence);
    }

    private static RingId ReadRing(ReadOnlySpan<byte> data) =>
        new(BinaryPrimitives.ReadUInt32LittleEndian(data), BinaryPrimitives.ReadUInt64LittleEndian(data[4..]));

    private static int WriteSet(Span<byte> span, int at, uint[] set)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(span[at..], (ushort)set.Length);
        at += 2;
        foreach (var id in set)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span[at..], id);
            at += 4;
        }

        return at;
    }

    private static bool TryReadSet(ReadOnlySpan<byte> data, ref int at, out uint[] set)
    {
        set = [];
        if (data.Length < at + 2)
        {
            return false;
        }

        int count = BinaryPrimitives.ReadUInt16LittleEndian(data[at..]);
        at += 2;
        if (count > MaxMembers || data.Length < at + (4 * count))
        {
            return false;
        }

        var ids = new uint[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = BinaryPrimitives.ReadUInt32LittleEndian(data[(at + (4 * i))..]);
            if (ids[i] == 0 || (i > 0 && ids[i] <= ids[i - 1]))
            {
                return false;
            }
        }

        at += 4 * count;
        set = ids;
        return true;
    }
}
