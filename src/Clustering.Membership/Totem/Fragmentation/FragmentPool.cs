using System.Numerics;

namespace Clustering.Membership.Totem.Fragmentation;

/// <summary>
/// The buffers in which one <see cref="MessageAssembler"/> gathers fragmented messages (one owner, no locks), kept by
/// power-of-two size class from 256 B to 1 MiB. When the safe point moves, one call may complete hundreds of
/// fragmented messages whose buffers are all out until the next call — more than the shared array pool keeps per
/// size, so it would allocate for each. Each class keeps up to about 4 MiB (and at least 4 buffers) of free buffers.
/// </summary>
internal sealed class FragmentPool
{
    private const int MinShift = 8;
    private const int MaxShift = 20;
    private const long KeptBytesPerClass = 4 << 20;
    private readonly Stack<byte[]>?[] _classes = new Stack<byte[]>?[MaxShift - MinShift + 1];
    private readonly bool _poison;

    /// <summary>Creates a pool.</summary>
    /// <param name="poison">Overwrite every buffer that comes back (with 0xDD), a test aid like <see cref="FramePool"/>'s.</param>
    public FragmentPool(bool poison = false) => _poison = poison;

    /// <summary>A buffer of at least <paramref name="size"/> bytes (1 B to 1 MiB).</summary>
    public byte[] Rent(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, 1 << MaxShift);
        var c = Class(size);
        return _classes[c] is { } free && free.TryPop(out var buffer) ? buffer : new byte[1 << (c + MinShift)];
    }

    /// <summary>Takes back a buffer from <see cref="Rent"/> (others are left to the garbage collector).</summary>
    public void Return(byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (buffer.Length == 0 || !BitOperations.IsPow2(buffer.Length) || buffer.Length < 1 << MinShift || buffer.Length > 1 << MaxShift)
        {
            return;
        }

        if (_poison)
        {
            buffer.AsSpan().Fill(0xDD);
        }

        var c = Class(buffer.Length);
        var free = _classes[c] ??= new Stack<byte[]>();
        if (free.Count < Math.Max(4, KeptBytesPerClass >> (c + MinShift)))
        {
            free.Push(buffer);
        }
    }

    /// <summary>The smallest class whose buffers hold <paramref name="size"/> bytes.</summary>
    private static int Class(int size) => Math.Max(0, BitOperations.Log2((uint)size - 1) + 1 - MinShift);
}
