namespace Clustering.Membership.Totem;

/// <summary>
/// An ordered multicast (Totem's <c>mcast</c>): a message with its place in one ring's total order. During recovery a
/// message of an old ring travels inside a new-ring multicast (<see cref="Recovered"/>) so that every survivor of the
/// old ring ends up with the same messages.
/// </summary>
internal sealed class McastMessage
{
    /// <summary>Creates a message.</summary>
    public McastMessage(RingId ring, uint seq, uint origin, DeliveryOrder order, ReadOnlyMemory<byte> payload, McastMessage? recovered = null)
    {
        Ring = ring;
        Seq = seq;
        Origin = origin;
        Order = order;
        Payload = payload;
        Recovered = recovered;
    }

    /// <summary>The ring whose order the message has.</summary>
    public RingId Ring { get; }

    /// <summary>Its sequence number in that ring (from 1).</summary>
    public uint Seq { get; }

    /// <summary>The node that sent it into the ring (for a recovery message, the node that retransmits the old one).</summary>
    public uint Origin { get; }

    /// <summary>The guarantee asked for.</summary>
    public DeliveryOrder Order { get; }

    /// <summary>The application bytes (empty for a recovery carrier).</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>The old ring's message this one carries during recovery, or <see langword="null"/>.</summary>
    public McastMessage? Recovered { get; }

    /// <summary>The encoded bytes, kept so that retransmissions are not encoded again.</summary>
    public byte[]? Encoded { get; set; }

    /// <summary>Bytes of <see cref="Encoded"/> in use when it is a pooled buffer (−1: all of it).</summary>
    public int EncodedLength { get; set; } = -1;

    /// <summary>Whether <see cref="Encoded"/> was rented from <see cref="System.Buffers.ArrayPool{T}.Shared"/> (returned when the message is freed).</summary>
    public bool Pooled { get; set; }

    /// <summary>Whether a ring stored this message (an unstored pooled message is returned at once).</summary>
    public bool Stored { get; set; }
}
