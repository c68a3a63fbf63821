namespace Clustering.Transport.Configuration;

/// <summary>A <c>logging { logger_subsys { … } }</c> block: settings for one subsystem (<c>CPG</c>, <c>QUORUM</c>, …).</summary>
public sealed record LoggerSubsysOptions
{
    /// <summary>The subsystem (<c>subsys</c>), required.</summary>
    public required string Subsys { get; init; }

    /// <summary>The subsystem's debug level (<c>debug</c>); null inherits the logging section's.</summary>
    public LoggingDebugLevel? Debug { get; init; }
}
