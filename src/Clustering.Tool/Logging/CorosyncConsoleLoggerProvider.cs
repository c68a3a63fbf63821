using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Clustering.Tool.Logging;

/// <summary>
/// Writes log lines the way <c>corosync -f</c> does on its console:
/// <c>Dec 01 16:13:30.123 notice  [TOTEM ] A new membership (1.2c) was formed. Members joined: 2 3</c>
/// (checked against Corosync 3.1.7's own <c>corosync -f</c> output).
/// The subsystem tag comes from the node's event id (membership lines are TOTEM, votes and members QUORUM, groups
/// CPG) or from the logging category (rings and Totem are TOTEM, everything else MAIN). Lines are written whole,
/// under a lock, so lines of concurrent loggers never interleave.
/// </summary>
internal sealed class CorosyncConsoleLoggerProvider : ILoggerProvider
{
    private readonly TextWriter _writer;
    private readonly LogLevel _minimum;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, Logger> _loggers = new(StringComparer.Ordinal);

    /// <summary>Creates the provider.</summary>
    /// <param name="writer">Where lines go (the console's error stream for <c>clusterctl node</c>).</param>
    /// <param name="minimum">The lowest level written.</param>
    /// <param name="time">The clock that dates the lines.</param>
    public CorosyncConsoleLoggerProvider(TextWriter writer, LogLevel minimum, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(time);
        _writer = writer;
        _minimum = minimum;
        _time = time;
    }

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, name => new Logger(this, name));

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _writer.Flush();
        }
    }

    /// <summary>Corosync's level word for <paramref name="level"/>.</summary>
    internal static string LevelWord(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "debug",
        LogLevel.Information => "notice",
        LogLevel.Warning => "warning",
        LogLevel.Error => "error",
        _ => "crit",
    };

    /// <summary>The subsystem tag for a line: by the node's event id first, then by the category.</summary>
    internal static string Subsystem(string category, EventId eventId)
    {
        if (eventId.Id is >= 4000 and < 4100)
        {
            return eventId.Id switch
            {
                4001 => "TOTEM",
                4002 or 4003 or 4004 or 4005 or 4006 or 4007 or 4013 => "QUORUM",
                4009 or 4010 => "CPG",
                _ => "MAIN",
            };
        }

        if (category.StartsWith("Clustering.Membership.Totem", StringComparison.Ordinal)
            || category.StartsWith("Clustering.Transport", StringComparison.Ordinal))
        {
            return "TOTEM";
        }

        if (category.StartsWith("Clustering.Membership.Quorum", StringComparison.Ordinal))
        {
            return "QUORUM";
        }

        if (category.StartsWith("Clustering.Membership.Groups", StringComparison.Ordinal))
        {
            return "CPG";
        }

        return category.StartsWith("Clustering.Node.Admin", StringComparison.Ordinal) ? "IPC" : "MAIN";
    }

    /// <summary>One whole line, without the newline.</summary>
    internal string Format(string category, LogLevel level, EventId eventId, string message, Exception? exception)
    {
        var now = _time.GetLocalNow();
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{now:MMM dd HH:mm:ss.fff} {LevelWord(level),-7} [{Subsystem(category, eventId),-6}] {message}");
        return exception is null ? line : line + Environment.NewLine + exception;
    }

    private void Write(string line)
    {
        lock (_gate)
        {
            _writer.WriteLine(line);
            _writer.Flush();
        }
    }

    private sealed class Logger(CorosyncConsoleLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= provider._minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            ArgumentNullException.ThrowIfNull(formatter);
            provider.Write(provider.Format(category, logLevel, eventId, formatter(state, exception), exception));
        }
    }
}
