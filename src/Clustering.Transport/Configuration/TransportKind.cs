namespace Clustering.Transport.Configuration;

/// <summary>The ring transport, Corosync's <c>transport</c> key.</summary>
public enum TransportKind
{
    /// <summary>UDP multicast (<c>udp</c>, Corosync 2's default): one datagram reaches every member.</summary>
    Udp = 0,

    /// <summary>UDP unicast (<c>udpu</c>) to each member of the <c>nodelist</c>: for networks without multicast, such as most clouds.</summary>
    Udpu = 1,
}
