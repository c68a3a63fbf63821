namespace Clustering.Membership.Totem;

/// <summary>Identifies a ring (a regular configuration): its representative and a sequence that only grows.</summary>
/// <param name="Representative">The node that formed the ring.</param>
/// <param name="Sequence">The ring sequence (persisted, never reused).</param>
public readonly record struct TotemRingId(uint Representative, ulong Sequence)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Representative:x}.{Sequence:x}";
}

/// <summary>The delivery guarantee of a message.</summary>
public enum MessageOrder
{
    /// <summary>Agreed order: every member delivers messages in the same total order.</summary>
    Agreed = 0,

    /// <summary>Safe order: agreed order, and delivered only once every member of the configuration has the message.</summary>
    Safe = 1,
}

/// <summary>Something a <see cref="TotemRing"/> delivers, in the one total order all members share.</summary>
public abstract record TotemRingEvent;

/// <summary>A message delivered in total order.</summary>
/// <param name="Sender">The node that sent it.</param>
/// <param name="Ring">The ring whose order it has.</param>
/// <param name="Sequence">Its sequence number on that ring.</param>
/// <param name="Order">The guarantee it was sent with.</param>
/// <param name="Payload">The message (a copy owned by the receiver).</param>
public sealed record TotemDelivery(uint Sender, TotemRingId Ring, uint Sequence, MessageOrder Order, ReadOnlyMemory<byte> Payload) : TotemRingEvent;

/// <summary>
/// A configuration change (extended virtual synchrony): a transitional configuration (the survivors of the old
/// ring, with the members that left) precedes every new regular configuration (with the members that joined).
/// </summary>
/// <param name="IsTransitional">Whether this is the transitional configuration.</param>
/// <param name="Ring">The ring of the new configuration.</param>
/// <param name="Members">The members, sorted.</param>
/// <param name="Joined">Members new to this node (regular configurations).</param>
/// <param name="Left">Members gone since the previous configuration (transitional configurations).</param>
public sealed record TotemConfigurationChange(bool IsTransitional, TotemRingId Ring, IReadOnlyList<uint> Members, IReadOnlyList<uint> Joined, IReadOnlyList<uint> Left) : TotemRingEvent;
