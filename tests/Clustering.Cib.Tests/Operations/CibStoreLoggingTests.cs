using Clustering.Cib.Operations;
using Microsoft.Extensions.Logging;
using static Clustering.Cib.Tests.Operations.SampleCib;

namespace Clustering.Cib.Tests.Operations;

public sealed class CibStoreLoggingTests
{
    private sealed class ListLogger : ILogger
    {
        public List<(LogLevel Level, EventId Id, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => Entries.Add((logLevel, eventId, formatter(state, exception)));
    }

    [Test]
    public void Applied_and_refused_updates_are_logged_with_stable_event_ids()
    {
        var logger = new ListLogger();
        var store = Store(new CibStoreOptions { Logger = logger });
        store.Modify(X("""<nvpair id="opts-a" value="2"/>"""));
        store.Modify(X("""<primitive id="missing"/>"""));
        Assert.That(logger.Entries.Select(e => e.Id.Id), Is.EqualTo(new[] { 6100, 6101 }));
        Assert.That(logger.Entries[0].Message, Is.EqualTo("Completed modify: version 0.1.0 -> 0.2.0 (Configuration change)"));
        Assert.That(logger.Entries[1].Message, Does.StartWith("Call failed for modify: No such device or address"));
    }
}
