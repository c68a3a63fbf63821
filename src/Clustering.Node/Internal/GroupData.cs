using System.Buffers;
using System.Buffers.Binary;
using System.Text.Unicode;

namespace Clustering.Node.Internal;

/// <summary>
/// Reads the header of a process-group data message as the node carries it — service byte, then the group codec's
/// Data layout: kind, name length (1..128), UTF-8 name, process id (big-endian), payload — without allocating. The
/// layout is <c>ProcessGroupTable.Send</c>'s (tests check the two agree); anything that does not match is left to the
/// group table, which applies or counts it.
/// </summary>
internal static class GroupData
{
    /// <summary>Where the group name starts.</summary>
    public const int NameOffset = 3;

    /// <summary>The most UTF-16 chars a 128-byte UTF-8 name decodes to.</summary>
    public const int MaxNameChars = MaxNameBytes;

    private const byte DataKind = 3;
    private const int MaxNameBytes = 128;

    /// <summary>Whether <paramref name="message"/> is a well-formed data message; its name length, sender process and where the data starts.</summary>
    public static bool TryRead(ReadOnlySpan<byte> message, out int nameLength, out uint processId, out int dataOffset)
    {
        nameLength = 0;
        processId = 0;
        dataOffset = 0;
        if (message.Length < NameOffset || message[0] != (byte)NodeService.Groups || message[1] != DataKind)
        {
            return false;
        }

        nameLength = message[2];
        if (nameLength is < 1 or > MaxNameBytes || message.Length < NameOffset + nameLength + 4)
        {
            return false;
        }

        processId = BinaryPrimitives.ReadUInt32BigEndian(message[(NameOffset + nameLength)..]);
        dataOffset = NameOffset + nameLength + 4;
        return true;
    }

    /// <summary>Decodes a group name strictly (invalid UTF-8 fails, as in the group codec) into <paramref name="destination"/>.</summary>
    public static bool TryDecodeName(ReadOnlySpan<byte> name, Span<char> destination, out int chars) =>
        Utf8.ToUtf16(name, destination, out _, out chars, replaceInvalidSequences: false) == OperationStatus.Done;
}
