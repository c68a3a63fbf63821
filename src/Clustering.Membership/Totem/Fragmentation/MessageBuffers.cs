using System.Buffers;

namespace Clustering.Membership.Totem.Fragmentation;

/// <summary>
/// Buffers for queued application messages, shared by senders (any thread) and the packer (the owner loop). A send
/// queue holds up to thousands of messages at once — more than the shared array pool keeps per core, so it would
/// allocate for every message under load. Three size classes (256 B, 2 KiB, 16 KiB) are kept here, each a small
/// locked stack with a bound; larger messages use the shared array pool.
/// </summary>
internal static class MessageBuffers
{
    private static readonly Bucket[] Buckets = [new(256, 16_384), new(2048, 8192), new(16_384, 1024)];

    /// <summary>A buffer of at least <paramref name="size"/> bytes (the empty array for 0).</summary>
    public static byte[] Rent(int size)
    {
        if (size == 0)
        {
            return [];
        }

        foreach (var bucket in Buckets)
        {
            if (size <= bucket.Size)
            {
                return bucket.Rent();
            }
        }

        return ArrayPool<byte>.Shared.Rent(size);
    }

    /// <summary>
    /// Copies <paramref name="payload"/> into <paramref name="buffer"/>, trading it for a larger one from <see cref="Rent"/>
    /// when it is too small (or missing), and returns the copy's memory.
    /// </summary>
    public static Memory<byte> CopyIntoReused(ref byte[]? buffer, ReadOnlySpan<byte> payload)
    {
        if (buffer is null || buffer.Length < payload.Length)
        {
            if (buffer is not null)
            {
                Return(buffer);
            }

            buffer = Rent(payload.Length);
        }

        payload.CopyTo(buffer);
        return buffer.AsMemory(0, payload.Length);
    }

    /// <summary>Takes back a buffer from <see cref="Rent"/>.</summary>
    public static void Return(byte[] buffer)
    {
        if (buffer.Length == 0)
        {
            return;
        }

        foreach (var bucket in Buckets)
        {
            if (buffer.Length == bucket.Size)
            {
                bucket.Return(buffer);
                return;
            }
        }

        ArrayPool<byte>.Shared.Return(buffer);
    }

    private sealed class Bucket(int size, int max)
    {
        private readonly Stack<byte[]> _free = new();
        private readonly Lock _gate = new();

        public int Size => size;

        public byte[] Rent()
        {
            lock (_gate)
            {
                if (_free.TryPop(out var buffer))
                {
                    return buffer;
                }
            }

            return new byte[size];
        }

        public void Return(byte[] buffer)
        {
            lock (_gate)
            {
                if (_free.Count < max)
                {
                    _free.Push(buffer);
                }
            }
        }
    }
}
