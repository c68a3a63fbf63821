using System.Net;
using System.Net.Sockets;

namespace Clustering.Transport.Rings;

/// <summary>
/// One <c>interface</c> block of <c>corosync.conf</c> with <c>transport: udp</c>: where a multicast ring binds
/// and which group it uses. Defaults are Corosync's.
/// </summary>
public sealed class UdpMulticastRingOptions
{
    /// <summary>Corosync's default <c>mcastport</c>.</summary>
    public const int DefaultMulticastPort = 5405;

    /// <summary>The ring number (<c>ringnumber</c>), 0 to 7.</summary>
    public int RingNumber { get; init; }

    /// <summary>
    /// The <c>bindnetaddr</c>: a local address or the network address of a local interface, matched as
    /// <see cref="Rings.BindNetAddress"/> describes. Ignored when <see cref="LocalAddress"/> is set.
    /// </summary>
    public IPAddress? BindNetAddress { get; init; }

    /// <summary>The exact local address to bind, skipping the <c>bindnetaddr</c> match (for several nodes on one host, 127.0.0.N).</summary>
    public IPAddress? LocalAddress { get; init; }

    /// <summary>The interfaces <see cref="BindNetAddress"/> is matched against; the machine's own when <see langword="null"/> (tests inject a list).</summary>
    public IReadOnlyList<(IPAddress Address, int PrefixLength)>? Interfaces { get; init; }

    /// <summary>The multicast group (<c>mcastaddr</c>), IPv4 (224.0.0.0/4) or IPv6 (ff00::/8), of the same family as the local address.</summary>
    public IPAddress? MulticastAddress { get; init; }

    /// <summary>
    /// The <c>mcastport</c> (default 5405). As in Corosync, the ring receives multicasts on this port and sends
    /// (and receives unicasts) from <c>mcastport - 1</c>, so two rings on one group need ports at least 2 apart.
    /// </summary>
    public int MulticastPort { get; init; } = DefaultMulticastPort;

    /// <summary>The multicast time to live, or hop limit for IPv6 (<c>ttl</c>, default 1, 0 to 255).</summary>
    public int Ttl { get; init; } = 1;

    /// <summary>Received datagrams queued before further ones are dropped and counted (default 1024).</summary>
    public int ReceiveQueueCapacity { get; init; } = InMemoryNetwork.DefaultReceiveQueueCapacity;

    /// <summary>The largest datagram sent or accepted (default and maximum: 65 507 bytes for IPv4, 65 527 for IPv6).</summary>
    public int? MaxDatagramSize { get; init; }

    /// <summary>
    /// Whether the ring uses UDP segmentation offload where the kernel does it right (Linux, checked by a self-test when the
    /// ring starts): a run of equal-size datagrams to one destination is sent as one <c>UDP_SEGMENT</c> message, and the
    /// receive sockets take coalesced datagrams (<c>UDP_GRO</c>) and split them back. What goes on the wire is the same
    /// datagrams either way. Default on; off, or where the self-test fails, every datagram is its own message.
    /// </summary>
    public bool SegmentationOffload { get; init; } = true;

    /// <summary>
    /// Corosync's <c>recv_flush</c>: a datagram read from the unicast socket (Totem's token) is handed on only after every
    /// datagram already queued on the group socket (the frames sent before the token), so the token never overtakes
    /// them. Default on. Off, the unicast socket is served first: for an accelerated Totem ring
    /// (<c>TotemRingOptions.AcceleratedWindow</c>), whose frames mostly follow their token, the token then goes on
    /// without waiting for the group socket's backlog (a node built from corosync.conf turns it off exactly then).
    /// </summary>
    public bool RecvFlush { get; init; } = true;

    /// <summary>
    /// Whether receives batch datagrams with <c>recvmmsg</c> where the platform has it (64-bit Linux); tests turn it off
    /// to run the portable path. Default on.
    /// </summary>
    internal bool BatchedIo { get; init; } = true;

    /// <summary>
    /// The node's shared receive thread: when set, the ring's receive sockets are served by this loop together with the
    /// node's other rings, instead of by a thread of the ring's own (see <see cref="UdpReceiveLoop"/>). Ignored where
    /// receives are not batched (anything but 64-bit Linux): the ring keeps its own threads. Default
    /// <see langword="null"/>: the ring's own thread. The loop must not be disposed before the ring is created.
    /// </summary>
    public UdpReceiveLoop? ReceiveLoop { get; init; }

    /// <summary>The clock used for the receive loop's pause after an unexpected error.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Checks every value and throws with the name of the first one that is wrong.</summary>
    /// <exception cref="ArgumentException">A value is missing, out of range or of the wrong address family.</exception>
    /// <exception cref="ObjectDisposedException"><see cref="ReceiveLoop"/> has been disposed.</exception>
    public void Validate()
    {
        UdpRingValidation.RingNumber(RingNumber, nameof(RingNumber));
        if (LocalAddress is null && BindNetAddress is null)
        {
            throw new ArgumentException("Set BindNetAddress (bindnetaddr) or LocalAddress.", nameof(BindNetAddress));
        }

        if (MulticastAddress is null)
        {
            throw new ArgumentException("MulticastAddress (mcastaddr) is required.", nameof(MulticastAddress));
        }

        if (!IsMulticast(MulticastAddress))
        {
            throw new ArgumentException($"mcastaddr {MulticastAddress} is not a multicast address (224.0.0.0/4 or ff00::/8).", nameof(MulticastAddress));
        }

        var family = (LocalAddress ?? BindNetAddress)!.AddressFamily;
        if (MulticastAddress.AddressFamily != family)
        {
            throw new ArgumentException($"mcastaddr {MulticastAddress} and the local address {LocalAddress ?? BindNetAddress} are of different address families.", nameof(MulticastAddress));
        }

        if (MulticastPort is < 2 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(MulticastPort), MulticastPort, "mcastport must be 2 to 65535 (the ring also uses mcastport - 1).");
        }

        if (Ttl is < 0 or > 255)
        {
            throw new ArgumentOutOfRangeException(nameof(Ttl), Ttl, "ttl must be 0 to 255.");
        }

        UdpRingValidation.Queue(ReceiveQueueCapacity, nameof(ReceiveQueueCapacity));
        UdpRingValidation.MaxDatagram(MaxDatagramSize, family, nameof(MaxDatagramSize));
        ArgumentNullException.ThrowIfNull(TimeProvider);
        if (ReceiveLoop is { IsDisposed: true })
        {
            throw new ObjectDisposedException(nameof(ReceiveLoop), "The shared receive loop has been disposed.");
        }
    }

    internal static bool IsMulticast(IPAddress address) => address.AddressFamily switch
    {
        AddressFamily.InterNetwork => (address.GetAddressBytes()[0] & 0xF0) == 0xE0,
        AddressFamily.InterNetworkV6 => address.IsIPv6Multicast,
        _ => false,
    };
}
