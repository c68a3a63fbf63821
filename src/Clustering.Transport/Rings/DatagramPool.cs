using System.Buffers;
using System.Numerics;

namespace Clustering.Transport.Rings;

/// <summary>
/// Datagram buffers rented on one thread and returned on another: the copies an <see cref="InMemoryNetwork"/> makes
/// (rented by the sending thread, returned by a receiving ring's delivery thread or whoever disposes a queued
/// <see cref="RingDatagram"/>), a UDP ring's queued copies and a ring set's copies of accepted frames (both rented
/// on a socket's receive thread, returned by the thread that consumed the datagram). The shared array pool keeps its buffers per thread and a few per core, so a steady
/// one-way flow between threads drains it on one side and overfills it on the other, and it allocates for most
/// datagrams; here each size class is one stack that every thread rents from and returns to.
/// </summary>
/// <remarks>
/// Size classes are the powers of two from <see cref="SmallestClass"/> to <see cref="LargestClass"/> bytes (the
/// largest UDP payload fits in the last). Each is a stack under its own lock, held only to push or pop one
/// reference, and bounded in count (at most <see cref="BytesPerClass"/> bytes and <see cref="MaxBuffersPerClass"/>
/// buffers per class): a buffer returned to a full class is left to the garbage collector. Rent allocates only
/// while a class has not yet held as many buffers as are in flight at once.
/// </remarks>
internal sealed class DatagramPool : ArrayPool<byte>
{
    /// <summary>The smallest buffer handed out, in bytes.</summary>
    public const int SmallestClass = 64;

    /// <summary>The largest pooled buffer, in bytes: a larger request gets an unpooled array.</summary>
    public const int LargestClass = 65_536;

    /// <summary>The most bytes one size class keeps.</summary>
    public const int BytesPerClass = 4 * 1024 * 1024;

    /// <summary>The most buffers one size class keeps.</summary>
    public const int MaxBuffersPerClass = 4096;

    private static readonly int SmallestShift = BitOperations.Log2(SmallestClass);

    private readonly SizeClass[] _classes;
    private long _allocations;

    public DatagramPool()
    {
        var count = BitOperations.Log2(LargestClass) - SmallestShift + 1;
        _classes = new SizeClass[count];
        for (var i = 0; i < count; i++)
        {
            var size = SmallestClass << i;
            _classes[i] = new SizeClass(size, Math.Clamp(BytesPerClass / size, 1, MaxBuffersPerClass));
        }
    }

    /// <summary>Buffers allocated because their class was empty (a warm pool stops counting).</summary>
    public long Allocations => Interlocked.Read(ref _allocations);

    /// <summary>A buffer of at least <paramref name="minimumLength"/> bytes: the smallest class that fits.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minimumLength"/> is negative.</exception>
    public override byte[] Rent(int minimumLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minimumLength);
        if (minimumLength > LargestClass)
        {
            Interlocked.Increment(ref _allocations);
            return GC.AllocateUninitializedArray<byte>(minimumLength);
        }

        var sizeClass = _classes[ClassOf(Math.Max(minimumLength, 1))];
        if (sizeClass.TryPop() is { } buffer)
        {
            return buffer;
        }

        Interlocked.Increment(ref _allocations);
        return GC.AllocateUninitializedArray<byte>(sizeClass.Size);
    }

    /// <summary>Takes back a buffer whose length is one of the size classes; any other array is dropped.</summary>
    /// <param name="array">The buffer.</param>
    /// <param name="clearArray">Whether to zero it first.</param>
    public override void Return(byte[] array, bool clearArray = false)
    {
        ArgumentNullException.ThrowIfNull(array);
        var length = array.Length;
        if (length < SmallestClass || length > LargestClass || !BitOperations.IsPow2(length))
        {
            return;
        }

        if (clearArray)
        {
            Array.Clear(array);
        }

        _classes[ClassOf(length)].TryPush(array);
    }

    /// <summary>How many buffers the class of <paramref name="length"/>-byte requests holds now (for tests).</summary>
    internal int Pooled(int length) => _classes[ClassOf(Math.Max(length, 1))].Count;

    private static int ClassOf(int length) =>
        length <= SmallestClass ? 0 : BitOperations.Log2((uint)length - 1) + 1 - SmallestShift;

    private sealed class SizeClass(int size, int capacity)
    {
        private readonly Lock _gate = new();

        // Grown by doubling up to the capacity as buffers come back: a pool that never holds many costs little.
        private byte[]?[] _stack = new byte[Math.Min(capacity, 16)][];
        private int _count;

        public int Size => size;

        public int Count => Volatile.Read(ref _count);

        public byte[]? TryPop()
        {
            lock (_gate)
            {
                if (_count == 0)
                {
                    return null;
                }

                var buffer = _stack[--_count];
                _stack[_count] = null;
                return buffer;
            }
        }

        public void TryPush(byte[] buffer)
        {
            lock (_gate)
            {
                if (_count == _stack.Length && _count < capacity)
                {
                    Array.Resize(ref _stack, Math.Min(capacity, _count * 2));
                }

                if (_count < _stack.Length)
                {
                    _stack[_count++] = buffer;
                }
            }
        }
    }
}
