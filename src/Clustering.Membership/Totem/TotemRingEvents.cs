using System.Collections.Concurrent;
using Clustering.Membership.Totem.Fragmentation;

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
public abstract class TotemRingEvent
{
    private protected TotemRingEvent()
    {
    }
}

/// <summary>A message delivered in total order.</summary>
/// <remarks>
/// <para>Deliveries published by a <see cref="TotemRing"/> are pooled: <see cref="Payload"/> lies in a buffer the ring
/// reuses once the reader calls <see cref="Dispose"/>. A reader that disposes each delivery when done with it makes
/// the delivery path allocation-free; after <see cref="Dispose"/> neither this object nor its payload may be used
/// (keep <see cref="Copy"/> instead). A reader that never disposes loses nothing but the reuse: the garbage collector
/// takes the object and its buffer.</para>
/// </remarks>
public sealed class TotemDelivery : TotemRingEvent, IDisposable
{
    private const int KeptBufferBytes = 16_384;
    private byte[]? _buffer;
    private DeliveryPool? _pool;
    private int _leased;

    /// <summary>Creates a delivery that owns <paramref name="payload"/> (not pooled; <see cref="Dispose"/> does nothing).</summary>
    /// <param name="sender">The node that sent it.</param>
    /// <param name="ring">The ring whose order it has.</param>
    /// <param name="sequence">Its sequence number on that ring.</param>
    /// <param name="order">The guarantee it was sent with.</param>
    /// <param name="payload">The message.</param>
    public TotemDelivery(uint sender, TotemRingId ring, uint sequence, MessageOrder order, ReadOnlyMemory<byte> payload)
    {
        Sender = sender;
        Ring = ring;
        Sequence = sequence;
        Order = order;
        Payload = payload;
    }

    private TotemDelivery(DeliveryPool pool)
    {
        _pool = pool;
    }

    /// <summary>The node that sent it.</summary>
    public uint Sender { get; private set; }

    /// <summary>The ring whose order it has.</summary>
    public TotemRingId Ring { get; private set; }

    /// <summary>Its sequence number on that ring.</summary>
    public uint Sequence { get; private set; }

    /// <summary>The guarantee it was sent with.</summary>
    public MessageOrder Order { get; private set; }

    /// <summary>The message; valid until <see cref="Dispose"/> (see the remarks).</summary>
    public ReadOnlyMemory<byte> Payload { get; private set; }

    /// <summary>A copy that owns its payload and stays valid after this delivery is disposed.</summary>
    public TotemDelivery Copy() => new(Sender, Ring, Sequence, Order, Payload.ToArray());

    /// <summary>Hands the delivery and its buffer back to the ring for reuse; neither may be used afterwards. Only the first call counts.</summary>
    public void Dispose()
    {
        if (_pool is { } pool && Interlocked.Exchange(ref _leased, 0) == 1)
        {
            Payload = ReadOnlyMemory<byte>.Empty;
            if (_buffer is { Length: > KeptBufferBytes } large)
            {
                // Large messages are rare: their buffers go back to the shared pool instead of staying with this object.
                _buffer = null;
                MessageBuffers.Return(large);
            }

            pool.Return(this);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"TotemDelivery {{ Sender = {Sender}, Ring = {Ring}, Sequence = {Sequence}, Order = {Order}, Payload = {Payload.Length} B }}";

    /// <summary>A pool of deliveries: the owner loop takes, any reader thread gives back. Bounded; beyond it the collector takes them.</summary>
    internal sealed class DeliveryPool(int capacity)
    {
        private readonly ConcurrentQueue<TotemDelivery> _free = new();
        private int _count;

        public TotemDelivery Rent(uint sender, TotemRingId ring, uint sequence, MessageOrder order, ReadOnlySpan<byte> payload)
        {
            TotemDelivery? delivery;
            if (_free.TryDequeue(out delivery))
            {
                Interlocked.Decrement(ref _count);
            }
            else
            {
                delivery = new TotemDelivery(this);
            }

            delivery.Payload = MessageBuffers.CopyIntoReused(ref delivery._buffer, payload);
            delivery.Sender = sender;
            delivery.Ring = ring;
            delivery.Sequence = sequence;
            delivery.Order = order;
            delivery._leased = 1;
            return delivery;
        }

        public void Return(TotemDelivery delivery)
        {
            if (Interlocked.Increment(ref _count) <= capacity)
            {
                _free.Enqueue(delivery);
            }
            else
            {
                Interlocked.Decrement(ref _count);
                if (delivery._buffer is { } buffer)
                {
                    delivery._buffer = null;
                    MessageBuffers.Return(buffer);
                }
            }
        }
    }
}

/// <summary>
/// A configuration change (extended virtual synchrony): a transitional configuration (the survivors of the old
/// ring, with the members that left) precedes every new regular configuration (with the members that joined).
/// </summary>
/// <param name="isTransitional">Whether this is the transitional configuration.</param>
/// <param name="ring">The ring of the new configuration.</param>
/// <param name="members">The members, sorted.</param>
/// <param name="joined">Members new to this node (regular configurations).</param>
/// <param name="left">Members gone since the previous configuration (transitional configurations).</param>
public sealed class TotemConfigurationChange(bool isTransitional, TotemRingId ring, IReadOnlyList<uint> members, IReadOnlyList<uint> joined, IReadOnlyList<uint> left) : TotemRingEvent
{
    /// <summary>Whether this is the transitional configuration.</summary>
    public bool IsTransitional { get; } = isTransitional;

    /// <summary>The ring of the new configuration.</summary>
    public TotemRingId Ring { get; } = ring;

    /// <summary>The members, sorted.</summary>
    public IReadOnlyList<uint> Members { get; } = members ?? throw new ArgumentNullException(nameof(members));

    /// <summary>Members new to this node (regular configurations).</summary>
    public IReadOnlyList<uint> Joined { get; } = joined ?? throw new ArgumentNullException(nameof(joined));

    /// <summary>Members gone since the previous configuration (transitional configurations).</summary>
    public IReadOnlyList<uint> Left { get; } = left ?? throw new ArgumentNullException(nameof(left));

    /// <inheritdoc/>
    public override string ToString() =>
        $"TotemConfigurationChange {{ {(IsTransitional ? "transitional" : "regular")} {Ring}, Members = [{string.Join(", ", Members)}], Joined = [{string.Join(", ", Joined)}], Left = [{string.Join(", ", Left)}] }}";
}
