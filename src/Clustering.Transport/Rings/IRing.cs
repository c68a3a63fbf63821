using System.Net;
using System.Threading.Channels;

namespace Clustering.Transport.Rings;

/// <summary>
/// One network ring: a datagram medium that every node of the cluster is attached to (Corosync's
/// totemudp or totemudpu instance for one <c>interface</c> block). A ring moves opaque datagrams; framing,
/// authentication and redundancy live above it.
/// </summary>
/// <remarks>
/// <para>A datagram sent to all members is not delivered back to its sender: the layer above already has
/// its own frames. Delivery is best effort, as with UDP: datagrams can be lost, duplicated or reordered.</para>
/// <para>Received datagrams carry pooled buffers: the reader owns each <see cref="RingDatagram"/> it takes
/// and must dispose it once done.</para>
/// </remarks>
public interface IRing : IAsyncDisposable
{
    /// <summary>The ring number (<c>ringnumber</c> of the interface block), 0 to 7.</summary>
    int RingNumber { get; }

    /// <summary>The address this node sends from and receives unicasts on; what <c>corosync-cfgtool -s</c> prints as <c>id</c>.</summary>
    IPEndPoint LocalEndPoint { get; }

    /// <summary>The largest datagram this ring accepts, in bytes.</summary>
    int MaxDatagramSize { get; }

    /// <summary>Datagrams received from other members, in arrival order.</summary>
    ChannelReader<RingDatagram> Received { get; }

    /// <summary>Counts of what this ring sent, received and lost locally.</summary>
    RingCounters Counters { get; }

    /// <summary>Sends one datagram to every other member of the ring (multicast, or one unicast per member for udpu).</summary>
    /// <param name="datagram">The bytes to send; not retained after the call completes.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    ValueTask SendToAllAsync(ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken = default);

    /// <summary>Sends one datagram to one member of the ring.</summary>
    /// <param name="destination">The member's <see cref="LocalEndPoint"/> on this ring.</param>
    /// <param name="datagram">The bytes to send; not retained after the call completes.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    ValueTask SendToAsync(IPEndPoint destination, ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken = default);
}
