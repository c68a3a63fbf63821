using System.Collections.Concurrent;
using System.Threading.Channels;
using Clustering.Membership.Totem.Fragmentation;
using Clustering.Transport.Framing;
using Clustering.Transport.Redundancy;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ProtocolTimings = Clustering.Membership.Totem.TotemTimings;

namespace Clustering.Membership.Totem;

/// <summary>
/// The Totem single-ring protocol run over a node's redundant rings: total order, membership and extended virtual
/// synchrony. The protocol itself is a sans-IO state machine; this class is its runtime shell. One owner at a time
/// feeds it everything — the frames the <see cref="RingSet"/> delivers, the messages queued by <see cref="TrySend"/>
/// and <see cref="SendAsync"/>, the timers it asked for — sends the frames it produces, and publishes its deliveries
/// and configuration changes on <see cref="Events"/> in order. The owner is whichever thread brings an input and
/// finds the processor free (an atomic flag, not a lock): the ring's receive thread that brought the token sends
/// the next frames itself, with no hand-off to another thread. No lock is taken on the message path.
/// </summary>
/// <remarks>
/// The ring set is owned by the caller and must outlive this object. Application messages (0 B to 1 MiB) are packed
/// several per frame or fragmented to the frame size (<see cref="TotemRingOptions.NetMtu"/>); every member delivers
/// whole messages only. Deliveries on <see cref="Events"/> are pooled: a reader that disposes each
/// <see cref="TotemDelivery"/> when done makes the delivery path allocation-free (see <see cref="TotemDelivery"/>).
/// </remarks>
public sealed partial class TotemRing : IAsyncDisposable
{
    private const int FramesPerTurn = 64;
    private const int PooledDeliveries = 4096;
    private const int PooledBatches = 256;
    private readonly RingSet _transport;
    private readonly TimeProvider _time;
    private readonly long _start;
    private readonly TotemProcessor _processor;
    private readonly ITimer[] _timers;
    private readonly long[] _due;
    private readonly ConcurrentQueue<Input> _inbox = new();
    private readonly Action _kick;
    private readonly KickItem _kickItem;
    private readonly Channel<TotemRingEvent> _events;
    private readonly Queue<TotemRingEvent> _spill = new();
    private readonly List<OutboundFrame> _sends = [];
    private OutgoingFrame[] _outgoing = new OutgoingFrame[32];
    private readonly List<TotemRingEvent> _published = [];
    private readonly TotemDelivery.DeliveryPool _deliveries = new(PooledDeliveries);
    private readonly TotemDeliveryBatch.BatchPool _batches = new(PooledBatches);
    private readonly bool _batchDeliveries;
    private readonly int _queueCapacity;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _spaceGate = new();
    private TaskCompletionSource _space = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _owner; // 0 free, 1 a thread runs the processor, 2 disposed, 3 failed
    private int _spillArmed;
    private Exception? _failure;
    private int _firedTimers;
    private int _spaceWanted;
    private int _admitted;
    private long _lastPacked;
    private long _malformed;
    private TotemConfigurationChange? _configuration;
    private TotemDeliveryBatch? _batch;
    private int _state; // 0 new, 1 started, 2 disposed

    /// <summary>Creates the protocol for the node of <paramref name="transport"/>; call <see cref="Start"/> to join.</summary>
    /// <param name="transport">The node's rings (its node id is this node's id).</param>
    /// <param name="options">Timings, queue sizes, netmtu and the state directory.</param>
    /// <param name="timeProvider">The clock; the system clock by default.</param>
    /// <param name="loggerFactory">Where logs go.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (for example a netmtu too small for a frame).</exception>
    public TotemRing(RingSet transport, TotemRingOptions? options = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        options ??= new TotemRingOptions();
        ArgumentNullException.ThrowIfNull(options.Timings);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SendQueueCapacity, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.EventQueueCapacity, 16, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.NetMtu, 576, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.NodelistSize, nameof(options));
        _transport = transport;
        _time = timeProvider ?? TimeProvider.System;
        _start = _time.GetTimestamp();
        _queueCapacity = options.SendQueueCapacity;
        _batchDeliveries = options.BatchDeliveries;
        var t = options.Timings;
        t.Validate(options.NodelistSize);
        _processor = new TotemProcessor(transport.NodeId, new TotemProcessorOptions
        {
            Timings = ProtocolTimings.From(t, options.NodelistSize) with { AcceleratedWindow = options.AcceleratedWindow },

            // Admission is bounded here (SendQueueCapacity messages); the processor takes whatever was admitted.
            QueueCapacity = int.MaxValue,
            QueueByteCapacity = long.MaxValue,
            PoolBuffers = true,
            MaxFramePayload = Math.Min(transport.MaxPayloadLength, options.NetMtu - TotemProcessorOptions.TransportReserve),
            RingIdStore = options.StateDirectory is null ? null : new FileRingIdStore(options.StateDirectory, transport.NodeId),
            Logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<TotemRing>(),
        });
        _events = Channel.CreateBounded<TotemRingEvent>(new BoundedChannelOptions(options.EventQueueCapacity)
        {
            SingleWriter = true,
            AllowSynchronousContinuations = options.InlineEventReader,
        });
        _kick = Kick;
        _kickItem = new KickItem(this);
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
    public long MalformedFrames => Volatile.Read(ref _malformed);

    /// <summary>This node's Totem counts (token visits, frames sent, retransmissions), readable from any thread.</summary>
    public TotemStatistics Statistics => _processor.Statistics;

    private long Now => _time.GetElapsedTime(_start).Ticks;

    /// <summary>Starts the protocol: the node forms a ring alone, then merges with every node it hears.</summary>
    /// <exception cref="InvalidOperationException">Already started or disposed.</exception>
    public void Start()
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("The ring is already started or disposed.");
        }

        _inbox.Enqueue(new Input(InputKind.Start));

        // Frames are handled on the thread that received them: the ring set runs Kick after queueing one.
        _transport.SetFramesAvailableCallback(_kick);
        Kick();
    }

    /// <summary>Queues a message for total-order multicast; <see langword="false"/> when the send queue is full.</summary>
    /// <remarks>When no other thread is running the protocol at that moment, the calling thread runs it for one turn
    /// (for example sends a token it holds) before returning.</remarks>
    /// <param name="message">The message, copied; 0 B to 1 MiB.</param>
    /// <param name="order">Agreed or safe delivery.</param>
    /// <exception cref="ArgumentException">The message is larger than 1 MiB.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Unknown order.</exception>
    /// <exception cref="ObjectDisposedException">The ring is disposed.</exception>
    public bool TrySend(ReadOnlyMemory<byte> message, MessageOrder order = MessageOrder.Agreed)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _state) == 2, this);
        if (message.Length > MessagePacker.MaxMessage)
        {
            throw new ArgumentException($"A message may have at most {MessagePacker.MaxMessage} bytes.", nameof(message));
        }

        if (order is not MessageOrder.Agreed and not MessageOrder.Safe)
        {
            throw new ArgumentOutOfRangeException(nameof(order), order, "Unknown delivery order.");
        }

        if (Interlocked.Increment(ref _admitted) > _queueCapacity)
        {
            Interlocked.Decrement(ref _admitted);
            return false;
        }

        var buffer = MessageBuffers.Rent(message.Length);
        message.Span.CopyTo(buffer);
        _inbox.Enqueue(new Input(InputKind.Send) { Buffer = buffer, Length = message.Length, Order = (DeliveryOrder)order });
        Kick();
        return true;
    }

    /// <summary>Queues a message for total-order multicast, waiting while the send queue is full.</summary>
    /// <remarks>A sender held back by a full queue resumes once at most half of <see cref="TotemRingOptions.SendQueueCapacity"/>
    /// is left, not after every token visit: it then refills half a queue in one go, one wake-up for many messages.</remarks>
    /// <param name="message">The message, copied; 0 B to 1 MiB.</param>
    /// <param name="order">Agreed or safe delivery.</param>
    /// <param name="cancellationToken">Stops waiting for room in the queue.</param>
    /// <exception cref="ArgumentException">The message is larger than 1 MiB.</exception>
    /// <exception cref="ObjectDisposedException">The ring is disposed.</exception>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> message, MessageOrder order = MessageOrder.Agreed, CancellationToken cancellationToken = default)
    {
        while (!TrySend(message, order))
        {
            Task space;
            lock (_spaceGate)
            {
                if (_space.Task.IsCompleted)
                {
                    _space = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                Volatile.Write(ref _spaceWanted, 1);
                space = _space.Task;
            }

            if (TrySend(message, order))
            {
                return;
            }

            await space.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops the protocol (other members see this node fail) and completes <see cref="Events"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        var previous = Interlocked.Exchange(ref _state, 2);
        if (previous == 2)
        {
            return;
        }

        _transport.SetFramesAvailableCallback(null);
        foreach (var timer in _timers)
        {
            await timer.DisposeAsync().ConfigureAwait(false);
        }

        await _stop.CancelAsync().ConfigureAwait(false);

        // Take the processor for good: wait for a thread running it to finish its turn.
        while (Interlocked.CompareExchange(ref _owner, 2, 0) == 1)
        {
            await Task.Yield();
        }

        while (_inbox.TryDequeue(out var input))
        {
            Discard(input);
        }

        while (_spill.TryDequeue(out var spilled))
        {
            (spilled as IDisposable)?.Dispose();
        }

        foreach (var unpublished in _published)
        {
            (unpublished as IDisposable)?.Dispose();
        }

        _published.Clear();
        _batch = null;

        _events.Writer.TryComplete();
        lock (_spaceGate)
        {
            _space.TrySetException(new ObjectDisposedException(nameof(TotemRing)));
        }

        _stop.Dispose();
        if (_failure is { } failure)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }

    private static void Release(byte[]? buffer)
    {
        if (buffer is not null)
        {
            MessageBuffers.Return(buffer);
        }
    }

    private static void Discard(in Input input)
    {
        if (input.Kind == InputKind.Frame)
        {
            input.Frame.Dispose();
        }
        else if (input.Kind == InputKind.Send)
        {
            Release(input.Buffer);
        }
    }

    /// <summary>
    /// The owner: whichever thread brings an input — a ring's receive thread when frames arrive, a sender, a
    /// timer — and finds the processor free runs it (an atomic ownership flag; no lock, no queue hop), draining every
    /// source; a thread that finds it busy leaves its input to the running owner, which looks again before it lets go.
    /// So the thread that brought the token also sends the next frames. Nothing is allocated per input.
    /// </summary>
    private void Kick()
    {
        while (Interlocked.CompareExchange(ref _owner, 1, 0) == 0)
        {
            bool more;
            try
            {
                more = RunTurn();
            }
            catch (OperationCanceledException) when (Volatile.Read(ref _state) == 2)
            {
                // Disposed meanwhile.
                Interlocked.Exchange(ref _owner, 0);
                return;
            }
            catch (Exception e) when (e is ChannelClosedException or ObjectDisposedException)
            {
                // The event stream was closed, or the transport was disposed first: the protocol stops here.
                Interlocked.Exchange(ref _owner, 3);
                return;
            }
            catch (Exception e)
            {
                // The protocol cannot go on: readers see the failure, and DisposeAsync rethrows it.
                _failure = e;
                Interlocked.Exchange(ref _owner, 3);
                _events.Writer.TryComplete(e);
                return;
            }

            Interlocked.Exchange(ref _owner, 0);
            if (more)
            {
                // A long burst: let other work run, and go on from the thread pool.
                ThreadPool.UnsafeQueueUserWorkItem(_kickItem, preferLocal: false);
                return;
            }

            // An input that arrived while this thread still owned the processor: its producer found it busy. While
            // events wait for the consumer, only the consumer's room matters; if its continuation already ran (and
            // found the processor busy), go on here.
            if (_spill.Count > 0)
            {
                if (Volatile.Read(ref _spillArmed) == 1)
                {
                    return;
                }
            }
            else if (_inbox.IsEmpty && Volatile.Read(ref _firedTimers) == 0 && !_transport.Received.TryPeek(out _))
            {
                return;
            }
        }
    }

    /// <summary>One turn of the owner: what arrived, up to a budget; <see langword="true"/> when more is waiting.</summary>
    private bool RunTurn()
    {
        if (Volatile.Read(ref _state) == 2)
        {
            return false;
        }

        var token = _stop.Token;
        var received = _transport.Received;

        // Back-pressure: while the consumer lags, inputs wait (frames dropped by the transport are retransmitted).
        if (!TryFlushSpill())
        {
            return false;
        }

        // The frames that arrived together first, each answered at once (the token goes on as soon as it is
        // handled); their deliveries are published after all of them, so the reader's work never delays the token.
        var frames = 0;
        var inputs = 0;
        for (; frames < FramesPerTurn && received.TryRead(out var frame); frames++)
        {
            if (frame.Header.Type == FrameType.Token)
            {
                // Messages the application queued while this thread was busy go out on this visit, not the next.
                inputs += HandleInbox(FramesPerTurn - inputs, token);
            }

            Handle(new Input(InputKind.Frame) { Frame = frame });
            SendFrames(token);
        }

        Publish();
        if (_spill.Count == 0)
        {
            inputs += HandleInbox(FramesPerTurn - inputs, token);
            Publish();
        }

        // Timers last: a frame already waiting (the token, say) re-arms the deadline a timer would otherwise miss.
        if (_spill.Count == 0)
        {
            var fired = Interlocked.Exchange(ref _firedTimers, 0);
            for (var index = 0; fired != 0; index++, fired >>= 1)
            {
                if ((fired & 1) != 0)
                {
                    Handle(new Input(InputKind.Timer) { Timer = (TotemTimer)index });
                    SendFrames(token);
                    Publish();
                }
            }
        }

        if (_spill.Count > 0)
        {
            TryFlushSpill();
            return false;
        }

        return frames == FramesPerTurn || inputs >= FramesPerTurn;
    }

    /// <summary>Handles up to <paramref name="budget"/> queued inputs (sends, the start); returns how many.</summary>
    private int HandleInbox(int budget, CancellationToken token)
    {
        var handled = 0;
        for (; handled < budget && _inbox.TryDequeue(out var input); handled++)
        {
            Handle(input);
            SendFrames(token);
        }

        return handled;
    }

        private void Handle(in Input input)
    {
        switch (input.Kind)
        {
            case InputKind.Start:
                _processor.Start(Now);
                break;
            case InputKind.Frame:
                using (var frame = input.Frame)
                {
                    _processor.OnFrame(frame.Header.SenderNodeId, frame.Header.Type, frame.Payload.Span, Now);
                }

                Volatile.Write(ref _malformed, _processor.MalformedFrames + _processor.MalformedChunks);
                break;
            case InputKind.Send:
                if (!_processor.TryEnqueueOwned(input.Buffer!, input.Length, input.Order, Now))
                {
                    // Cannot happen: the processor's own bounds are off; admission is bounded by TrySend.
                    Release(input.Buffer);
                    Interlocked.Decrement(ref _admitted);
                    return;
                }

                break;
            case InputKind.Timer:
                var index = (int)input.Timer;
                var due = _due[index];
                var now = Now;
                if (due < 0)
                {
                    return;
                }

                if (now < due)
                {
                    // A callback from a deadline that has been replaced since: wait for the new one.
                    _timers[index].Change(TimeSpan.FromTicks(due - now), Timeout.InfiniteTimeSpan);
                    return;
                }

                _due[index] = -1;
                _processor.OnTimer(input.Timer, now);
                break;
        }

        Drain();
    }

    private void OnTimer(TotemTimer kind)
    {
        if (Volatile.Read(ref _state) == 1)
        {
            Interlocked.Or(ref _firedTimers, 1 << (int)kind);
            Kick();
        }
    }

    private enum InputKind : byte
    {
        Start,
        Frame,
        Send,
        Timer,
    }

    /// <summary>One input of the owner loop (a struct: nothing allocated per message).</summary>
    private readonly record struct Input(InputKind Kind)
    {
        public ReceivedFrame Frame { get; init; }

        public byte[]? Buffer { get; init; }

        public int Length { get; init; }

        public DeliveryOrder Order { get; init; }

        public TotemTimer Timer { get; init; }
    }

    private sealed record TimerState(TotemRing Ring, TotemTimer Kind);

    /// <summary>Runs <see cref="Kick"/> from the thread pool without allocating.</summary>
    private sealed class KickItem(TotemRing ring) : IThreadPoolWorkItem
    {
        public void Execute() => ring.Kick();
    }
}
