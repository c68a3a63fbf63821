using System.Threading.Channels;
using Clustering.Transport.Redundancy;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ProtocolTimings = Clustering.Membership.Totem.TotemTimings;

namespace Clustering.Membership.Totem;

/// <summary>
/// The Totem single-ring protocol run over a node's redundant rings: total order, membership and extended virtual
/// synchrony. The protocol itself is a sans-IO state machine; this class is its runtime shell. It feeds it the
/// frames the <see cref="RingSet"/> delivers and the timers it asks for, sends the frames it produces, and publishes
/// its deliveries and configuration changes on <see cref="Events"/> in order.
/// </summary>
/// <remarks>The ring set is owned by the caller and must outlive this object.</remarks>
public sealed class TotemRing : IAsyncDisposable
{
    private readonly RingSet _transport;
    private readonly TimeProvider _time;
    private readonly long _start;
    private readonly Lock _gate = new();
    private readonly TotemProcessor _processor;
    private readonly ITimer[] _timers;
    private readonly long[] _due;
    private readonly Channel<OutboundFrame> _outbound = Channel.CreateUnbounded<OutboundFrame>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<TotemRingEvent> _events;
    private readonly Queue<TotemRingEvent> _spill = new();
    private readonly int _queueCapacity;
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _space = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _receiveLoop = Task.CompletedTask;
    private Task _sendLoop = Task.CompletedTask;
    private TotemConfigurationChange? _configuration;
    private int _state; // 0 new, 1 started, 2 disposed

    /// <summary>Creates the protocol for the node of <paramref name="transport"/>; call <see cref="Start"/> to join.</summary>
    /// <param name="transport">The node's rings (its node id is this node's id).</param>
    /// <param name="options">Timings, queue sizes and the state directory.</param>
    /// <param name="timeProvider">The clock; the system clock by default.</param>
    /// <param name="loggerFactory">Where logs go.</param>
    public TotemRing(RingSet transport, TotemRingOptions? options = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        options ??= new TotemRingOptions();
        ArgumentNullException.ThrowIfNull(options.Timings);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SendQueueCapacity, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.EventQueueCapacity, 16, nameof(options));
        _transport = transport;
        _time = timeProvider ?? TimeProvider.System;
        _start = _time.GetTimestamp();
        _queueCapacity = options.SendQueueCapacity;
        var t = options.Timings;
        t.Validate(2);
        _processor = new TotemProcessor(transport.NodeId, new TotemProcessorOptions
        {
            Timings = ProtocolTimings.From(t),
            QueueCapacity = options.SendQueueCapacity,
            RingIdStore = options.StateDirectory is null ? null : new FileRingIdStore(options.StateDirectory, transport.NodeId),
            Logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<TotemRing>(),
        });
        _events = Channel.CreateBounded<TotemRingEvent>(new BoundedChannelOptions(options.EventQueueCapacity) { SingleWriter = true });
        var kinds = Enum.GetValues<TotemTimer>();
        _timers = new ITimer[kinds.Length];
        _due = new long[kinds.Length];
        foreach (var kind in kinds)
        {
            _due[(int)kind] = -1;
            _timers[(int)kind] = _time.CreateTimer(static s => ((TimerState)s!).Ring.OnTimer(((TimerState)s!).Kind), new TimerState(this, kind),
                Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>This node's id.</summary>
    public uint NodeId => _transport.NodeId;

    /// <summary>Deliveries and configuration changes, in the total order every member shares.</summary>
    public ChannelReader<TotemRingEvent> Events => _events.Reader;

    /// <summary>The last regular configuration installed, or <see langword="null"/> before the first.</summary>
    public TotemConfigurationChange? Configuration => Volatile.Read(ref _configuration);

    /// <summary>Frames the protocol could not decode (dropped and counted).</summary>
    public long MalformedFrames
    {
        get
        {
            lock (_gate)
            {
                return _processor.MalformedFrames;
            }
        }
    }

    private long Now => _time.GetElapsedTime(_start).Ticks;

    /// <summary>Starts the protocol: the node forms a ring alone, then merges with every node it hears.</summary>
    /// <exception cref="InvalidOperationException">Already started or disposed.</exception>
    public void Start()
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("The ring is already started or disposed.");
        }

        _sendLoop = Task.Run(SendLoopAsync);
        _receiveLoop = Task.Run(ReceiveLoopAsync);
        lock (_gate)
        {
            _processor.Start(Now);
            Drain();
        }
    }

    /// <summary>Queues a message for total-order multicast; <see langword="false"/> when the send queue is full.</summary>
    /// <param name="message">The message, copied; at most the protocol's largest message.</param>
    /// <param name="order">Agreed or safe delivery.</param>
    public bool TrySend(ReadOnlyMemory<byte> message, MessageOrder order = MessageOrder.Agreed)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _state) == 2, this);
        lock (_gate)
        {
            var accepted = _processor.TryEnqueue(message, (DeliveryOrder)order, Now);
            Drain();
            return accepted;
        }
    }

    /// <summary>Queues a message for total-order multicast, waiting while the send queue is full.</summary>
    /// <param name="message">The message, copied.</param>
    /// <param name="order">Agreed or safe delivery.</param>
    /// <param name="cancellationToken">Stops waiting for room in the queue.</param>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> message, MessageOrder order = MessageOrder.Agreed, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task space;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(Volatile.Read(ref _state) == 2, this);
                if (_processor.TryEnqueue(message, (DeliveryOrder)order, Now))
                {
                    Drain();
                    return;
                }

                Drain();
                space = _space.Task;
            }

            await space.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops the protocol (other members see this node fail) and completes <see cref="Events"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _state, 2) == 2)
        {
            return;
        }

        foreach (var timer in _timers)
        {
            await timer.DisposeAsync().ConfigureAwait(false);
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _outbound.Writer.TryComplete();
        await Task.WhenAll(_receiveLoop, _sendLoop).ConfigureAwait(false);
        _events.Writer.TryComplete();
        lock (_gate)
        {
            _space.TrySetException(new ObjectDisposedException(nameof(TotemRing)));
        }

        _stop.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        var token = _stop.Token;
        var reader = _transport.Received;
        try
        {
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                // Back-pressure: while the consumer lags, frames wait in the transport (and are retransmitted if dropped there).
                await FlushSpillAsync(token).ConfigureAwait(false);
                await _events.Writer.WaitToWriteAsync(token).ConfigureAwait(false);
                while (reader.TryRead(out var frame))
                {
                    using (frame)
                    {
                        lock (_gate)
                        {
                            _processor.OnFrame(frame.Header.SenderNodeId, frame.Header.Type, frame.Payload.Span, Now);
                            Drain();
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Disposed.
        }
        catch (ChannelClosedException)
        {
            // The transport or the event stream was closed.
        }
    }

    private async Task FlushSpillAsync(CancellationToken token)
    {
        while (true)
        {
            TotemRingEvent next;
            lock (_gate)
            {
                if (!_spill.TryPeek(out next!))
                {
                    return;
                }
            }

            await _events.Writer.WriteAsync(next, token).ConfigureAwait(false);
            lock (_gate)
            {
                _spill.Dequeue();
            }
        }
    }

    private async Task SendLoopAsync()
    {
        var token = _stop.Token;
        try
        {
            await foreach (var frame in _outbound.Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                if (frame.Destination == 0)
                {
                    await _transport.SendToAllAsync(frame.Type, frame.Payload, token).ConfigureAwait(false);
                }
                else
                {
                    // An unknown address means the node has not spoken yet: the protocol's retransmission covers it.
                    await _transport.SendToAsync(frame.Destination, frame.Type, frame.Payload, token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Disposed.
        }
        catch (ObjectDisposedException)
        {
            // The transport was disposed first.
        }
    }

    private void OnTimer(TotemTimer kind)
    {
        lock (_gate)
        {
            if (Volatile.Read(ref _state) != 1)
            {
                return;
            }

            var due = _due[(int)kind];
            var now = Now;
            if (due < 0)
            {
                return;
            }

            if (now < due)
            {
                // A callback from a deadline that has been replaced since: wait for the new one.
                _timers[(int)kind].Change(TimeSpan.FromTicks(due - now), Timeout.InfiniteTimeSpan);
                return;
            }

            _due[(int)kind] = -1;
            _processor.OnTimer(kind, now);
            Drain();
        }
    }

    /// <summary>Acts on what the processor produced. Called under <see cref="_gate"/>.</summary>
    private void Drain()
    {
        var output = _processor.Output;
        foreach (var frame in output.Frames)
        {
            _outbound.Writer.TryWrite(frame);
        }

        if (output.Timers.Count > 0)
        {
            var now = Now;
            foreach (var request in output.Timers)
            {
                var index = (int)request.Timer;
                _due[index] = request.DueTicks;
                _timers[index].Change(
                    request.DueTicks < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromTicks(Math.Max(0, request.DueTicks - now)),
                    Timeout.InfiniteTimeSpan);
            }
        }

        foreach (var e in output.Events)
        {
            TotemRingEvent? published = e.Kind switch
            {
                TotemEventKind.Delivery => new TotemDelivery(e.Origin, Map(e.Ring), e.Seq, (MessageOrder)e.Order, e.Payload.ToArray()),
                TotemEventKind.Configuration when e.Configuration is { } c => new TotemConfigurationChange(
                    c.Kind == ConfigurationKind.Transitional, Map(c.Ring), c.Members, c.Joined, c.Left),
                _ => null,
            };

            if (published is TotemConfigurationChange { IsTransitional: false } regular)
            {
                Volatile.Write(ref _configuration, regular);
            }

            if (published is not null && (_spill.Count > 0 || !_events.Writer.TryWrite(published)))
            {
                _spill.Enqueue(published);
            }
        }

        output.Clear();
        if (_processor.QueueLength < _queueCapacity && _space.Task.IsCompleted is false)
        {
            var space = _space;
            _space = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            space.TrySetResult();
        }
    }

    private static TotemRingId Map(RingId ring) => new(ring.Representative, ring.Sequence);

    private sealed record TimerState(TotemRing Ring, TotemTimer Kind);
}
