namespace Clustering.Membership.Totem;

/// <summary>What a <see cref="TotemEvent"/> reports.</summary>
internal enum TotemEventKind
{
    /// <summary>A message delivered in total order.</summary>
    Delivery = 0,

    /// <summary>A configuration change.</summary>
    Configuration = 1,

    /// <summary>A message first stored by this node (only with <see cref="TotemProcessorOptions.ReportReceipts"/>; used by checkers).</summary>
    Received = 2,
}

/// <summary>
/// One event for the layer above: a delivery (<see cref="Ring"/> is the ring whose order the message has), a
/// configuration change (<see cref="Ring"/> is the new ring), or a receipt notice for checkers.
/// </summary>
/// <param name="Kind">What happened.</param>
/// <param name="Ring">The ring concerned.</param>
/// <param name="Origin">For deliveries and receipts, the sending node.</param>
/// <param name="Seq">For deliveries and receipts, the sequence number in <paramref name="Ring"/>.</param>
/// <param name="Order">For deliveries and receipts, the guarantee asked for.</param>
/// <param name="Payload">For deliveries, one whole application message; for receipts, the frame's packed chunk. Valid until the next call into the processor: copy to keep.</param>
/// <param name="Configuration">For configuration changes, the change.</param>
internal readonly record struct TotemEvent(
    TotemEventKind Kind,
    RingId Ring,
    uint Origin,
    uint Seq,
    DeliveryOrder Order,
    ReadOnlyMemory<byte> Payload,
    TotemConfiguration? Configuration)
{
    /// <summary>For deliveries, the message's place among the records of the frame at <see cref="Seq"/> (several small messages share a frame).</summary>
    public int Index { get; init; }
}
