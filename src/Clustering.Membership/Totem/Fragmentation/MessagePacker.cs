using System.Buffers.Binary;

namespace Clustering.Membership.Totem.Fragmentation;

/// <summary>
/// The send side of packing (Corosync's totempg): a bounded queue of application messages (0 B to 1 MiB, copied into
/// pooled buffers) cut into chunks of at most <see cref="ChunkCapacity"/> bytes, one chunk per Totem multicast frame.
/// Several small messages share a chunk; a large one is cut into fragments across chunks.
/// </summary>
/// <remarks>
/// A chunk is a counter (u32, little-endian: this sender's chunk number, so a receiver sees a gap in a sender's
/// chunks) followed by records: a kind byte (<see cref="RecordKind"/> in bits 0–1, bit 7 set for a safe message),
/// the record's byte count (u32), for a <see cref="RecordKind.First"/> record the message's total length (u32), then
/// the bytes. Not thread-safe: the processor's owner drives it.
/// </remarks>
internal sealed class MessagePacker
{
    /// <summary>The largest application message.</summary>
    public const int MaxMessage = 1 << 20;

    /// <summary>Bytes of the chunk header (the sender's chunk counter).</summary>
    public const int ChunkHeader = 4;

    /// <summary>Bytes of a record's header (kind and length).</summary>
    public const int RecordHeader = 5;

    /// <summary>Extra header bytes of a first fragment (the total length).</summary>
    public const int FirstExtra = 4;

    /// <summary>Bit 7 of the kind byte: the message asked for safe delivery.</summary>
    public const byte SafeBit = 0x80;

    /// <summary>The smallest chunk capacity.</summary>
    public const int MinChunkCapacity = ChunkHeader + RecordHeader + FirstExtra + 16;

    private readonly Queue<Pending> _queue = new();
    private readonly int _maxMessages;
    private readonly long _maxBytes;
    private int _offset;
    private uint _counter;

    /// <summary>Creates a packer.</summary>
    /// <param name="chunkCapacity">The largest chunk (the frame's payload budget).</param>
    /// <param name="maxMessages">How many messages may wait.</param>
    /// <param name="maxBytes">How many bytes may wait (a message is always accepted into an empty queue).</param>
    public MessagePacker(int chunkCapacity, int maxMessages = 1024, long maxBytes = 16 << 20)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkCapacity, MinChunkCapacity);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        ChunkCapacity = chunkCapacity;
        _maxMessages = maxMessages;
        _maxBytes = maxBytes;
    }

    /// <summary>The largest chunk this packer makes.</summary>
    public int ChunkCapacity { get; }

    /// <summary>Messages waiting (the one being fragmented included).</summary>
    public int Count => _queue.Count;

    /// <summary>Bytes of messages waiting, not yet put in a chunk.</summary>
    public long QueuedBytes { get; private set; }

    /// <summary>Whether the head message has been partly sent (some of its fragments are in chunks already).</summary>
    public bool InFragment => _offset > 0;

    /// <summary>How many chunks what waits needs, about (the flow-control backlog, counted in frames as Corosync does).</summary>
    public int PendingChunks => _queue.Count == 0 ? 0 : (int)Math.Min(int.MaxValue, (QueuedBytes + (_queue.Count * (long)RecordHeader) + ChunkCapacity - ChunkHeader - 1) / (ChunkCapacity - ChunkHeader));

    /// <summary>Whether a message of <paramref name="length"/> bytes would be accepted now.</summary>
    public bool HasRoomFor(int length) => _queue.Count == 0 || (_queue.Count < _maxMessages && QueuedBytes + length <= _maxBytes);

    /// <summary>Copies a message into the queue; <see langword="false"/> when the queue is full (try again later).</summary>
    /// <exception cref="ArgumentException">The message is larger than <see cref="MaxMessage"/>.</exception>
    public bool TryEnqueue(ReadOnlySpan<byte> message, DeliveryOrder order)
    {
        if (message.Length > MaxMessage)
        {
            throw new ArgumentException($"A message may have at most {MaxMessage} bytes, not {message.Length}.", nameof(message));
        }

        if (!HasRoomFor(message.Length))
        {
            return false;
        }

        var buffer = MessageBuffers.Rent(message.Length);
        message.CopyTo(buffer);
        _queue.Enqueue(new Pending(buffer, message.Length, order));
        QueuedBytes += message.Length;
        return true;
    }

    /// <summary>
    /// Queues a message already copied into <paramref name="buffer"/> (from <see cref="MessageBuffers.Rent"/>): on
    /// success the packer owns the buffer and returns it once the message is in chunks.
    /// </summary>
    public bool TryEnqueueOwned(byte[] buffer, int length, DeliveryOrder order)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Math.Min(buffer.Length, MaxMessage));
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (!HasRoomFor(length))
        {
            return false;
        }

        _queue.Enqueue(new Pending(buffer, length, order));
        QueuedBytes += length;
        return true;
    }

    /// <summary>Messages put whole into chunks since the packer was made (their last record written).</summary>
    public long MessagesPacked { get; private set; }

    /// <summary>
    /// Writes the next chunk into <paramref name="destination"/> (at least <see cref="ChunkCapacity"/> bytes) and
    /// returns its length (0 when nothing waits). <paramref name="order"/> is <see cref="DeliveryOrder.Safe"/> when any
    /// record in it is safe: the frame is then delivered only once safe, and the agreed messages in it with it.
    /// </summary>
    public int WriteChunk(Span<byte> destination, out DeliveryOrder order)
    {
        order = DeliveryOrder.Agreed;
        if (_queue.Count == 0)
        {
            return 0;
        }

        destination = destination[..ChunkCapacity];
        BinaryPrimitives.WriteUInt32LittleEndian(destination, ++_counter);
        var used = ChunkHeader;
        while (_queue.TryPeek(out var head))
        {
            var space = destination.Length - used;
            var remaining = head.Length - _offset;
            RecordKind kind;
            int take;
            if (_offset == 0)
            {
                if (remaining + RecordHeader <= space)
                {
                    (kind, take) = (RecordKind.Whole, remaining);
                }
                else if (space > RecordHeader + FirstExtra)
                {
                    (kind, take) = (RecordKind.First, space - RecordHeader - FirstExtra);
                }
                else
                {
                    break;
                }
            }
            else if (remaining + RecordHeader <= space)
            {
                (kind, take) = (RecordKind.Last, remaining);
            }
            else if (space > RecordHeader)
            {
                (kind, take) = (RecordKind.Middle, space - RecordHeader);
            }
            else
            {
                break;
            }

            var safe = head.Order == DeliveryOrder.Safe;
            if (safe)
            {
                order = DeliveryOrder.Safe;
            }

            destination[used] = (byte)((byte)kind | (safe ? SafeBit : 0));
            BinaryPrimitives.WriteInt32LittleEndian(destination[(used + 1)..], take);
            used += RecordHeader;
            if (kind == RecordKind.First)
            {
                BinaryPrimitives.WriteInt32LittleEndian(destination[used..], head.Length);
                used += FirstExtra;
            }

            head.Buffer.AsSpan(_offset, take).CopyTo(destination[used..]);
            used += take;
            QueuedBytes -= take;
            if (kind is RecordKind.Whole or RecordKind.Last)
            {
                _queue.Dequeue();
                _offset = 0;
                MessagesPacked++;
                MessageBuffers.Return(head.Buffer);
            }
            else
            {
                _offset += take;
                break;
            }
        }

        return used;
    }

    /// <summary>
    /// A new configuration was installed: receivers dropped every partial message, so the message being fragmented
    /// starts again from its first fragment on the new ring.
    /// </summary>
    public void Restart()
    {
        QueuedBytes += _offset;
        _offset = 0;
    }

    private readonly record struct Pending(byte[] Buffer, int Length, DeliveryOrder Order);
}
