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

    /// <summary>The logger.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>Report every first receipt of a message as a <see cref="TotemEventKind.Received"/> event (for checkers).</summary>
    public bool ReportReceipts { get; init; }
}
