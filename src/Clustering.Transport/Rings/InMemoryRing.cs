using System.Buffers;
using System.Net;
using System.Threading.Channels;

namespace Clustering.Transport.Rings;

/// <summary>A node's attachment to one wire of an <see cref="InMemoryNetwork"/>.</summary>
internal sealed class InMemoryRing : IRing
{
    private readonly InMemoryNetwork _network;
    private readonly Channel<RingDatagram> _queue;
    private int _disposed;

    public InMemoryRing(InMemoryNetwork network, int ringNumber, IPEndPoint localEndPoint, int maxDatagramSize, int receiveQueueCapacity)
    {
        _network = network;
        RingNumber = ringNumber;
        LocalEndPoint = localEndPoint;
        MaxDatagramSize = maxDatagramSize;
        _queue = RingQueue.Create(receiveQueueCapacity);
    }

    public int RingNumber { get; }

    public IPEndPoint LocalEndPoint { get; }

    public int MaxDatagramSize { get; }

    public ChannelReader<RingDatagram> Received => _queue.Reader;

    public RingCounters Counters { get; } = new();

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    public ValueTask SendToAllAsync(ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken = default)
    {
        RingQueue.CheckSend(this, IsDisposed, datagram.Length, cancellationToken);
        Counters.OnSent(datagram.Length);
        _network.Send(this, null, datagram.Span);
        return ValueTask.CompletedTask;
    }

    public ValueTask SendToAsync(IPEndPoint destination, ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        RingQueue.CheckSend(this, IsDisposed, datagram.Length, cancellationToken);
        Counters.OnSent(datagram.Length);
        _network.Send(this, destination, datagram.Span);
        return ValueTask.CompletedTask;
    }

    internal void Enqueue(IPEndPoint source, byte[] buffer, int length)
    {
        if (IsDisposed)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return;
        }

        RingQueue.Write(_queue.Writer, Counters, new RingDatagram(RingNumber, source, buffer, length, ArrayPool<byte>.Shared));
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _network.Detach(this);
            RingQueue.CompleteAndDrain(_queue);
        }

        return ValueTask.CompletedTask;
    }
}
