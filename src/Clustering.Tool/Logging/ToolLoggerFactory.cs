using Microsoft.Extensions.Logging;

namespace Clustering.Tool.Logging;

/// <summary>
/// A minimal <see cref="ILoggerFactory"/> over a list of providers, so the tool needs nothing beyond
/// <c>Microsoft.Extensions.Logging.Abstractions</c>: each logger writes to every provider's logger of its category.
/// </summary>
internal sealed class ToolLoggerFactory : ILoggerFactory
{
    private readonly Lock _gate = new();
    private readonly List<ILoggerProvider> _providers = [];
    private bool _disposed;

    /// <summary>Creates the factory with its first providers.</summary>
    public ToolLoggerFactory(params ILoggerProvider[] providers)
    {
        ArgumentNullException.ThrowIfNull(providers);
        _providers.AddRange(providers);
    }

    /// <inheritdoc />
    public void AddProvider(ILoggerProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _providers.Add(provider);
        }
    }

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var loggers = _providers.Select(p => p.CreateLogger(categoryName)).ToArray();
            return loggers.Length == 1 ? loggers[0] : new FanOut(loggers);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        ILoggerProvider[] providers;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            providers = [.. _providers];
        }

        foreach (var provider in providers)
        {
            provider.Dispose();
        }
    }

    private sealed class FanOut(ILogger[] loggers) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => Array.Exists(loggers, l => l.IsEnabled(logLevel));

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            foreach (var logger in loggers)
            {
                logger.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
