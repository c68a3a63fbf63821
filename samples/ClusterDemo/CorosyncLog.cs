using System.Globalization;
using Microsoft.Extensions.Logging;

namespace ClusterDemo;

/// <summary>
/// Writes a node's log the way an admin reads Corosync's: <c>node1 corosync notice  [TOTEM ] A new membership ...</c>.
/// Only the lines an admin acts on are kept: membership, quorum, process groups, ring faults and recoveries, token
/// loss, and every warning or error.
/// </summary>
internal sealed class CorosyncLog(string nodeName, Action<string> write) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("The demo's log writes to its own sink.");

    public void Dispose()
    {
    }

    /// <summary>The subsystem tag Corosync would print for an event, or null when the demo does not show it.</summary>
    private static string? Subsystem(EventId id, LogLevel level) => id.Id switch
    {
        4001 or 4104 or 4105 or 1001 or 1002 or 1005 => "TOTEM ",
        >= 4002 and <= 4006 or 4013 => "QUORUM",
        4009 or 4010 => "CPG   ",
        4012 => "MAIN  ",
        _ => level >= LogLevel.Warning ? "MAIN  " : null,
    };

    private static string Word(LogLevel level) => level switch
    {
        LogLevel.Critical => "crit   ",
        LogLevel.Error => "error  ",
        LogLevel.Warning => "warning",
        LogLevel.Information => "notice ",
        _ => "debug  ",
    };

    private sealed class Logger(CorosyncLog owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel) || Subsystem(eventId, logLevel) is not { } subsystem)
            {
                return;
            }

            var time = DateTime.Now.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
            var text = formatter(state, exception);
            if (exception is not null)
            {
                text += $" ({category}: {exception.GetType().Name}: {exception.Message})";
            }

            owner.Write($"{time} {owner.NodeName} corosync {Word(logLevel)} [{subsystem}] {text}");
        }
    }

    private string NodeName => nodeName;

    private void Write(string line) => write(line);
}
