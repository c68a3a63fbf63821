using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;

namespace Clustering.Node.Admin;

/// <summary>
/// Who is at the other end of a Unix domain socket (Linux <c>SO_PEERCRED</c>) and whether they may use the admin
/// endpoint: only the node's own user and root.
/// </summary>
internal static class PeerCredentials
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;
    private const int UcredSize = 12;

    /// <summary>The rule: the peer runs as the node's effective user, or as root.</summary>
    public static bool IsAllowed(uint peerUid, uint ownUid) => peerUid == ownUid || peerUid == 0;

    /// <summary>Reads the peer's process id and user id; <see langword="false"/> when the platform or socket cannot tell.</summary>
    public static bool TryGet(Socket socket, out int processId, out uint userId)
    {
        processId = 0;
        userId = uint.MaxValue;
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        Span<byte> ucred = stackalloc byte[UcredSize];
        try
        {
            if (socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred) != UcredSize)
            {
                return false;
            }
        }
        catch (SocketException)
        {
            return false;
        }

        // struct ucred { pid_t pid; uid_t uid; gid_t gid; } in the host's byte order.
        processId = BitConverter.IsLittleEndian ? BinaryPrimitives.ReadInt32LittleEndian(ucred) : BinaryPrimitives.ReadInt32BigEndian(ucred);
        userId = BitConverter.IsLittleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(ucred[4..]) : BinaryPrimitives.ReadUInt32BigEndian(ucred[4..]);
        return true;
    }

    /// <summary>This process's effective user id, from <c>/proc/self/status</c>; <see langword="null"/> when it cannot be read.</summary>
    public static uint? EffectiveUserId()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith("Uid:", StringComparison.Ordinal))
                {
                    continue;
                }

                // Uid: real effective saved filesystem
                var fields = line[4..].Split('\t', ' ', StringSplitOptions.RemoveEmptyEntries);
                return fields.Length >= 2 && uint.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var uid) ? uid : null;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }
}
