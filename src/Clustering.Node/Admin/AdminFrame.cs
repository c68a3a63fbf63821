using System.Buffers;
using System.Buffers.Binary;

namespace Clustering.Node.Admin;

/// <summary>
/// The admin protocol's framing (docs/admin-protocol.md). Every frame is a 4-byte big-endian length of what follows,
/// then a version byte, then for a request its kind byte and payload, for a response its status byte, the kind it
/// answers and its payload.
/// </summary>
internal static class AdminFrame
{
    /// <summary>The protocol version this node speaks.</summary>
    public const byte Version = 1;

    /// <summary>The length prefix's size.</summary>
    public const int PrefixSize = 4;

    /// <summary>The largest request the endpoint reads (length prefix excluded); larger ones are refused and the connection closed.</summary>
    public const int MaxRequestLength = 4096;

    /// <summary>The largest response a client reads (length prefix excluded).</summary>
    public const int MaxResponseLength = 16 * 1024 * 1024;

    /// <summary>The outcome of reading one frame from a buffer.</summary>
    public enum ReadResult
    {
        /// <summary>More bytes are needed.</summary>
        Incomplete,

        /// <summary>A whole frame was read.</summary>
        Complete,

        /// <summary>The length prefix announces more than the limit.</summary>
        TooLarge,
    }

    /// <summary>Takes one frame's body (after the length prefix) from <paramref name="buffer"/> when it is all there.</summary>
    public static ReadResult TryRead(ref ReadOnlySequence<byte> buffer, int maxLength, out ReadOnlySequence<byte> body, out uint announced)
    {
        body = default;
        announced = 0;
        if (buffer.Length < PrefixSize)
        {
            return ReadResult.Incomplete;
        }

        Span<byte> prefix = stackalloc byte[PrefixSize];
        buffer.Slice(0, PrefixSize).CopyTo(prefix);
        announced = BinaryPrimitives.ReadUInt32BigEndian(prefix);
        if (announced > (uint)maxLength)
        {
            return ReadResult.TooLarge;
        }

        if (buffer.Length < PrefixSize + announced)
        {
            return ReadResult.Incomplete;
        }

        body = buffer.Slice(PrefixSize, announced);
        buffer = buffer.Slice(PrefixSize + announced);
        return ReadResult.Complete;
    }

    /// <summary>Writes a request frame.</summary>
    public static void WriteRequest(IBufferWriter<byte> writer, AdminRequestKind kind, ReadOnlySpan<byte> payload)
    {
        var span = writer.GetSpan(PrefixSize + 2 + payload.Length);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)(2 + payload.Length));
        span[4] = Version;
        span[5] = (byte)kind;
        payload.CopyTo(span[6..]);
        writer.Advance(PrefixSize + 2 + payload.Length);
    }

    /// <summary>Writes a response frame.</summary>
    public static void WriteResponse(IBufferWriter<byte> writer, AdminErrorCode status, byte kind, ReadOnlySpan<byte> payload)
    {
        var span = writer.GetSpan(PrefixSize + 3 + payload.Length);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)(3 + payload.Length));
        span[4] = Version;
        span[5] = (byte)status;
        span[6] = kind;
        payload.CopyTo(span[7..]);
        writer.Advance(PrefixSize + 3 + payload.Length);
    }
}
