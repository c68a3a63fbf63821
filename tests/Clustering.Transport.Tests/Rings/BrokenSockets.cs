using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;
using Clustering.Transport.Rings;

namespace Clustering.Transport.Tests.Rings;

/// <summary>
/// Breaks a UDP ring's sockets under its receive path: each descriptor is replaced (<c>dup2</c>) by one of
/// <c>/dev/null</c>, which <c>poll</c> always reports readable and which is no socket, so every receive on it fails
/// (<c>ENOTSOCK</c>). Linux only.
/// </summary>
internal static partial class BrokenSockets
{
    /// <summary>Breaks the receive sockets of <paramref name="ring"/>: all of them, or only the multicast ring's unicast one.</summary>
    public static void Break(IRing ring, bool unicastOnly = false)
    {
        switch (ring)
        {
            case UdpMulticastRing multicast:
                Break(Field(multicast, "_sendSocket"));
                if (!unicastOnly)
                {
                    Break(Field(multicast, "_groupSocket"));
                }

                break;
            case UdpUnicastRing unicast:
                Break(unicast.Socket);
                break;
            default:
                throw new ArgumentException($"not a UDP ring: {ring.GetType().Name}", nameof(ring));
        }
    }

    private static Socket Field(UdpMulticastRing ring, string name) =>
        (Socket)typeof(UdpMulticastRing).GetField(name, BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(ring)!;

    private static void Break(Socket socket)
    {
        var devNull = Open("/dev/null", 0);
        Assert.That(devNull, Is.GreaterThanOrEqualTo(0), "opened /dev/null");
        try
        {
            Assert.That(Dup2(devNull, (int)socket.Handle), Is.GreaterThanOrEqualTo(0), "dup2 over the socket");
        }
        finally
        {
            _ = Close(devNull);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static partial int Dup2(int from, int to);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
