using Microsoft.Extensions.Logging;

namespace Clustering.Node.Admin;

/// <summary>The admin endpoint's log lines (event ids 4200–4299).</summary>
internal static partial class AdminLog
{
    [LoggerMessage(EventId = 4200, Level = LogLevel.Information, Message = "Admin endpoint listening on {Path}")]
    public static partial void Listening(ILogger logger, string path);

    [LoggerMessage(EventId = 4201, Level = LogLevel.Warning, Message = "Admin connection refused: peer pid {ProcessId} uid {UserId} is neither this node's user nor root")]
    public static partial void PeerRefused(ILogger logger, int processId, long userId);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Debug, Message = "Admin request refused ({Code}): {Reason}")]
    public static partial void RequestRefused(ILogger logger, AdminErrorCode code, string reason);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Warning, Message = "Admin connection refused: {Limit} clients are already connected")]
    public static partial void Busy(ILogger logger, int limit);

    [LoggerMessage(EventId = 4204, Level = LogLevel.Information, Message = "Removed the stale admin socket {Path}")]
    public static partial void StaleSocketRemoved(ILogger logger, string path);

    [LoggerMessage(EventId = 4205, Level = LogLevel.Error, Message = "An admin connection failed")]
    public static partial void ConnectionFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4206, Level = LogLevel.Information, Message = "Admin endpoint on {Path} closed")]
    public static partial void Closed(ILogger logger, string path);

    [LoggerMessage(EventId = 4207, Level = LogLevel.Error, Message = "An admin request ({Kind}) failed inside the node")]
    public static partial void RequestFailed(ILogger logger, AdminRequestKind kind, Exception exception);

    [LoggerMessage(EventId = 4208, Level = LogLevel.Debug, Message = "An admin client closed its connection inside a frame ({Length} bytes unread)")]
    public static partial void TruncatedFrame(ILogger logger, long length);
}
