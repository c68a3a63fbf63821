using System.Buffers.Binary;

namespace Clustering.NodeHost;

/// <summary>
/// The messages the host sends: a 4-byte mark, the sender's node id and a sequence number (both little endian),
/// then filler up to the requested size. Receivers check the sequence per sender.
/// </summary>
internal static class SequencedPayload
{
    /// <summary>The smallest message: mark, node id and sequence.</summary>
    public const int MinimumSize = 16;

    /// <summary>The largest message the host sends (the protocol carries up to 1 MiB).</summary>
    public const int MaximumSize = 1024 * 1024;

    private const uint Mark = 0x5153484E; // "NHSQ"

    /// <summary>Writes the header into <paramref name="buffer"/> and fills the rest with a pattern derived from the sequence.</summary>
    public static void Write(Span<byte> buffer, uint node, ulong sequence)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, Mark);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[4..], node);
        BinaryPrimitives.WriteUInt64LittleEndian(buffer[8..], sequence);
        var fill = (byte)sequence;
        for (var i = MinimumSize; i < buffer.Length; i++)
        {
            buffer[i] = fill++;
        }
    }

    /// <summary>Reads the header and checks the filler; <see langword="false"/> for anything else.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out uint node, out ulong sequence)
    {
        node = 0;
        sequence = 0;
        if (payload.Length < MinimumSize || BinaryPrimitives.ReadUInt32LittleEndian(payload) != Mark)
        {
            return false;
        }

        node = BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]);
        sequence = BinaryPrimitives.ReadUInt64LittleEndian(payload[8..]);
        var fill = (byte)sequence;
        for (var i = MinimumSize; i < payload.Length; i++)
        {
            if (payload[i] != fill++)
            {
                return false;
            }
        }

        return true;
    }
}
