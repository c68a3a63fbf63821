using System.Net;
using Clustering.TestSupport;
using Clustering.Transport.Redundancy;
using Clustering.Transport.Rings;
using Clustering.Transport.Security;

namespace Clustering.IntegrationTests;

/// <summary>
/// A node's transport inside a <see cref="NetworkLab"/>: one UDP multicast ring per lab network, created in the
/// node's namespace (bindnetaddr matched against its interfaces), run as a secauth ring set in active mode.
/// </summary>
internal static class NamespaceRingSets
{
    /// <summary>One multicast group per ring, chosen at random in 239.192/16 so concurrent runs do not meet.</summary>
    public static IPAddress[] RandomGroups(int rings) =>
        [.. Enumerable.Range(0, rings).Select(_ => new IPAddress([239, 192, (byte)Random.Shared.Next(0, 256), (byte)Random.Shared.Next(1, 255)]))];

    /// <summary>The ring set of lab node <paramref name="node"/> (node id = index + 1), sha256 + aes256, rrp_mode active.</summary>
    public static RingSet Create(NetworkLab lab, int node, IReadOnlyList<IPAddress> groups, Authkey key, string clusterName)
    {
        var interfaces = lab.Nodes[node].Interfaces;
        var rings = Enumerable.Range(0, groups.Count).Select(r => lab.RunIn<IRing>(node, () => UdpMulticastRing.Create(new UdpMulticastRingOptions
        {
            RingNumber = r,
            BindNetAddress = lab.Networks[r],
            Interfaces = interfaces,
            MulticastAddress = groups[r],
        }))).ToArray();
        return new RingSet(rings, key, new RingSetOptions
        {
            NodeId = (uint)(node + 1),
            Protection = new FrameProtectorOptions { ClusterName = clusterName, Hash = CryptoHash.Sha256, Cipher = CryptoCipher.Aes256 },
            Redundancy = new RedundancyOptions { Mode = RrpMode.Active },
        });
    }
}
