using System.Buffers.Binary;
using System.Text;

namespace Clustering.Membership.Groups;

/// <summary>
/// Encodes process-group messages. Layout (big-endian): kind (1 byte); for Join, Leave and Data: group name length
/// (1 byte, 1..128) and UTF-8 name, process id (4 bytes), then for Data the payload to the end; for ProcessDown: the
/// process id; for JoinList: a count (2 bytes) of (name length, name, process id) entries. Decoding checks every
/// length and never throws.
/// </summary>
internal static class GroupCodec
{
    public const int MaxGroupNameBytes = 128;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static int NameBytes(string group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var count = Encoding.UTF8.GetByteCount(group);
        if (count is < 1 or > MaxGroupNameBytes)
        {
            throw new ArgumentException($"a group name is 1 to {MaxGroupNameBytes} bytes of UTF-8, not {count}", nameof(group));
        }

        return count;
    }

    public static byte[] Member(GroupMessageKind kind, string group, uint processId, ReadOnlySpan<byte> payload = default)
    {
        var nameBytes = NameBytes(group);
        var buffer = new byte[1 + 1 + nameBytes + 4 + payload.Length];
        buffer[0] = (byte)kind;
        buffer[1] = (byte)nameBytes;
        Encoding.UTF8.GetBytes(group, buffer.AsSpan(2));
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(2 + nameBytes), processId);
        payload.CopyTo(buffer.AsSpan(6 + nameBytes));
        return buffer;
    }

    public static byte[] ProcessDown(uint processId)
    {
        var buffer = new byte[5];
        buffer[0] = (byte)GroupMessageKind.ProcessDown;
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(1), processId);
        return buffer;
    }

    public static byte[] JoinList(IReadOnlyList<(string Group, uint ProcessId)> entries)
    {
        var size = 3;
        foreach (var (group, _) in entries)
        {
            size += 1 + NameBytes(group) + 4;
        }

        var buffer = new byte[size];
        buffer[0] = (byte)GroupMessageKind.JoinList;
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(1), checked((ushort)entries.Count));
        var offset = 3;
        foreach (var (group, processId) in entries)
        {
            var written = Encoding.UTF8.GetBytes(group, buffer.AsSpan(offset + 1));
            buffer[offset] = (byte)written;
            BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(offset + 1 + written), processId);
            offset += 1 + written + 4;
        }

        return buffer;
    }

    /// <summary>Reads the kind, group and process id of a Join, Leave or Data message; the payload follows.</summary>
    public static bool TryReadMember(ReadOnlySpan<byte> message, out string group, out uint processId, out ReadOnlySpan<byte> payload)
    {
        group = "";
        processId = 0;
        payload = default;
        if (message.Length < 2)
        {
            return false;
        }

        var read = TryReadEntry(message[1..], out group, out processId);
        if (read == 0)
        {
            return false;
        }

        payload = message[(1 + read)..];
        return true;
    }

    public static bool TryReadProcessDown(ReadOnlySpan<byte> message, out uint processId)
    {
        processId = 0;
        if (message.Length != 5)
        {
            return false;
        }

        processId = BinaryPrimitives.ReadUInt32BigEndian(message[1..]);
        return true;
    }

    public static bool TryReadJoinList(ReadOnlySpan<byte> message, List<(string Group, uint ProcessId)> entries)
    {
        entries.Clear();
        if (message.Length < 3)
        {
            return false;
        }

        var count = BinaryPrimitives.ReadUInt16BigEndian(message[1..]);
        var rest = message[3..];
        for (var i = 0; i < count; i++)
        {
            var read = TryReadEntry(rest, out var group, out var processId);
            if (read == 0)
            {
                entries.Clear();
                return false;
            }

            entries.Add((group, processId));
            rest = rest[read..];
        }

        return rest.IsEmpty;
    }

    /// <summary>Reads (name length, name, process id); returns the bytes read, or 0 when malformed.</summary>
    private static int TryReadEntry(ReadOnlySpan<byte> data, out string group, out uint processId)
    {
        group = "";
        processId = 0;
        if (data.IsEmpty)
        {
            return 0;
        }

        var length = data[0];
        if (length is < 1 or > MaxGroupNameBytes || data.Length < 1 + length + 4)
        {
            return 0;
        }

        try
        {
            group = StrictUtf8.GetString(data.Slice(1, length));
        }
        catch (DecoderFallbackException)
        {
            return 0;
        }

        processId = BinaryPrimitives.ReadUInt32BigEndian(data[(1 + length)..]);
        return 1 + length + 4;
    }
}
