using Microsoft.Extensions.Logging;

namespace Clustering.Membership.Totem;

/// <summary>The Totem processor's log lines (event ids 4100–4199), worded like Corosync's totemsrp where users know them.</summary>
internal static partial class TotemLog
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Information, Message = "entering GATHER state from {Reason}.")]
    public static partial void EnterGather(ILogger logger, string reason);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "entering COMMIT state for ring {Ring}.")]
    public static partial void EnterCommit(ILogger logger, RingId ring);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "entering RECOVERY state for ring {Ring} ({Retransmits} old messages to retransmit).")]
    public static partial void EnterRecovery(ILogger logger, RingId ring, int retransmits);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "entering OPERATIONAL state: ring {Ring} with {Members} members.")]
    public static partial void EnterOperational(ILogger logger, RingId ring, int members);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Information, Message = "A processor failed, forming new configuration: token timed out ({Timeout} ms) in state {State}.")]
    public static partial void TokenLost(ILogger logger, double timeout, TotemState state);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Warning, Message = "FAILED TO RECEIVE: aru stuck at {Aru} for {Rotations} rotations.")]
    public static partial void FailedToReceive(ILogger logger, uint aru, int rotations);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Debug, Message = "dropped a malformed {Type} frame from node {From}.")]
    public static partial void Malformed(ILogger logger, Clustering.Transport.Framing.FrameType type, uint from);
}
