using Clustering.Transport.Framing;

namespace Clustering.Membership.Totem;

/// <summary>A frame to send: to every node (<see cref="Destination"/> 0, multicast) or to one node (the token's successor).</summary>
/// <param name="Destination">0 for multicast, otherwise the node id to unicast to.</param>
/// <param name="Type">The frame type.</param>
/// <param name="Payload">The encoded message (do not modify; it may be sent again later).</param>
internal readonly record struct OutboundFrame(uint Destination, FrameType Type, byte[] Payload)
{
    /// <summary>The encoded length when <see cref="Payload"/> is a pooled buffer longer than the frame; −1: all of it.</summary>
    public int Length { get; init; } = -1;

    /// <summary>The frame's bytes.</summary>
    public ReadOnlyMemory<byte> Bytes => Length < 0 ? Payload : new ReadOnlyMemory<byte>(Payload, 0, Length);
}
