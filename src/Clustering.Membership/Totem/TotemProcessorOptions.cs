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

    /// <summary>The logger.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>Report every first receipt of a message as a <see cref="TotemEventKind.Received"/> event (for checkers).</summary>
    public bool ReportReceipts { get; init; }
}
