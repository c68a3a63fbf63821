using System.Net;

namespace Clustering.Transport.Rings;

/// <summary>
/// A ring with <c>transport: udpu</c>: no multicast, every "send to all" is one unicast per member of the
/// <c>nodelist</c>. Corosync's udpu binds and sends to <c>mcastport</c> on every member's <c>ringX_addr</c>; here
/// each member is given as a full endpoint, so the configuration layer maps the nodelist onto it.
/// </summary>
public sealed class UdpUnicastRingOptions
{
    /// <summary>The ring number (<c>ringnumber</c>), 0 to 7.</summary>
    public int RingNumber { get; init; }

    /// <summary>The local address and port to bind; this node's entry in <see cref="Members"/>.</summary>
    public IPEndPoint? LocalEndPoint { get; init; }

    /// <summary>Every member of the ring (the <c>nodelist</c>'s <c>ringX_addr</c> with the port), this node included or not.</summary>
    public IReadOnlyList<IPEndPoint> Members { get; init; } = [];

    /// <summary>
    /// Drop (and count in <see cref="RingCounters.UnlistedSources"/>) datagrams whose source address is not a
    /// member's, like Corosync's <c>block_unlisted_ips</c> (default on).
    /// </summary>
    public bool BlockUnlistedSources { get; init; } = true;

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
        if (LocalEndPoint is null)
        {
            throw new ArgumentException("LocalEndPoint is required.", nameof(LocalEndPoint));
        }

        if (LocalEndPoint.Port == 0)
        {
            throw new ArgumentException($"LocalEndPoint {LocalEndPoint} needs a port: members reach each other on known ports.", nameof(LocalEndPoint));
        }

        if (Members is null || Members.Count == 0)
        {
            throw new ArgumentException("udpu needs a nodelist: Members is empty.", nameof(Members));
        }

        foreach (var member in Members)
        {
            if (member is null)
            {
                throw new ArgumentException("Members contains null.", nameof(Members));
            }

            if (member.AddressFamily != LocalEndPoint.AddressFamily)
            {
                throw new ArgumentException($"Member {member} is not of the local address family ({LocalEndPoint.AddressFamily}).", nameof(Members));
            }

            if (member.Port == 0)
            {
                throw new ArgumentException($"Member {member} has no port.", nameof(Members));
            }
        }

        UdpRingValidation.Queue(ReceiveQueueCapacity, nameof(ReceiveQueueCapacity));
        UdpRingValidation.MaxDatagram(MaxDatagramSize, LocalEndPoint.AddressFamily, nameof(MaxDatagramSize));
        ArgumentNullException.ThrowIfNull(TimeProvider);
        if (ReceiveLoop is { IsDisposed: true })
        {
            throw new ObjectDisposedException(nameof(ReceiveLoop), "The shared receive loop has been disposed.");
        }
    }
}
