namespace Clustering.Membership.Totem;

/// <summary>
/// What one call into a <see cref="TotemProcessor"/> produced. The processor clears it at the start of every call, so
/// the caller drains it before the next one; the lists are reused to avoid allocation.
/// </summary>
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
