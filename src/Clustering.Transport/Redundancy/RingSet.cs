using System.Net;
using System.Threading.Channels;
using Clustering.Transport.Diagnostics;
using Clustering.Transport.Framing;
using Clustering.Transport.Rings;
using Clustering.Transport.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clustering.Transport.Redundancy;

/// <summary>
/// A node's rings run as one redundant transport (Corosync's RRP): frames are sealed with the authkey, sent on
/// the rings <c>rrp_mode</c> chooses, received from every ring, authenticated, de-duplicated and replay-checked,
/// and delivered once. Rings that stop carrying traffic are marked FAULTY, probed and recovered automatically.
/// </summary>
/// <remarks>
/// The set owns its rings and disposes them. The protocol decisions live in sans-IO parts (the frame protector,
/// the replay guard and the redundancy monitor); this class is the thin shell that feeds them datagrams and clock
/// ticks. Sends are serialised. A UDP ring pushes each datagram to the set on the ring's own receive thread, which
/// authenticates it, checks it and writes it straight to <see cref="Received"/> (no thread-pool hand-off on the way);
/// other rings are read from their <see cref="IRing.Received"/> queue by one loop each.
/// </remarks>
public sealed partial class RingSet : IAsyncDisposable, IRingReceiver
{
    private const int ProbePayloadLength = 4;

    private readonly IRing[] _rings;
    private readonly RingSetOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TransportMetrics _metrics;
    private readonly long _startTimestamp;

    // Receive side: one opener per receiving thread (each push lane of each ring, and each ring's pull loop);
    // everything shared between those threads is guarded by _gate, held only for short bookkeeping.
    private readonly Lock _gate = new();
    private readonly FrameProtector[] _openers;
    private readonly FrameProtector[] _pullOpeners;
    private readonly uint _clusterId;
    private readonly bool _skipRedundantCopies;
    private readonly ReplayGuard _replay;
    private readonly DatagramPool _copies = new();
    private readonly RedundancyMonitor _monitor;
    private readonly Dictionary<uint, IPEndPoint?[]> _peers = [];
    private readonly Channel<ReceivedFrame> _delivered;
    private readonly bool[] _queuedInBatch; // per push lane: a frame was queued since the lane's last batch end
    private Action? _framesAvailable;

    // Send side: everything below is used only while _sendLock is held.
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly FrameProtector _sealer;
    private readonly byte[] _sendBuffer;
    private readonly int[] _chosen;
    private readonly IPEndPoint?[] _targets;
    private ulong _sequence;

    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _loops;
    private readonly ITimer _timer;
    private int _disposed;

    /// <summary>Starts a ring set over <paramref name="rings"/> (ring numbers 0, 1, … in order).</summary>
    /// <param name="rings">The rings, one per ring number, in order; the set takes ownership.</param>
    /// <param name="authkey">The shared key; may be <see langword="null"/> only when both <c>crypto_hash</c> and <c>crypto_cipher</c> are none.</param>
    /// <param name="options">The node id, protection and redundancy options.</param>
    /// <param name="timeProvider">The clock (fault detection timers); the system clock by default.</param>
    /// <param name="loggerFactory">Where logs go; none by default.</param>
    /// <exception cref="ArgumentException">The rings or options are inconsistent.</exception>
    public RingSet(IReadOnlyList<IRing> rings, Authkey? authkey, RingSetOptions options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(rings);
        ArgumentNullException.ThrowIfNull(options);
        if (rings.Count == 0)
        {
            throw new ArgumentException("At least one ring is needed.", nameof(rings));
        }

        for (var i = 0; i < rings.Count; i++)
        {
            if (rings[i] is null || rings[i].RingNumber != i)
            {
                throw new ArgumentException($"Ring {i} must have ring number {i}: pass the rings in ring-number order.", nameof(rings));
            }
        }

        options.Validate(rings.Count);
        _rings = [.. rings];
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<RingSet>();
        _metrics = new TransportMetrics(options.MeterFactory);
        _startTimestamp = _time.GetTimestamp();
        NodeId = options.NodeId;
        Incarnation = options.Incarnation ?? (ulong)((_time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / 10);

        _sealer = new FrameProtector(authkey, options.Protection);
        _clusterId = _sealer.ClusterId;
        _skipRedundantCopies = options.Redundancy.Mode == RrpMode.Active;
        _pullOpeners = new FrameProtector[_rings.Length];
        _openers = new FrameProtector[_rings.Length * IRingReceiver.LaneCount];
        _queuedInBatch = new bool[_openers.Length];
        for (var i = 0; i < _rings.Length; i++)
        {
            _pullOpeners[i] = new FrameProtector(authkey, options.Protection);
            for (var lane = 0; lane < IRingReceiver.LaneCount; lane++)
            {
                _openers[(i * IRingReceiver.LaneCount) + lane] = new FrameProtector(authkey, options.Protection);
            }
        }

        var largest = _rings.Max(r => r.MaxDatagramSize);
        _sendBuffer = new byte[Math.Min(largest, FrameLayout.MaxFrameSize)];
        MaxPayloadLength = Math.Min(_sealer.MaxPayloadLength, MaxPayloadFor(_rings.Min(r => r.MaxDatagramSize)));
        _chosen = new int[_rings.Length];
        _targets = new IPEndPoint?[_rings.Length];
        _replay = new ReplayGuard(options.ReplayWindow);
        _monitor = new RedundancyMonitor(options.Redundancy, _rings.Length, Now);
        _delivered = Channel.CreateBounded<ReceivedFrame>(
            new BoundedChannelOptions(options.ReceiveQueueCapacity)
            {
                FullMode = BoundedChannelFullMode.DropWrite,
                SingleReader = false,
                SingleWriter = false,
            },
            OnDeliveryDropped);

        if (_logger.IsEnabled(LogLevel.Information))
        {
            var mode = options.Redundancy.Mode.ToString().ToLowerInvariant();
            var hash = options.Protection.Hash.ToString().ToLowerInvariant();
            var cipher = options.Protection.Cipher.ToString().ToLowerInvariant();
            TransportLog.Starting(_logger, NodeId, _rings.Length, mode, hash, cipher);
        }

        _loops = new Task[_rings.Length];
        for (var i = 0; i < _rings.Length; i++)
        {
            var ring = i;
            if (_rings[i] is IPushRing push)
            {
                push.Attach(this);
                DrainQueued(ring);
                _loops[i] = Task.CompletedTask;
            }
            else
            {
                _loops[i] = Task.Run(() => ReceiveLoopAsync(ring));
            }
        }

        var period = Min(options.Redundancy.TokenExpiredTimeout, options.Redundancy.ProblemCountTimeout, options.Redundancy.AutorecoveryCheckTimeout) / 4;
        _timer = _time.CreateTimer(static state => ((RingSet)state!).OnTimer(), this, period, period);
    }

    /// <summary>This node's id.</summary>
    public uint NodeId { get; }

    /// <summary>This run's incarnation, stamped on every frame.</summary>
    public ulong Incarnation { get; }

    /// <summary>The number of rings.</summary>
    public int RingCount => _rings.Length;

    /// <summary>The largest payload a frame can carry on every ring.</summary>
    public int MaxPayloadLength { get; }

    /// <summary>Frames from other nodes, authenticated, decrypted and de-duplicated, in arrival order. Dispose each one.</summary>
    public ChannelReader<ReceivedFrame> Received => _delivered.Reader;

    /// <summary>
    /// Sets the code run when frames have been added to <see cref="Received"/>, on the thread that added them (a ring's
    /// receive thread, or the set's loop for a ring without one) and after the set's locks are released: once per
    /// receive batch that added any (a UDP ring on Linux takes up to 16 datagrams per system call; elsewhere a batch is
    /// one datagram), so the consumer finds all of the batch's frames waiting. A consumer
    /// that reads <see cref="Received"/> from it handles a frame on the thread that received it, with no hand-off to
    /// another thread; while it runs, that ring receives nothing, so it must not block (hand long work on). One
    /// callback at a time; <see langword="null"/> removes it. An exception it throws is logged and swallowed.
    /// </summary>
    /// <param name="callback">The code to run, or <see langword="null"/>.</param>
    public void SetFramesAvailableCallback(Action? callback) => Volatile.Write(ref _framesAvailable, callback);

    /// <summary>Counts of frames sent, received, duplicated and dropped (by reason).</summary>
    public RingSetStatistics Statistics { get; } = new();

    private TimeSpan Now => _time.GetElapsedTime(_startTimestamp);

    /// <summary>Stops receiving, disposes the rings and completes <see cref="Received"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _timer.DisposeAsync().ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_loops).ConfigureAwait(false);
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            foreach (var ring in _rings)
            {
                await ring.DisposeAsync().ConfigureAwait(false);
            }

            _sealer.Dispose();
            foreach (var opener in _openers.Concat(_pullOpeners))
            {
                opener.Dispose();
            }
        }
        finally
        {
            _sendLock.Release();
        }

        _delivered.Writer.TryComplete();
        while (_delivered.Reader.TryRead(out var frame))
        {
            frame.Dispose();
        }

        _metrics.Dispose();
        _stop.Dispose();
    }

    private int MaxPayloadFor(int datagramSize)
    {
        var overhead = _sealer.GetSealedLength(0);
        var payload = datagramSize - overhead;

        // With a block cipher the sealed length grows in steps: walk down to the largest payload that still fits.
        while (payload > 0 && _sealer.GetSealedLength(payload) > datagramSize)
        {
            payload--;
        }

        return Math.Max(payload, 0);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b, TimeSpan c) => TimeSpan.FromTicks(Math.Min(a.Ticks, Math.Min(b.Ticks, c.Ticks)));

    private static bool IsToken(FrameType type) => type is FrameType.Token or FrameType.CommitToken;
}
