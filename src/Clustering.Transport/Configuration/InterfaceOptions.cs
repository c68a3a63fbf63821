using System.Net;

namespace Clustering.Transport.Configuration;

/// <summary>One <c>totem { interface { … } }</c> block: the network a ring runs on.</summary>
public sealed record InterfaceOptions
{
    /// <summary>Corosync's default multicast port.</summary>
    public const int DefaultMulticastPort = 5405;

    /// <summary>The ring this block configures (<c>ringnumber</c>), 0 to 7. Corosync 2 allows 0 and 1. Default 0.</summary>
    public int RingNumber { get; init; }

    /// <summary>
    /// The local network or host address to bind (<c>bindnetaddr</c>): an exact local address, or any address of the
    /// local interface's network (<c>192.168.5.0</c> selects the interface 192.168.5.92/24). Null when a nodelist gives the addresses.
    /// </summary>
    public IPAddress? BindNetAddress { get; init; }

    /// <summary>
    /// The multicast group (<c>mcastaddr</c>) for <c>transport: udp</c>. When absent and <c>cluster_name</c> is set, Corosync's
    /// generated address is used (see <see cref="CorosyncConfiguration.GeneratedMulticastAddress"/>); with <see cref="Broadcast"/> it must be absent.
    /// </summary>
    public IPAddress? MulticastAddress { get; init; }

    /// <summary>The UDP port that receives (<c>mcastport</c>); udp sends from the port below it. Default 5405 (5405 + 2 × ringnumber with <c>broadcast: yes</c>).</summary>
    public int MulticastPort { get; init; } = DefaultMulticastPort;

    /// <summary>The multicast time to live (<c>ttl</c>), 0 to 255; only multicast may change it. Default 1.</summary>
    public int Ttl { get; init; } = 1;

    /// <summary>Use the broadcast address 255.255.255.255 instead of a multicast group (<c>broadcast: yes</c>). Default no.</summary>
    public bool Broadcast { get; init; }
}
