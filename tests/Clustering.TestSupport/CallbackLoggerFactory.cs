using Microsoft.Extensions.Logging;

namespace Clustering.TestSupport;

/// <summary>
/// A logger factory for tests whose every logger is itself: each event at or above <paramref name="minimum"/> goes to
/// <paramref name="onLog"/> with its id and formatted text. Tests use it to count or timestamp the library's log events.
/// </summary>
/// <param name="onLog">Called for each event, on the thread that logged it.</param>
/// <param name="minimum">The lowest level passed on.</param>
public sealed class CallbackLoggerFactory(Action<EventId, string> onLog, LogLevel minimum = LogLevel.Debug) : ILoggerFactory, ILogger
{
    /// <inheritdoc/>
    public ILogger CreateLogger(string categoryName) => this;

    /// <inheritdoc/>
    public void AddProvider(ILoggerProvider provider)
    {
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }

    /// <inheritdoc/>
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    /// <inheritdoc/>
    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

    /// <inheritdoc/>
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (IsEnabled(logLevel))
        {
            onLog(eventId, formatter(state, exception));
        }
    }
}
