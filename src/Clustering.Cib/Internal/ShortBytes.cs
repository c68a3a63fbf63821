using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Clustering.Cib.Internal;

/// <summary>The two words a short-string hash mixes from the last 0–16 bytes of its input.</summary>
internal static class ShortBytes
{
    /// <summary>
    /// The first and last eight bytes of <paramref name="bytes"/> (all of it up to 16 bytes; four and four from 4 to 7
    /// bytes; the first, middle and last byte below 4), in constant work. Equal inputs give equal words.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ReadEnds(ReadOnlySpan<byte> bytes, out ulong a, out ulong b)
    {
        var n = bytes.Length;
        if (n >= 8)
        {
            a = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            b = BinaryPrimitives.ReadUInt64LittleEndian(bytes[^8..]);
        }
        else if (n >= 4)
        {
            a = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
            b = BinaryPrimitives.ReadUInt32LittleEndian(bytes[^4..]);
        }
        else
        {
            a = n == 0 ? 0 : bytes[0] | ((ulong)bytes[n / 2] << 8) | ((ulong)bytes[n - 1] << 16);
            b = 0;
        }
    }
}
