namespace Clustering.Membership.Totem;

/// <summary>
/// Identifies one ring (one regular configuration): the node id of its representative and a sequence number
/// that only grows. The representative persists the sequence, so a ring id is never used twice.
/// </summary>
/// <param name="Representative">The node id of the member that formed the ring (the lowest id of the new membership).</param>
/// <param name="Sequence">The ring sequence number.</param>
internal readonly record struct RingId(uint Representative, ulong Sequence)
{
    /// <inheritdoc />
    public override string ToString() => $"{Representative:x}.{Sequence:x}";
}
