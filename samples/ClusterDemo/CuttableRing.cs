using System.Net;
using System.Threading.Channels;
using Clustering.Transport.Rings;

namespace ClusterDemo;

/// <summary>
/// A ring with a switch, standing in for a pulled cable: while <see cref="IsCut"/> is set, nothing is sent and what
/// arrives is thrown away, both ways, as if the interface were down.
/// </summary>
internal sealed class CuttableRing : IRing
{
    private readonly IRing _inner;
    private readonly Channel<RingDatagram> _received = Channel.CreateBounded<RingDatagram>(
        new BoundedChannelOptions(8192) { FullMode = BoundedChannelFullMode.DropWrite }, static d => d.Dispose());

    private readonly Task _pump;
    private volatile bool _cut;

    public CuttableRing(IRing inner)
    {
        _inner = inner;
        _pump = Task.Run(PumpAsync);
    }

    public bool IsCut
    {
        get => _cut;
        set => _cut = value;
    }

    public int RingNumber => _inner.RingNumber;

    public IPEndPoint LocalEndPoint => _inner.LocalEndPoint;

    public int MaxDatagramSize => _inner.MaxDatagramSize;

    public ChannelReader<RingDatagram> Received => _received.Reader;

    public RingCounters Counters => _inner.Counters;

    public ValueTask SendToAllAsync(ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken = default)
        => _cut ? ValueTask.CompletedTask : _inner.SendToAllAsync(datagram, cancellationToken);

    public ValueTask SendToAsync(IPEndPoint destination, ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken = default)
        => _cut ? ValueTask.CompletedTask : _inner.SendToAsync(destination, datagram, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync();
        await _pump;
    }

    private async Task PumpAsync()
    {
        await foreach (var datagram in _inner.Received.ReadAllAsync())
        {
            if (_cut)
            {
                datagram.Dispose();
            }
            else
            {
                _received.Writer.TryWrite(datagram);
            }
        }

        _received.Writer.TryComplete();
    }
}
