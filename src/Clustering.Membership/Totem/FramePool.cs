using System.Buffers;

namespace Clustering.Membership.Totem;

/// <summary>
/// The processor's own pool of frame buffers (one owner, no locks): Totem keeps every frame until a full rotation
/// shows all members hold it, so a few hundred buffers are out at once — more than the shared array pool keeps per
/// core. Buffers of <see cref="BufferSize"/> are kept here (up to a bound); larger requests go to the shared pool.
/// </summary>
internal sealed class FramePool
{
    private readonly Stack<byte[]> _free = new();
    private readonly int _maxKept;

    public FramePool(int bufferSize, int maxKept = 8192)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 1);
        BufferSize = bufferSize;
        _maxKept = maxKept;
    }

    /// <summary>The size of the buffers this pool keeps.</summary>
    public int BufferSize { get; }

    /// <summary>A buffer of at least <paramref name="size"/> bytes.</summary>
    public byte[] Rent(int size) =>
        size > BufferSize ? ArrayPool<byte>.Shared.Rent(size) : _free.TryPop(out var buffer) ? buffer : new byte[BufferSize];

    /// <summary>Takes a buffer back (one from <see cref="Rent"/>).</summary>
    public void Return(byte[] buffer)
    {
        if (buffer.Length != BufferSize)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        else if (_free.Count < _maxKept)
        {
            _free.Push(buffer);
        }
    }
}
