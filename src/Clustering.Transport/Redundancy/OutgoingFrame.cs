using Clustering.Transport.Framing;

namespace Clustering.Transport.Redundancy;

/// <summary>One frame of a batch handed to <see cref="RingSet.SendBatchAsync"/>.</summary>
/// <param name="Type">The frame type; not a ring probe (<see cref="FrameLayout.IsRingBound"/>), which the set sends itself.</param>
/// <param name="Payload">At most <see cref="RingSet.MaxPayloadLength"/> bytes; not retained after the send completes.</param>
/// <param name="Destination">0 to send to every other node (as <see cref="RingSet.SendToAllAsync"/>), otherwise the node id to send to (as <see cref="RingSet.SendToAsync"/>).</param>
public readonly record struct OutgoingFrame(FrameType Type, ReadOnlyMemory<byte> Payload, uint Destination = 0);
