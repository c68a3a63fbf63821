using System.Net;
using System.Net.Sockets;
using Clustering.Transport.Rings;

namespace Clustering.Transport.Tests.Rings;

/// <summary>
/// Makes UDP rings on loopback for tests: random 127.x.y.z addresses, a random 239.192.x.y group and a random
/// port, retried when the port is taken (several test runs share the machine). <c>loops</c>, when given, is the shared
/// receive loop of each node, by index.
/// </summary>
internal static class LoopbackRings
{
    private const int Attempts = 20;

    public static IPAddress RandomLoopback() =>
        new([127, (byte)Random.Shared.Next(1, 255), (byte)Random.Shared.Next(0, 256), (byte)Random.Shared.Next(2, 255)]);

    public static IPAddress RandomGroup() =>
        new([239, 192, (byte)Random.Shared.Next(0, 256), (byte)Random.Shared.Next(1, 255)]);

    public static int RandomPort() => Random.Shared.Next(20_000, 60_000);

    /// <summary>Distinct loopback addresses, one per node.</summary>
    public static IPAddress[] Addresses(int count)
    {
        var set = new HashSet<IPAddress>();
        while (set.Count < count)
        {
            set.Add(RandomLoopback());
        }

        return [.. set];
    }

    public static UdpMulticastRing[] Multicast(int count, int receiveQueueCapacity = 1024, int ringNumber = 0, bool batchedIo = true, int? maxDatagramSize = null, bool segmentationOffload = true, IReadOnlyList<UdpReceiveLoop?>? loops = null, bool recvFlush = true)
    {
        for (var attempt = 0; ; attempt++)
        {
            var group = RandomGroup();
            var port = RandomPort();
            var created = new List<UdpMulticastRing>();
            try
            {
                foreach (var address in Addresses(count))
                {
                    created.Add(UdpMulticastRing.Create(new UdpMulticastRingOptions
                    {
                        RingNumber = ringNumber,
                        LocalAddress = address,
                        MulticastAddress = group,
                        MulticastPort = port,
                        ReceiveQueueCapacity = receiveQueueCapacity,
                        BatchedIo = batchedIo,
                        MaxDatagramSize = maxDatagramSize,
                        SegmentationOffload = segmentationOffload,
                        ReceiveLoop = loops?[created.Count],
                        RecvFlush = recvFlush,
                    }));
                }

                return [.. created];
            }
            catch (RingBindException e) when (e.SocketError == SocketError.AddressAlreadyInUse && attempt < Attempts)
            {
                foreach (var ring in created)
                {
                    ring.DisposeAsync().AsTask().GetAwaiter().GetResult();
                }
            }
        }
    }

    public static UdpUnicastRing[] Unicast(int count, int receiveQueueCapacity = 1024, bool blockUnlisted = true, int ringNumber = 0, bool batchedIo = true, int? maxDatagramSize = null, bool segmentationOffload = true, IReadOnlyList<UdpReceiveLoop?>? loops = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = RandomPort();
            var members = Addresses(count).Select(a => new IPEndPoint(a, port)).ToArray();
            var created = new List<UdpUnicastRing>();
            try
            {
                foreach (var member in members)
                {
                    created.Add(UdpUnicastRing.Create(new UdpUnicastRingOptions
                    {
                        ReceiveLoop = loops?[created.Count],
                        RingNumber = ringNumber,
                        LocalEndPoint = member,
                        Members = members,
                        BlockUnlistedSources = blockUnlisted,
                        ReceiveQueueCapacity = receiveQueueCapacity,
                        BatchedIo = batchedIo,
                        MaxDatagramSize = maxDatagramSize,
                        SegmentationOffload = segmentationOffload,
                    }));
                }

                return [.. created];
            }
            catch (RingBindException e) when (e.SocketError == SocketError.AddressAlreadyInUse && attempt < Attempts)
            {
                foreach (var ring in created)
                {
                    ring.DisposeAsync().AsTask().GetAwaiter().GetResult();
                }
            }
        }
    }
}
