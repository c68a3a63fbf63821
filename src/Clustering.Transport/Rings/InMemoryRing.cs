using System.Net;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Clustering.Transport.Rings;

/// <summary>
/// A node's attachment to one wire of an <see cref="InMemoryNetwork"/>. Until a receiver attaches, datagrams wait in
/// <see cref="Received"/>. Once one attaches (<see cref="IPushRing.Attach"/>), the ring behaves as a UDP ring's socket
/// does: datagrams wait in a bounded inbox (the socket buffer) and the ring's own delivery thread (the receive thread)
/// hands each one inline to the receiver, then returns its buffer to the network's pool. Neither way allocates per
/// datagram in steady state, and the sender never runs the receiver's code (a frame sent while handling a frame
/// cannot recurse into the next node).
/// </summary>
internal sealed class InMemoryRing : IRing, IPushRing
{
    /// <summary>The most datagrams delivered before a batch is ended, while more keep arriving.</summary>
    private const int MaxBatch = 16;

    private readonly InMemoryNetwork _network;
    private readonly DatagramPool _pool;
    private readonly ILogger _logger;
    private readonly Channel<RingDatagram> _queue;

    // The push path's inbox: a ring buffer of waiting datagrams under _inboxGate, which the delivery thread waits on.
    private readonly object _inboxGate = new();
    private readonly int _capacity;
    private Pending[] _inbox = [];
    private int _head;
    private int _count;
    private bool _deliveryWaiting;
    private IRingReceiver? _receiver;
    private Thread? _delivery;
    private readonly TaskCompletionSource _deliveryEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    public InMemoryRing(InMemoryNetwork network, DatagramPool pool, ILogger logger, int ringNumber, IPEndPoint localEndPoint, int maxDatagramSize, int receiveQueueCapacity)
    {
        _network = network;
        _pool = pool;
        _logger = logger;
        RingNumber = ringNumber;
        LocalEndPoint = localEndPoint;
        MaxDatagramSize = maxDatagramSize;
        _queue = RingQueue.Create(receiveQueueCapacity);
        _capacity = receiveQueueCapacity;
    }

    public int RingNumber { get; }

    public IPEndPoint LocalEndPoint { get; }

    public int MaxDatagramSize { get; }

    public ChannelReader<RingDatagram> Received => _queue.Reader;

    public RingCounters Counters { get; } = new();

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>The delivery thread, once a receiver is attached (for tests).</summary>
    internal Thread? DeliveryThread => _delivery;

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

    /// <summary>
    /// From now on datagrams go to <paramref name="receiver"/> on this ring's delivery thread, started here; what
    /// waits in <see cref="Received"/> stays there for the caller to drain.
    /// </summary>
    /// <exception cref="InvalidOperationException">A receiver is attached already.</exception>
    public void Attach(IRingReceiver receiver)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        lock (_inboxGate)
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            if (_receiver is not null)
            {
                throw new InvalidOperationException($"Ring {RingNumber} already has a receiver attached.");
            }

            _inbox = new Pending[_capacity];
            _receiver = receiver;
            _delivery = new Thread(DeliveryLoop)
            {
                IsBackground = true,
                Name = $"in-memory ring {RingNumber} {LocalEndPoint}",
            };
            _delivery.Start();
        }
    }

    /// <summary>Takes one copy from the network (which holds its lock): queues it, or returns the buffer when there is no room.</summary>
    internal void Enqueue(IPEndPoint source, byte[] buffer, int length)
    {
        if (IsDisposed)
        {
            _pool.Return(buffer);
            return;
        }

        lock (_inboxGate)
        {
            if (_receiver is not null)
            {
                if (_count == _inbox.Length || IsDisposed)
                {
                    _pool.Return(buffer);
                    Counters.OnReceiveOverflow();
                    return;
                }

                _inbox[(_head + _count) % _inbox.Length] = new Pending(source, buffer, length);
                _count++;
                Counters.OnReceived(length);
                if (_deliveryWaiting)
                {
                    Monitor.Pulse(_inboxGate);
                }

                return;
            }
        }

        RingQueue.Write(_queue.Writer, Counters, new RingDatagram(RingNumber, source, buffer, length, _pool));
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _network.Detach(this);
        RingQueue.CompleteAndDrain(_queue);
        Thread? delivery;
        lock (_inboxGate)
        {
            delivery = _delivery;
            Monitor.Pulse(_inboxGate);
        }

        // The delivery thread returns what is left in the inbox as it ends; a receiver that disposes the ring from
        // its own callback is not waited for (it is that thread).
        if (delivery is not null && delivery != Thread.CurrentThread)
        {
            await _deliveryEnded.Task.ConfigureAwait(false);
        }
    }

    private void DeliveryLoop()
    {
        try
        {
            var receiver = _receiver!;
            var batched = 0;
            while (true)
            {
                Pending next;
                lock (_inboxGate)
                {
                    while (_count == 0 && !IsDisposed)
                    {
                        _deliveryWaiting = true;
                        Monitor.Wait(_inboxGate);
                        _deliveryWaiting = false;
                    }

                    if (IsDisposed)
                    {
                        DrainInbox();
                        return;
                    }

                    next = _inbox[_head];
                    _inbox[_head] = default;
                    _head = (_head + 1) % _inbox.Length;
                    _count--;
                }

                Deliver(receiver, next);

                // A batch ends when the inbox is empty (or after a bounded run), as a UDP ring's ends with its
                // recvmmsg: the receiver may wake its consumer once per batch.
                if (++batched >= MaxBatch || Volatile.Read(ref _count) == 0)
                {
                    batched = 0;
                    EndBatch(receiver);
                }
            }
        }
        finally
        {
            _deliveryEnded.TrySetResult();
        }
    }

    private void Deliver(IRingReceiver receiver, Pending datagram)
    {
        try
        {
            receiver.OnReceived(RingNumber, IRingReceiver.SocketLane, datagram.Source, datagram.Buffer.AsSpan(0, datagram.Length));
        }
#pragma warning disable CA1031 // A failing consumer must not end the delivery thread: it is logged and counted.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Counters.OnReceiveError();
            RingLog.ReceiverFailed(_logger, RingNumber, e);
        }
        finally
        {
            _pool.Return(datagram.Buffer);
        }
    }

    private void EndBatch(IRingReceiver receiver)
    {
        try
        {
            receiver.OnBatchEnd(RingNumber, IRingReceiver.SocketLane);
        }
#pragma warning disable CA1031 // As in Deliver: logged and counted, the delivery thread goes on.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Counters.OnReceiveError();
            RingLog.ReceiverFailed(_logger, RingNumber, e);
        }
    }

    // Under _inboxGate, once disposed.
    private void DrainInbox()
    {
        while (_count > 0)
        {
            _pool.Return(_inbox[_head].Buffer);
            _inbox[_head] = default;
            _head = (_head + 1) % _inbox.Length;
            _count--;
        }
    }

    private readonly record struct Pending(IPEndPoint Source, byte[] Buffer, int Length);
}
