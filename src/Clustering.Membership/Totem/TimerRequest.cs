namespace Clustering.Membership.Totem;

/// <summary>A timer to set (<see cref="DueTicks"/> ≥ 0, replacing any pending one of that kind) or cancel (−1).</summary>
/// <param name="Timer">Which timer.</param>
/// <param name="DueTicks">When it fires, in the caller's clock ticks, or −1 to cancel.</param>
internal readonly record struct TimerRequest(TotemTimer Timer, long DueTicks);
