using Microsoft.Extensions.Logging;

namespace Clustering.Tool.Logging;

/// <summary>clusterctl's own log lines (event ids 9000–9099), in Corosync's wording where it has one.</summary>
internal static partial class ToolLog
{
    [LoggerMessage(EventId = 9000, Level = LogLevel.Information, Message = "Clustering node {Version} starting from {ConfigPath}")]
    public static partial void Starting(ILogger logger, string version, string configPath);

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Clustering node ('{Version}'): node {NodeId} started and ready to provide service. Admin socket: {AdminSocket}")]
    public static partial void Ready(ILogger logger, string version, uint nodeId, string adminSocket);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Error, Message = "The node could not start: {Reason}")]
    public static partial void StartFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Information, Message = "Node {NodeId} was asked to stop: leaving its groups and the cluster")]
    public static partial void Stopping(ILogger logger, uint nodeId);

    [LoggerMessage(EventId = 9004, Level = LogLevel.Error, Message = "The node failed while stopping: {Reason}")]
    public static partial void StopFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 9005, Level = LogLevel.Information, Message = "Clustering node exiting normally")]
    public static partial void Exiting(ILogger logger);

    [LoggerMessage(EventId = 9006, Level = LogLevel.Debug, Message = "The system section's scheduling is left to the host process: clusterctl runs inside another process")]
    public static partial void SchedulingLeftToHost(ILogger logger);
}
