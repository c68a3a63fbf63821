using Clustering.Membership.Totem.Fragmentation;
using Clustering.Transport.Framing;
using Microsoft.Extensions.Logging;

namespace Clustering.Membership.Totem;

/// <summary>
/// The Totem single-ring ordering and membership protocol (Amir et al., 1995, as Corosync's totemsrp runs it) for one
/// node, as a sans-IO state machine. Inputs: <see cref="Start"/>, <see cref="OnFrame"/>, <see cref="OnTimer"/> and
/// <see cref="TryEnqueue"/>, each with the current time in ticks (100 ns units of the caller's clock). Outputs: after
/// each call, <see cref="Output"/> holds the frames to send (multicast, or the token unicast to the successor), timers
/// to set or cancel, deliveries and configuration changes. No sockets, threads, clocks or locks inside: one owner
/// drives it. Malformed frames are dropped and counted (<see cref="MalformedFrames"/>), never thrown.
/// </summary>
internal sealed partial class TotemProcessor
{
    private const int LoopbackGuard = 100_000;

    private readonly uint _me;
    private readonly TotemTimings _timings;
    private readonly IRingIdStore _store;
    private readonly ILogger _logger;
    private readonly bool _reportReceipts;
    private readonly ulong _ringSeqFloor;
    private readonly MessagePacker _packer;
    private readonly MessageAssembler _assembler;
    private readonly byte[] _chunk;
    private readonly FramePool? _pool;
    private readonly List<McastMessage> _releasedMessages = [];
    private readonly List<byte[]> _releasedBuffers = [];
    private readonly Stack<TokenMessage> _tokens = new();
    private readonly bool[] _armed = new bool[Enum.GetValues<TotemTimer>().Length];
    private readonly Random _random;
    private readonly Queue<(FrameType Type, object Message)> _loopback = new();
    private long _now;
    private RingState _ring = null!;
    private OutboundFrame? _retransmitFrame;
    private byte[]? _retransmitBuffer;
    private TokenMessage? _heldToken;

    /// <summary>
    /// Corosync's <c>my_token_held</c> on a member that is not the representative: set at each token visit when the seq
    /// had stood still for <see cref="TotemTimings.SeqnoUnchangedConst"/> visits (the representative holds the token
    /// one visit later), cleared once this node has sent a hold cancel, so a burst of messages costs one cancel per
    /// visit, not one per message.
    /// </summary>
    private bool _tokenHeldElsewhere;

    /// <summary>Creates the processor of node <paramref name="nodeId"/>.</summary>
    public TotemProcessor(uint nodeId, TotemProcessorOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfZero(nodeId);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Timings);
        options.Timings.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.QueueCapacity, 1, nameof(options));
        _me = nodeId;
        _timings = options.Timings;
        _store = options.RingIdStore ?? new InMemoryRingIdStore();
        _logger = options.Logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxFramePayload, TotemCodec.McastOverhead + MessagePacker.MinChunkCapacity, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.QueueByteCapacity, 1, nameof(options));
        _packer = new MessagePacker(options.MaxFramePayload - TotemCodec.McastOverhead, options.QueueCapacity, options.QueueByteCapacity);
        _chunk = new byte[_packer.ChunkCapacity];
        _assembler = new MessageAssembler(options.PoolBuffers && options.PoisonFreedBuffers);
        _pool = options.PoolBuffers ? new FramePool(options.MaxFramePayload, poison: options.PoisonFreedBuffers) : null;
        _reportReceipts = options.ReportReceipts;
        _ringSeqFloor = options.RingSeqFloor;
        _random = options.Random ?? new Random();
    }

    /// <summary>This node's id.</summary>
    public uint NodeId => _me;

    /// <summary>
    /// What the last call produced; cleared at the start of every call. Everything it references — the frames' bytes
    /// and the delivered payloads — is valid only until the next call into the processor (with
    /// <see cref="TotemProcessorOptions.PoolBuffers"/> the buffers are recycled then): send and copy before calling again.
    /// </summary>
    public TotemOutput Output { get; } = new();

    /// <summary>The protocol state.</summary>
    public TotemState State { get; private set; }

    /// <summary>The installed ring (before the first ring: a placeholder of this node alone).</summary>
    public RingId Ring => _ring?.Id ?? default;

    /// <summary>The installed ring's members.</summary>
    public IReadOnlyList<uint> Members => _ring?.Members ?? [];

    /// <summary>Application messages waiting to be sent (a message being fragmented included).</summary>
    public int QueueLength => _packer.Count;

    /// <summary>The largest packed chunk (application bytes and record headers) one multicast frame carries.</summary>
    public int ChunkCapacity => _packer.ChunkCapacity;

    /// <summary>Packed chunks that could not be read (dropped and counted).</summary>
    public long MalformedChunks => _assembler.MalformedChunks;

    /// <summary>Partial (fragmented) messages dropped: at configuration changes, after a departed sender's gap, or malformed.</summary>
    public long DroppedPartials => _assembler.DroppedPartials;

    /// <summary>Token visits, frames sent, retransmissions: readable from any thread.</summary>
    public TotemStatistics Statistics { get; } = new();

    /// <summary>Frames dropped because they could not be decoded.</summary>
    public long MalformedFrames { get; private set; }

    /// <summary>Starts the protocol: the node gathers a membership (alone at first, then with whoever it hears).</summary>
    public void Start(long nowTicks)
    {
        if (State != TotemState.Stopped)
        {
            throw new InvalidOperationException("The processor is already started.");
        }

        Begin(nowTicks);
        _attemptSeq = Math.Max(_store.Load() + 1, _ringSeqFloor);
        _store.Save(_attemptSeq);
        _highRingSeq = _attemptSeq;
        _ring = new RingState(new RingId(_me, _attemptSeq), [_me], pseudo: true);
        State = TotemState.Gather;
        _proc.Add(_me);
        TotemLog.EnterGather(_logger, "start");
        RestartGather();
        End();
    }

    /// <summary>Handles a frame received from node <paramref name="from"/>.</summary>
    public void OnFrame(uint from, FrameType type, ReadOnlySpan<byte> payload, long nowTicks)
    {
        Begin(nowTicks);
        if (State != TotemState.Stopped && from != 0 && from != _me)
        {
            Dispatch(from, type, payload);
        }

        End();
    }

    /// <summary>Handles a timer that fired (a timer that was cancelled or replaced since is ignored).</summary>
    public void OnTimer(TotemTimer timer, long nowTicks)
    {
        var index = (int)timer;
        if ((uint)index >= (uint)_armed.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(timer), timer, "Unknown timer.");
        }

        Begin(nowTicks);
        if (_armed[index])
        {
            _armed[index] = false;
            Fire(timer);
        }

        End();
    }

    /// <summary>
    /// Queues an application message (0 B to 1 MiB, copied) for total-order multicast: small ones are packed several per
    /// frame, large ones fragmented. Returns <see langword="false"/> when the queue is full (messages or bytes): try
    /// again after some deliveries. Messages queued while no ring is installed go out on the next ring.
    /// </summary>
    public bool TryEnqueue(ReadOnlyMemory<byte> message, DeliveryOrder order, long nowTicks)
    {
        if (message.Length > TotemCodec.MaxPayload)
        {
            throw new ArgumentException($"A message may have at most {TotemCodec.MaxPayload} bytes.", nameof(message));
        }

        if (order is not DeliveryOrder.Agreed and not DeliveryOrder.Safe)
        {
            throw new ArgumentOutOfRangeException(nameof(order), order, "Unknown delivery order.");
        }

        if (!_packer.HasRoomFor(message.Length))
        {
            return false;
        }

        Begin(nowTicks);
        _packer.TryEnqueue(message.Span, order);
        OnEnqueued();

        End();
        return true;
    }

    /// <summary>
    /// Queues a message already in a buffer from <see cref="MessageBuffers.Rent"/>; on success the processor owns the
    /// buffer. <see langword="false"/>: the queue is full, the caller keeps it.
    /// </summary>
    public bool TryEnqueueOwned(byte[] buffer, int length, DeliveryOrder order, long nowTicks)
    {
        if (order is not DeliveryOrder.Agreed and not DeliveryOrder.Safe)
        {
            throw new ArgumentOutOfRangeException(nameof(order), order, "Unknown delivery order.");
        }

        if (!_packer.HasRoomFor(length))
        {
            return false;
        }

        Begin(nowTicks);
        _packer.TryEnqueueOwned(buffer, length, order);
        OnEnqueued();
        End();
        return true;
    }

    /// <summary>Messages whose last byte went into a frame since the processor was made (the send queue's progress).</summary>
    public long MessagesPacked => _packer.MessagesPacked;

    private void OnEnqueued()
    {
        if (State == TotemState.Operational)
        {
            if (_heldToken is not null)
            {
                ReleaseHeldToken();
            }
            else if (_tokenHeldElsewhere && _ring.Members.Length > 1 && _ring.Members[0] != _me)
            {
                // Only the representative holds the token: it releases its own hold above, and a cancel from it would
                // only cost every member a frame. Like Corosync's token_hold_cancel_send: at most one per token visit.
                MulticastRing(FrameType.TokenHoldCancel, _ring.Id);
                _tokenHeldElsewhere = false;
            }
        }
    }

    private void Dispatch(uint from, FrameType type, ReadOnlySpan<byte> payload)
    {
        switch (type)
        {
            case FrameType.Multicast:
                if (TotemCodec.TryDecodeMcast(payload, _pool, out var mcast))
                {
                    OnMcast(from, mcast!);
                    if (mcast!.Pooled && !mcast.Stored)
                    {
                        _releasedMessages.Add(mcast);
                    }

                    return;
                }

                break;
            case FrameType.Token:
                // Decoded into a recycled object: the token is read, updated and forwarded (encoded) within this call
                // unless it is held or looped back, and only then is it kept.
                var token = _tokens.TryPop(out var free) ? free : new TokenMessage();
                var decoded = TotemCodec.TryDecodeToken(payload, token);
                if (decoded)
                {
                    OnToken(token);
                }

                RecycleToken(token);
                if (decoded)
                {
                    return;
                }

                break;
            case FrameType.Join:
                if (TotemCodec.TryDecodeJoin(payload, out var join) && Array.BinarySearch(join!.Proc, from) >= 0 && Array.BinarySearch(join.Failed, from) < 0)
                {
                    OnJoin(from, join);
                    return;
                }

                break;
            case FrameType.CommitToken:
                if (TotemCodec.TryDecodeCommit(payload, out var commit))
                {
                    OnCommit(commit!);
                    return;
                }

                break;
            case FrameType.MergeDetect:
                if (TotemCodec.TryDecodeRing(payload, out var ring))
                {
                    OnMergeDetect(from, ring);
                    return;
                }

                break;
            case FrameType.TokenHoldCancel:
                if (TotemCodec.TryDecodeRing(payload, out var held))
                {
                    OnHoldCancel(held);
                    return;
                }

                break;
            default:
                return;
        }

        MalformedFrames++;
        TotemLog.Malformed(_logger, type, from);
    }

    private void Fire(TotemTimer timer)
    {
        switch (timer)
        {
            case TotemTimer.TokenLoss:
                if (State is TotemState.Operational or TotemState.Commit or TotemState.Recovery)
                {
                    TotemLog.TokenLost(_logger, _timings.EffectiveToken.TotalMilliseconds, State);

                    EnterGather("token loss");
                }

                break;
            case TotemTimer.TokenRetransmit:
                if (_retransmitFrame is { } frame && State != TotemState.Gather)
                {
                    Output.Frames.Add(frame);
                    Statistics.OnTokenRetransmit();
                    Arm(TotemTimer.TokenRetransmit, _timings.TokenRetransmit);
                }

                break;
            case TotemTimer.Hold:
                ReleaseHeldToken();
                break;
            case TotemTimer.Join:
                if (State == TotemState.Gather)
                {
                    SendJoin();
                    Arm(TotemTimer.Join, _timings.Join);
                }

                break;
            case TotemTimer.Consensus:
                OnConsensusTimeout();
                break;
            case TotemTimer.SendJoin:
                if (State == TotemState.Gather)
                {
                    MulticastJoin();
                    CheckConsensus();
                }

                break;
            case TotemTimer.Merge:
                if (State == TotemState.Operational && _ring.Members[0] == _me)
                {
                    MulticastRing(FrameType.MergeDetect, _ring.Id);
                    Arm(TotemTimer.Merge, _timings.Merge);
                }

                break;
        }
    }

    private void OnMergeDetect(uint from, RingId ring)
    {
        if (State == TotemState.Operational && ring != _ring.Id && !_ring.IsMember(from))
        {
            EnterGather("merge detect", from);
        }
    }

    private void OnHoldCancel(RingId ring)
    {
        if (State != TotemState.Operational || ring != _ring.Id)
        {
            return;
        }

        // Someone has messages: the ring is not idle. Restarting the idle count also covers a cancel that arrives
        // while the token is still on its way here (the representative would otherwise hold it on arrival, and the
        // sender's message would wait for the hold timer), as Corosync does.
        _ring.SeqUnchanged = 0;
        if (_heldToken is not null)
        {
            ReleaseHeldToken();
        }
    }

    private void Begin(long nowTicks)
    {
        // What the last call handed out (frames to send, delivered payloads) is the caller's until now: recycle it.
        Output.Clear();
        _assembler.ReleaseDelivered();
        if (_releasedMessages.Count > 0)
        {
            foreach (var message in _releasedMessages)
            {
                _pool!.ReturnMessage(message);
            }

            _releasedMessages.Clear();
        }

        if (_releasedBuffers.Count > 0)
        {
            foreach (var buffer in _releasedBuffers)
            {
                _pool!.Return(buffer);
            }

            _releasedBuffers.Clear();
        }

        _now = nowTicks;
    }

    private void End()
    {
        var guard = 0;
        while (_loopback.Count > 0)
        {
            if (++guard > LoopbackGuard)
            {
                _loopback.Clear();
                break;
            }

            var (type, message) = _loopback.Dequeue();
            if (type == FrameType.Token)
            {
                var token = (TokenMessage)message;
                OnToken(token);
                RecycleToken(token);
            }
            else
            {
                OnCommit((CommitTokenMessage)message);
            }
        }
    }

    private void Arm(TotemTimer timer, TimeSpan after)
    {
        _armed[(int)timer] = true;
        Output.Timers.Add(new TimerRequest(timer, _now + after.Ticks));
    }

    private bool IsArmed(TotemTimer timer) => _armed[(int)timer];

    private void Cancel(TotemTimer timer)
    {
        if (_armed[(int)timer])
        {
            _armed[(int)timer] = false;
            Output.Timers.Add(new TimerRequest(timer, -1));
        }
    }

    private void Multicast(FrameType type, byte[] payload) => Output.Frames.Add(new OutboundFrame(0, type, payload));

    /// <summary>A merge detect or token hold cancel: with pooling in a buffer recycled at the next call.</summary>
    private void MulticastRing(FrameType type, RingId ring)
    {
        if (_pool is null)
        {
            Multicast(type, TotemCodec.EncodeRing(ring));
            return;
        }

        var buffer = _pool.Rent(TotemCodec.RingIdSize);
        var length = TotemCodec.EncodeRing(ring, buffer);
        _releasedBuffers.Add(buffer);
        Output.Frames.Add(new OutboundFrame(0, type, buffer) { Length = length });
    }

    /// <summary>Sends a token (regular or commit) to its next holder and keeps it for retransmission.</summary>
    /// <param name="frame">The frame.</param>
    /// <param name="pooled">Whether the frame's buffer is the pool's (it goes back once the frame is no longer kept).</param>
    private void SendToken(OutboundFrame frame, bool pooled)
    {
        ReleaseRetransmitBuffer();
        Output.Frames.Add(frame);
        _retransmitFrame = frame;
        _retransmitBuffer = pooled ? frame.Payload : null;
        Arm(TotemTimer.TokenRetransmit, _timings.TokenRetransmit);
    }

    private void CancelTokenRetransmit()
    {
        ReleaseRetransmitBuffer();
        _retransmitFrame = null;
        Cancel(TotemTimer.TokenRetransmit);
    }

    /// <summary>The kept token frame's pooled buffer goes back at the next call (this call's output may still hold it).</summary>
    private void ReleaseRetransmitBuffer()
    {
        if (_retransmitBuffer is { } buffer)
        {
            _releasedBuffers.Add(buffer);
            _retransmitBuffer = null;
        }
    }

    /// <summary>Keeps a token object for the next decode unless it is still in use (held, or queued to loop back).</summary>
    private void RecycleToken(TokenMessage token)
    {
        if (ReferenceEquals(token, _heldToken) || _tokens.Count >= 4)
        {
            return;
        }

        foreach (var (_, message) in _loopback)
        {
            if (ReferenceEquals(message, token))
            {
                return;
            }
        }

        _tokens.Push(token);
    }

    private void Report(TotemEventKind kind, RingId ring, McastMessage message) =>
        Output.Events.Add(new TotemEvent(kind, ring, message.Origin, message.Seq, message.Order, message.Payload, null));

    private void StoreMessage(RingState ring, McastMessage message)
    {
        if (ring.Store(message) && _reportReceipts && message.Recovered is null)
        {
            Report(TotemEventKind.Received, ring.Id, message);
        }
    }

    private void DeliverChunk(RingId ring, McastMessage message) =>
        _assembler.OnChunk(ring, message.Seq, message.Origin, message.Payload, Output.Events);

    private void Deliver(RingState ring)
    {
        while (ring.Messages.TryGetValue(ring.Delivered + 1, out var message))
        {
            if (message.Order == DeliveryOrder.Safe && message.Seq > ring.SafeUpTo)
            {
                break;
            }

            ring.Delivered++;
            if (message.Recovered is null)
            {
                DeliverChunk(ring.Id, message);
            }
        }
    }
}
