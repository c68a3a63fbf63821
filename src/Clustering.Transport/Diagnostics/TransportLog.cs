using System.Net;
using Clustering.Transport.Framing;
using Microsoft.Extensions.Logging;

namespace Clustering.Transport.Diagnostics;

/// <summary>
/// The transport's log messages, with stable event ids (1000–1099). Ring events use Corosync's wording so that
/// log searches admins already have keep working.
/// </summary>
internal static partial class TransportLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Debug, Message = "Dropped a datagram from {Source} on ring {Ring}: {Reason}")]
    public static partial void FrameDropped(ILogger logger, IPEndPoint source, int ring, FrameDropReason reason);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Marking ringid {Ring} interface {Address} FAULTY")]
    public static partial void RingFaulty(ILogger logger, int ring, IPAddress address);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Automatically recovered ring {Ring}")]
    public static partial void RingRecovered(ILogger logger, int ring);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Debug, Message = "Incrementing problem counter for seqid {Sequence} iface {Address} to [{Count} of {Threshold}]")]
    public static partial void ProblemIncremented(ILogger logger, ulong sequence, IPAddress address, int count, int threshold);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Debug, Message = "Decrementing problem counter for iface {Address} to [{Count} of {Threshold}]")]
    public static partial void ProblemDecremented(ILogger logger, IPAddress address, int count, int threshold);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Re-enabling all failed rings.")]
    public static partial void ReenablingRings(ILogger logger);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Error, Message = "Sending on ring {Ring} failed")]
    public static partial void SendFailed(ILogger logger, int ring, Exception exception);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Warning, Message = "Receive queue full: dropped a frame from node {Sender}")]
    public static partial void DeliveryOverflow(ILogger logger, uint sender);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Error, Message = "Receive loop of ring {Ring} stopped")]
    public static partial void ReceiveLoopFailed(ILogger logger, int ring, Exception exception);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Debug, Message = "Probing FAULTY ring {Ring} (round {Round})")]
    public static partial void Probing(ILogger logger, int ring, int round);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Error, Message = "Ring timer failed")]
    public static partial void TimerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Information, Message = "Initializing transport: node {NodeId}, {RingCount} ring(s), rrp_mode {Mode}, crypto_hash {Hash}, crypto_cipher {Cipher}")]
    public static partial void Starting(ILogger logger, uint nodeId, int ringCount, string mode, string hash, string cipher);
}
