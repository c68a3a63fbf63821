using System.Buffers.Binary;

namespace Clustering.Membership.Totem.Fragmentation;

/// <summary>
/// The receive side of packing: reads the chunks of <see cref="MessagePacker"/> in total order and produces one
/// delivery per whole message. Whole records become slices of the chunk; fragments are gathered in a pooled buffer per
/// sender (from the assembler's own <see cref="FragmentPool"/>). A gap in a sender's chunk counter (chunks of a departed sender that no survivor had) or a malformed chunk
/// drops that sender's partial message, never throws; a continuation without its first fragment is skipped.
/// </summary>
/// <remarks>
/// Ownership: a delivered payload is valid until <see cref="ReleaseDelivered"/> (the processor calls it at the start of
/// its next call); copy it to keep it. <see cref="Reset"/> (a new regular configuration) drops every partial message:
/// every member that installs the configuration has delivered the same chunks before it, so all drop the same ones, and
/// each surviving sender sends its interrupted message again, whole, on the new ring.
/// </remarks>
internal sealed class MessageAssembler
{
    private readonly Dictionary<uint, Sender> _senders = [];
    private readonly List<byte[]> _delivered = [];
    private readonly FragmentPool _buffers;

    /// <summary>Creates an assembler.</summary>
    /// <param name="poisonFreedBuffers">Overwrite fragment buffers when they are recycled (a test aid).</param>
    public MessageAssembler(bool poisonFreedBuffers = false) => _buffers = new FragmentPool(poisonFreedBuffers);

    /// <summary>Chunks (or their tails) that could not be read.</summary>
    public long MalformedChunks { get; private set; }

    /// <summary>Partial messages dropped (configuration change, gap, malformed continuation).</summary>
    public long DroppedPartials { get; private set; }

    /// <summary>Partial messages currently held.</summary>
    public int PartialCount
    {
        get
        {
            var count = 0;
            foreach (var sender in _senders.Values)
            {
                if (sender.Buffer is not null)
                {
                    count++;
                }
            }

            return count;
        }
    }

    /// <summary>
    /// Reads a chunk delivered in <paramref name="ring"/> at <paramref name="seq"/> from <paramref name="origin"/>; appends a
    /// delivery event for every message it completes (its index is the record's place in the chunk).
    /// </summary>
    public void OnChunk(RingId ring, uint seq, uint origin, ReadOnlyMemory<byte> chunk, List<TotemEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var span = chunk.Span;
        if (!_senders.TryGetValue(origin, out var sender))
        {
            sender = new Sender();
            _senders.Add(origin, sender);
        }

        if (span.Length < MessagePacker.ChunkHeader)
        {
            Malformed(sender);
            return;
        }

        var counter = BinaryPrimitives.ReadUInt32LittleEndian(span);
        if (sender.SeenCounter && counter != unchecked(sender.Counter + 1))
        {
            Drop(sender);
        }

        sender.SeenCounter = true;
        sender.Counter = counter;
        var at = MessagePacker.ChunkHeader;
        var index = 0;
        while (at < span.Length)
        {
            if (span.Length - at < MessagePacker.RecordHeader)
            {
                Malformed(sender);
                return;
            }

            var head = span[at];
            var kind = (RecordKind)(head & 0x3);
            var order = (head & MessagePacker.SafeBit) != 0 ? DeliveryOrder.Safe : DeliveryOrder.Agreed;
            var length = BinaryPrimitives.ReadInt32LittleEndian(span[(at + 1)..]);
            at += MessagePacker.RecordHeader;
            var total = 0;
            if (kind == RecordKind.First)
            {
                if (span.Length - at < MessagePacker.FirstExtra)
                {
                    Malformed(sender);
                    return;
                }

                total = BinaryPrimitives.ReadInt32LittleEndian(span[at..]);
                at += MessagePacker.FirstExtra;
            }

            if ((head & 0x7C) != 0 || length < 0 || length > span.Length - at)
            {
                Malformed(sender);
                return;
            }

            var bytes = span.Slice(at, length);
            switch (kind)
            {
                case RecordKind.Whole:
                    Drop(sender);
                    events.Add(Delivery(ring, seq, origin, order, chunk.Slice(at, length), index));
                    break;
                case RecordKind.First:
                    Drop(sender);
                    if (total <= length || total > MessagePacker.MaxMessage)
                    {
                        Malformed(sender);
                        return;
                    }

                    sender.Buffer = _buffers.Rent(total);
                    sender.Total = total;
                    sender.Length = length;
                    bytes.CopyTo(sender.Buffer);
                    break;
                default:
                    if (sender.Buffer is not { } buffer)
                    {
                        // The rest of a message whose start this node never delivered (dropped at a configuration change
                        // or after a gap): skipped, like every member that moved on with this one skips it.
                        break;
                    }

                    var last = kind == RecordKind.Last;
                    if (sender.Length + length > sender.Total || (last && sender.Length + length != sender.Total) || (!last && sender.Length + length == sender.Total))
                    {
                        Malformed(sender);
                        return;
                    }

                    bytes.CopyTo(buffer.AsSpan(sender.Length));
                    sender.Length += length;
                    if (last)
                    {
                        _delivered.Add(buffer);
                        sender.Buffer = null;
                        events.Add(Delivery(ring, seq, origin, order, new ReadOnlyMemory<byte>(buffer, 0, sender.Total), index));
                    }

                    break;
            }

            at += length;
            index++;
        }
    }

    /// <summary>Returns the buffers of fragmented messages delivered since the last call to the pool.</summary>
    public void ReleaseDelivered()
    {
        foreach (var buffer in _delivered)
        {
            _buffers.Return(buffer);
        }

        _delivered.Clear();
    }

    /// <summary>A new regular configuration: every partial message is dropped and every sender's chunk counter forgotten.</summary>
    public void Reset()
    {
        foreach (var sender in _senders.Values)
        {
            Drop(sender);
        }

        _senders.Clear();
    }

    private static TotemEvent Delivery(RingId ring, uint seq, uint origin, DeliveryOrder order, ReadOnlyMemory<byte> payload, int index) =>
        new(TotemEventKind.Delivery, ring, origin, seq, order, payload, null) { Index = index };

    private void Malformed(Sender sender)
    {
        MalformedChunks++;
        Drop(sender);
    }

    private void Drop(Sender sender)
    {
        if (sender.Buffer is { } buffer)
        {
            _buffers.Return(buffer);
            sender.Buffer = null;
            DroppedPartials++;
        }
    }

    private sealed class Sender
    {
        public bool SeenCounter { get; set; }

        public uint Counter { get; set; }

        public byte[]? Buffer { get; set; }

        public int Length { get; set; }

        public int Total { get; set; }
    }
}
