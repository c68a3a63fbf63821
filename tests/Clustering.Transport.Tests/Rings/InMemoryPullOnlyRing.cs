using System.Net;
using System.Threading.Channels;
using Clustering.Transport.Rings;

namespace Clustering.Transport.Tests.Rings;

/// <summary>
/// An in-memory ring seen only through <see cref="IRing"/>: it hides the push path, so the code under test has to read
/// <see cref="IRing.Received"/> (the path a ring without a receive thread of its own takes).
/// </summary>
internal sealed class InMemoryPullOnlyRing(IRing inner) : IRing
{
    public int RingNumber => inner.RingNumber;

    public IPEndPoint LocalEndPoint => inner.LocalEndPoint;

    public int MaxDatagramSize => inner.MaxDatagramSize;

    public ChannelReader<RingDatagram> Received => inner.Received;

    public RingCounters Counters => inner.Counters;

    public ValueTask SendToAllAsync(ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken = default) =>
        inner.SendToAllAsync(datagram, cancellationToken);

    public ValueTask SendToAsync(IPEndPoint destination, ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken = default) =>
        inner.SendToAsync(destination, datagram, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
