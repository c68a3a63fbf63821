using System.Globalization;
using System.Net;
using Clustering.Transport.Rings;
using Microsoft.Extensions.Logging;

namespace ClusterDemo;

/// <summary>
/// The demo's rings: real UDP multicast on loopback. Node N uses 127.0.R.N on ring R, ring R's multicast group is
/// 239.192.77.(R+1) on port basePort + 2R (Corosync's convention: it also uses the port below for unicast).
/// </summary>
internal static class DemoRings
{
    public static IRing Create(int ring, int node, int basePort, ILoggerFactory loggerFactory) => UdpMulticastRing.Create(new UdpMulticastRingOptions
    {
        RingNumber = ring,
        LocalAddress = IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"127.0.{ring}.{node + 1}")),
        MulticastAddress = IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"239.192.77.{ring + 1}")),
        MulticastPort = basePort + (2 * ring),
    }, loggerFactory);
}
