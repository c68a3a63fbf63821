using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clustering.Membership.Totem;

/// <summary>Options of a <see cref="TotemProcessor"/>.</summary>
internal sealed record TotemProcessorOptions
{
    /// <summary>Timing and flow-control settings.</summary>
    public TotemTimings Timings { get; init; } = new();

    /// <summary>Application messages that may wait to be sent; beyond it <see cref="TotemProcessor.TryEnqueue"/> says "try again".</summary>
    public int QueueCapacity { get; init; } = 1024;

    /// <summary>Bytes of queued application messages that may wait (a message is always accepted into an empty queue). Default 16 MiB.</summary>
    public long QueueByteCapacity { get; init; } = 16 << 20;

    /// <summary>
    /// The largest Totem frame payload (what the transport can carry in one datagram of <c>netmtu</c> bytes). Multicast
    /// frames are packed up to it. Default: <c>netmtu</c> 1500 less <see cref="TransportReserve"/>.
    /// </summary>
    public int MaxFramePayload { get; init; } = 1500 - TransportReserve;

    /// <summary>Bytes of a datagram kept for IP, UDP and the transport's own header, nonce and tag.</summary>
    public const int TransportReserve = 128;

    /// <summary>Where the ring sequence number is kept across restarts (in memory by default).</summary>
    public IRingIdStore? RingIdStore { get; init; }

    /// <summary>
    /// The lowest ring sequence number this node may use after starting. The stored sequence protects against reuse
    /// when the state directory survives; when it was lost, a floor taken from the wall clock (for example Unix time in
    /// milliseconds) keeps a restarted node from making a ring id it made before — old frames of that ring would
    /// otherwise be taken for the new one's. 0 (the default) relies on the store alone.
    /// </summary>
    public ulong RingSeqFloor { get; init; }

    /// <summary>The source of the random <c>send_join</c> delays (a seeded one in simulations); <see langword="null"/> uses a new unseeded one.</summary>
    public Random? Random { get; init; }

    /// <summary>
    /// Keep frames (multicasts sent and received, tokens, hold cancels) and the multicast objects in the processor's own
    /// pool (<see cref="FramePool"/>) and recycle them once freed: no allocation per message in steady state. Then an
    /// output frame's bytes are valid only until the next call — the owner must send (or copy) them before, as the
    /// runtime shell and the simulator do.
    /// </summary>
    public bool PoolBuffers { get; init; }

    /// <summary>
    /// With <see cref="PoolBuffers"/>, overwrite every frame buffer when it goes back to the pool (a test aid: a view
    /// used after its buffer was recycled then reads garbage, which the simulator's body checks catch).
    /// </summary>
    public bool PoisonFreedBuffers { get; init; }

    /// <summary>The logger.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>Report every first receipt of a message as a <see cref="TotemEventKind.Received"/> event (for checkers).</summary>
    public bool ReportReceipts { get; init; }
}
