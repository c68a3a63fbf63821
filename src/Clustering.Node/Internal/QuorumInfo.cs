using System.Buffers.Binary;
using Clustering.Membership.Quorum;

namespace Clustering.Node.Internal;

/// <summary>
/// What each node tells the others about itself after every regular configuration, as votequorum's node-information
/// message does. Layout (big-endian, 11 bytes): service (<see cref="NodeService.Quorum"/>), version (1), votes (4),
/// expected votes (4), flags (1, <see cref="QuorumFlags"/> of the sender's options). Delivered in total order, so
/// every member counts the same votes in the same order.
/// </summary>
/// <param name="Votes">The sender's votes.</param>
/// <param name="ExpectedVotes">The expected votes the sender holds.</param>
/// <param name="Flags">The sender's quorum features.</param>
internal readonly record struct QuorumInfo(int Votes, int ExpectedVotes, QuorumFlags Flags)
{
    public const byte Version = 1;
    public const int Size = 11;

    public byte[] Encode()
    {
        var buffer = new byte[Size];
        buffer[0] = (byte)NodeService.Quorum;
        buffer[1] = Version;
        BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(2), Votes);
        BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(6), ExpectedVotes);
        buffer[10] = (byte)Flags;
        return buffer;
    }

    /// <summary>Reads a message (service byte included); <see langword="false"/> when it is malformed.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> message, out QuorumInfo info)
    {
        info = default;
        if (message.Length != Size || message[0] != (byte)NodeService.Quorum || message[1] != Version)
        {
            return false;
        }

        var votes = BinaryPrimitives.ReadInt32BigEndian(message[2..]);
        var expected = BinaryPrimitives.ReadInt32BigEndian(message[6..]);
        if (votes < 0 || expected < 0)
        {
            return false;
        }

        info = new QuorumInfo(votes, expected, (QuorumFlags)message[10]);
        return true;
    }
}
