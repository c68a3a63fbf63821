namespace Clustering.Membership.Totem;

/// <summary>
/// What one call into a <see cref="TotemProcessor"/> produced. The processor clears it at the start of every call, so
/// the caller drains it before the next one; the lists are reused to avoid allocation.
/// </summary>
/// <remarks>
/// Contract: the bytes of <see cref="Frames"/> and the payloads of <see cref="Events"/> are views into the processor's
/// recycled buffers (frames kept for retransmission, fragment buffers, its frame pool), not copies. They are valid until
/// the caller's next call into the processor, which recycles them: send the frames and copy what must be kept (the
/// runtime shell copies each delivery into the event it publishes) before calling again.
/// </remarks>
internal sealed class TotemOutput
{
    /// <summary>Frames to send, in order.</summary>
    public List<OutboundFrame> Frames { get; } = [];

    /// <summary>Timers to set or cancel, in order (a later request for the same timer wins).</summary>
    public List<TimerRequest> Timers { get; } = [];

    /// <summary>Deliveries and configuration changes, in order.</summary>
    public List<TotemEvent> Events { get; } = [];

    /// <summary>Empties the lists.</summary>
    public void Clear()
    {
        Frames.Clear();
        Timers.Clear();
        Events.Clear();
    }
}
