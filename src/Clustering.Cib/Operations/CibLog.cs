using Clustering.Cib.Versions;
using Microsoft.Extensions.Logging;

namespace Clustering.Cib.Operations;

/// <summary>Log messages of the CIB operations (event ids 6100-6199).</summary>
internal static partial class CibLog
{
    [LoggerMessage(EventId = 6100, Level = LogLevel.Debug, Message = "Completed {Operation}: version {Before} -> {After} ({Change} change)")]
    public static partial void Applied(ILogger logger, string operation, CibVersion before, CibVersion after, CibChangeKind change);

    [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "Call failed for {Operation}: {Reason} ({Detail})")]
    public static partial void Refused(ILogger logger, string operation, string reason, string? detail);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Warning, Message = "Update does not conform to the configured schema: {Error}")]
    public static partial void InvalidUpdate(ILogger logger, string error);
}
