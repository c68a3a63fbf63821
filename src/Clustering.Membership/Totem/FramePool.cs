using System.Buffers;

namespace Clustering.Membership.Totem;

/// <summary>
/// The processor's own pool of frame buffers and multicast objects (one owner, no locks): Totem keeps every frame
/// until a full rotation shows all members hold it, so a few hundred buffers are out at once — more than the shared
/// array pool keeps per core. Buffers of <see cref="BufferSize"/> are kept here (up to a bound); larger requests go to
/// the shared pool. A pooled <see cref="McastMessage"/> travels with its encoded buffer and comes back with it.
/// </summary>
internal sealed class FramePool
{
    private readonly Stack<byte[]> _free = new();
    private readonly Stack<McastMessage> _messages = new();
    private readonly int _maxKept;
    private readonly bool _poison;

    /// <summary>Creates a pool.</summary>
    /// <param name="bufferSize">The size of the buffers kept.</param>
    /// <param name="maxKept">How many free buffers (and free messages) are kept at most.</param>
    /// <param name="poison">
    /// Overwrite every buffer that comes back (with 0xDD): a test aid, so that a view still in use after its buffer was
    /// returned shows garbage at once instead of the old bytes.
    /// </param>
    public FramePool(int bufferSize, int maxKept = 8192, bool poison = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 1);
        BufferSize = bufferSize;
        _maxKept = maxKept;
        _poison = poison;
    }

    /// <summary>The size of the buffers this pool keeps.</summary>
    public int BufferSize { get; }

    /// <summary>A buffer of at least <paramref name="size"/> bytes.</summary>
    public byte[] Rent(int size) =>
        size > BufferSize ? ArrayPool<byte>.Shared.Rent(size) : _free.TryPop(out var buffer) ? buffer : new byte[BufferSize];

    /// <summary>Takes a buffer back (one from <see cref="Rent"/>).</summary>
    public void Return(byte[] buffer)
    {
        if (_poison)
        {
            buffer.AsSpan().Fill(0xDD);
        }

        if (buffer.Length != BufferSize)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        else if (_free.Count < _maxKept)
        {
            _free.Push(buffer);
        }
    }

    /// <summary>
    /// A pooled multicast holding a buffer of at least <paramref name="size"/> bytes in <see cref="McastMessage.Encoded"/>
    /// (its other fields are the caller's to set).
    /// </summary>
    public McastMessage RentMessage(int size)
    {
        var message = _messages.TryPop(out var free) ? free : new McastMessage();
        message.Encoded = Rent(size);
        message.EncodedLength = size;
        message.Pooled = true;
        return message;
    }

    /// <summary>Takes back a message from <see cref="RentMessage"/> and its buffer.</summary>
    public void ReturnMessage(McastMessage message)
    {
        if (message.Encoded is { } buffer)
        {
            Return(buffer);
        }

        message.Clear();
        if (_messages.Count < _maxKept)
        {
            _messages.Push(message);
        }
    }
}
