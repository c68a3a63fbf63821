using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace ClusterDemo;

/// <summary>
/// One node's meters, and a listener that adds up the transport's dropped frames by reason, as a metrics
/// pipeline (OpenTelemetry, dotnet-counters) would see them from <c>clustering.transport.frames.dropped</c>.
/// </summary>
internal sealed class DemoMeters : IMeterFactory
{
    private readonly ConcurrentBag<Meter> _meters = [];
    private readonly ConcurrentDictionary<string, long> _dropped = new(StringComparer.Ordinal);
    private readonly MeterListener _listener = new();

    public DemoMeters()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, this) && instrument.Name == "clustering.transport.frames.dropped")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var reason = "unknown";
            foreach (var tag in tags)
            {
                if (tag.Key == "reason" && tag.Value is string text)
                {
                    reason = text;
                }
            }

            _dropped.AddOrUpdate(reason, value, (_, total) => total + value);
        });
        _listener.Start();
    }

    /// <summary>Frames dropped so far, by reason (<c>bad_tag</c>, <c>too_short</c>, …).</summary>
    public IReadOnlyDictionary<string, long> Dropped => new SortedDictionary<string, long>(_dropped, StringComparer.Ordinal);

    public Meter Create(MeterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var meter = new Meter(new MeterOptions(options.Name) { Version = options.Version, Tags = options.Tags, Scope = this });
        _meters.Add(meter);
        return meter;
    }

    public void Dispose()
    {
        _listener.Dispose();
        foreach (var meter in _meters)
        {
            meter.Dispose();
        }
    }
}
