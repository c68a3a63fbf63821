namespace Clustering.Transport.Configuration;

/// <summary>The <c>logging { … }</c> section, with Corosync 2's defaults.</summary>
public sealed class LoggingOptions
{
    /// <summary>Print the source file and line (<c>fileline</c>). Default off.</summary>
    public bool FileLine { get; init; }

    /// <summary>Print the function name (<c>function_name</c>). Default off.</summary>
    public bool FunctionName { get; init; }

    /// <summary>Log to standard error (<c>to_stderr</c>). Default yes.</summary>
    public bool ToStderr { get; init; } = true;

    /// <summary>Log to <see cref="LogFile"/> (<c>to_logfile</c>). Default no.</summary>
    public bool ToLogfile { get; init; }

    /// <summary>Log to syslog (<c>to_syslog</c>). Default yes.</summary>
    public bool ToSyslog { get; init; } = true;

    /// <summary>The log file (<c>logfile</c>), required when <see cref="ToLogfile"/> is on. No default.</summary>
    public string? LogFile { get; init; }

    /// <summary>Debug output (<c>debug</c>: off, on, trace). Default off.</summary>
    public LoggingDebugLevel Debug { get; init; }

    /// <summary>Prefix messages with a timestamp (<c>timestamp</c>). Default off.</summary>
    public bool Timestamp { get; init; }

    /// <summary>The syslog facility (<c>syslog_facility</c>): daemon, local0 … local7. Default daemon.</summary>
    public string SyslogFacility { get; init; } = "daemon";

    /// <summary>The lowest priority sent to syslog (<c>syslog_priority</c>): emerg, alert, crit, err, warning, notice, info, debug. Default info.</summary>
    public string SyslogPriority { get; init; } = "info";

    /// <summary>The lowest priority written to the log file (<c>logfile_priority</c>), same names. Default info.</summary>
    public string LogfilePriority { get; init; } = "info";

    /// <summary>Per-subsystem overrides (<c>logger_subsys</c> blocks).</summary>
    public IReadOnlyList<LoggerSubsysOptions> Subsystems { get; init; } = [];
}
