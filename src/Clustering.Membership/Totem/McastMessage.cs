namespace Clustering.Membership.Totem;

/// <summary>
/// An ordered multicast (Totem's <c>mcast</c>): a message with its place in one ring's total order. During recovery a
/// message of an old ring travels inside a new-ring multicast (<see cref="Recovered"/>) so that every survivor of the
/// old ring ends up with the same messages.
/// </summary>
/// <remarks>
/// With <see cref="TotemProcessorOptions.PoolBuffers"/> the processor recycles plain multicasts (not recovery carriers):
/// a <see cref="Pooled"/> message and its <see cref="Encoded"/> buffer come from the processor's <see cref="FramePool"/>
/// and go back to it together once no ring holds the message any more (returned at the start of the processor's next
/// call, so what the last call produced stays readable until then). Nothing may keep a pooled message beyond that.
/// </remarks>
internal sealed class McastMessage
{
    /// <summary>An empty message for a pool; <see cref="Set"/> fills it.</summary>
    public McastMessage()
    {
    }

    /// <summary>Creates a message.</summary>
    public McastMessage(RingId ring, uint seq, uint origin, DeliveryOrder order, ReadOnlyMemory<byte> payload, McastMessage? recovered = null) =>
        Set(ring, seq, origin, order, payload, recovered);

    /// <summary>The ring whose order the message has.</summary>
    public RingId Ring { get; private set; }

    /// <summary>Its sequence number in that ring (from 1).</summary>
    public uint Seq { get; private set; }

    /// <summary>The node that sent it into the ring (for a recovery message, the node that retransmits the old one).</summary>
    public uint Origin { get; private set; }

    /// <summary>The guarantee asked for.</summary>
    public DeliveryOrder Order { get; private set; }

    /// <summary>The application bytes (empty for a recovery carrier).</summary>
    public ReadOnlyMemory<byte> Payload { get; private set; }

    /// <summary>The old ring's message this one carries during recovery, or <see langword="null"/>.</summary>
    public McastMessage? Recovered { get; private set; }

    /// <summary>The encoded bytes, kept so that retransmissions are not encoded again.</summary>
    public byte[]? Encoded { get; set; }

    /// <summary>Bytes of <see cref="Encoded"/> in use when it is a pooled buffer (−1: all of it).</summary>
    public int EncodedLength { get; set; } = -1;

    /// <summary>Whether this object and <see cref="Encoded"/> belong to a <see cref="FramePool"/> (returned together when the message is freed).</summary>
    public bool Pooled { get; set; }

    /// <summary>Whether a ring stored this message (an unstored pooled message is returned at once).</summary>
    public bool Stored { get; set; }

    /// <summary>Sets the message's fields (a new message, or a pooled one being reused).</summary>
    public void Set(RingId ring, uint seq, uint origin, DeliveryOrder order, ReadOnlyMemory<byte> payload, McastMessage? recovered = null)
    {
        Ring = ring;
        Seq = seq;
        Origin = origin;
        Order = order;
        Payload = payload;
        Recovered = recovered;
    }

    /// <summary>Forgets everything (the message goes back to its pool).</summary>
    public void Clear()
    {
        Set(default, 0, 0, DeliveryOrder.Agreed, ReadOnlyMemory<byte>.Empty);
        Encoded = null;
        EncodedLength = -1;
        Pooled = false;
        Stored = false;
    }
}
