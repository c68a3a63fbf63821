using System.Collections.Concurrent;
using Clustering.Membership.Totem.Fragmentation;

namespace Clustering.Membership.Groups;

/// <summary>A message delivered to a group's members, CPG's <c>cpg_deliver_fn</c>.</summary>
/// <remarks>
/// <para>A message made by <see cref="CreatePooled"/> — as the messages on <c>ClusterGroup.Events</c> are — lies in
/// a reused buffer: <see cref="Payload"/> is valid until <see cref="Dispose"/>, which hands object and buffer back for
/// the next message. Disposing each such message when done with it keeps the delivery path allocation-free; after
/// <see cref="Dispose"/> neither the message nor its payload may be used (keep a <see cref="Copy"/> instead). Not
/// disposing is safe: the garbage collector takes the message and its buffer. A message made with the constructor
/// owns its payload and <see cref="Dispose"/> does nothing.</para>
/// </remarks>
public sealed record GroupMessage : GroupEvent, IDisposable
{
    private const int PoolCapacity = 4096;
    private const int KeptBufferBytes = 16_384;
    private static readonly ConcurrentQueue<GroupMessage> Free = new();
    private static int _freeCount;
    private byte[]? _buffer;
    private bool _pooled;
    private int _leased;

    /// <summary>Creates a message that owns <paramref name="payload"/>.</summary>
    /// <param name="group">The group's name.</param>
    /// <param name="sender">The member that sent it.</param>
    /// <param name="payload">The message.</param>
    public GroupMessage(string group, GroupMember sender, ReadOnlyMemory<byte> payload)
        : base(group)
    {
        Sender = sender;
        Payload = payload;
    }

    private GroupMessage()
        : base("")
    {
        _pooled = true;
    }

    // A `with` copy never shares a pooled buffer: it owns a copy of the payload.
    private GroupMessage(GroupMessage original)
        : base(original)
    {
        Sender = original.Sender;
        Payload = original.Payload.ToArray();
    }

    /// <summary>The member that sent it.</summary>
    public GroupMember Sender { get; private set; }

    /// <summary>The message; for a pooled message valid until <see cref="Dispose"/> (see the remarks).</summary>
    public ReadOnlyMemory<byte> Payload { get; private set; }

    /// <summary>Whether this message lies in a reused buffer that <see cref="Dispose"/> gives back.</summary>
    public bool IsPooled => _pooled;

    /// <summary>
    /// A message with a copy of <paramref name="payload"/> in a reused buffer; <see cref="Dispose"/> gives it back. In
    /// steady state nothing is allocated.
    /// </summary>
    /// <param name="group">The group's name.</param>
    /// <param name="sender">The member that sent it.</param>
    /// <param name="payload">The message, copied.</param>
    /// <exception cref="ArgumentNullException"><paramref name="group"/> is null.</exception>
    public static GroupMessage CreatePooled(string group, GroupMember sender, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(group);
        GroupMessage? message;
        if (Free.TryDequeue(out message))
        {
            Interlocked.Decrement(ref _freeCount);
        }
        else
        {
            message = new GroupMessage();
        }

        message.Payload = MessageBuffers.CopyIntoReused(ref message._buffer, payload);
        message.Group = group;
        message.Sender = sender;
        Volatile.Write(ref message._leased, 1);
        return message;
    }

    /// <summary>A message that owns a copy of the payload and stays valid after this one is disposed.</summary>
    public GroupMessage Copy() => new(Group, Sender, Payload.ToArray());

    /// <summary>Gives a pooled message and its buffer back for reuse (only the first call counts); neither may be used afterwards.</summary>
    public void Dispose()
    {
        if (!_pooled || Interlocked.Exchange(ref _leased, 0) != 1)
        {
            return;
        }

        Payload = ReadOnlyMemory<byte>.Empty;
        if (_buffer is { Length: > KeptBufferBytes } large)
        {
            _buffer = null;
            MessageBuffers.Return(large);
        }

        if (Interlocked.Increment(ref _freeCount) <= PoolCapacity)
        {
            Free.Enqueue(this);
        }
        else
        {
            Interlocked.Decrement(ref _freeCount);
            if (_buffer is { } buffer)
            {
                _buffer = null;
                MessageBuffers.Return(buffer);
            }
        }
    }

    /// <inheritdoc/>
    public bool Equals(GroupMessage? other) =>
        other is not null && (ReferenceEquals(this, other) || (Group == other.Group && Sender == other.Sender && Payload.Span.SequenceEqual(other.Payload.Span)));

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Group, Sender, Payload.Length);

    /// <inheritdoc/>
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Append("Group = ").Append(Group).Append(", Sender = ").Append(Sender).Append(", Payload = ").Append(Payload.Length).Append(" B");
        return true;
    }
}
