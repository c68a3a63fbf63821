namespace Clustering.Transport.Framing;

/// <summary>
/// The fields of a frame header that the sender chooses. The wire header also carries the format version,
/// the hash and cipher ids, the cluster id, reserved flags and the body length; <see cref="Security.FrameProtector"/>
/// fills those in from its configuration. See <c>docs/wire-format.md</c> for the byte layout.
/// </summary>
/// <param name="Type">What the frame carries.</param>
/// <param name="SenderNodeId">The sending node's id (Corosync's <c>nodeid</c>).</param>
/// <param name="SenderIncarnation">
/// A number that grows each time the sending node starts (for example its start time in milliseconds),
/// so a restarted node's sequences are not mistaken for replays and old frames are not mistaken for new ones.
/// </param>
/// <param name="RingNumber">The redundant ring the frame is sent on (0 to 7).</param>
/// <param name="Sequence">The per-sender sequence number, unique within one incarnation.</param>
public readonly record struct FrameHeader(FrameType Type, uint SenderNodeId, ulong SenderIncarnation, byte RingNumber, ulong Sequence);
