using Microsoft.Extensions.Logging;

namespace Clustering.NodeHost;

/// <summary>The host's own log lines (standard error; the node's and rings' lines go there too).</summary>
internal static partial class HostLog
{
    [LoggerMessage(EventId = 9000, Level = LogLevel.Information, Message = "Node host for node {NodeId} starting from {ConfigPath}")]
    public static partial void Starting(ILogger logger, uint nodeId, string configPath);

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Node host for node {NodeId} stopping: {Reason}")]
    public static partial void Stopping(ILogger logger, uint nodeId, string reason);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Warning, Message = "Command '{Command}' failed")]
    public static partial void CommandFailed(ILogger logger, string command, Exception exception);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Error, Message = "Node {NodeId} could not start")]
    public static partial void StartFailed(ILogger logger, uint nodeId, Exception exception);
}
