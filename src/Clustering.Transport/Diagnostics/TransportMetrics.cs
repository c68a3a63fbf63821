using System.Diagnostics.Metrics;
using Clustering.Transport.Framing;

namespace Clustering.Transport.Diagnostics;

/// <summary>
/// The transport's instruments on the <c>Clustering.Transport</c> meter (see docs/metrics.md). Tag values are
/// cached so that recording allocates nothing.
/// </summary>
internal sealed class TransportMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Clustering.Transport";

    private static readonly object[] RingTags = CreateRingTags();
    private static readonly string[] ReasonTags = CreateReasonTags();

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _received;
    private readonly Counter<long> _redundant;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _faults;
    private readonly Counter<long> _recoveries;

    public TransportMetrics(IMeterFactory? meterFactory)
    {
        if (meterFactory is null)
        {
            _meter = new Meter(MeterName);
            _ownsMeter = true;
        }
        else
        {
            _meter = meterFactory.Create(MeterName);
        }

        _sent = _meter.CreateCounter<long>("clustering.transport.frames.sent", "{frame}", "Frames sent; an active-mode frame counts once per ring.");
        _received = _meter.CreateCounter<long>("clustering.transport.frames.received", "{frame}", "Authenticated frames received, redundant copies included.");
        _redundant = _meter.CreateCounter<long>("clustering.transport.frames.redundant", "{frame}", "Second and later copies of a frame in active mode.");
        _dropped = _meter.CreateCounter<long>("clustering.transport.frames.dropped", "{frame}", "Datagrams dropped, by reason.");
        _faults = _meter.CreateCounter<long>("clustering.transport.ring.faults", "{fault}", "Rings marked FAULTY.");
        _recoveries = _meter.CreateCounter<long>("clustering.transport.ring.recoveries", "{recovery}", "FAULTY rings recovered.");
    }

    public void Sent(int ring) => _sent.Add(1, new KeyValuePair<string, object?>("ring", RingTag(ring)));

    public void Received(int ring) => _received.Add(1, new KeyValuePair<string, object?>("ring", RingTag(ring)));

    public void Redundant(int ring) => _redundant.Add(1, new KeyValuePair<string, object?>("ring", RingTag(ring)));

    public void Dropped(FrameDropReason reason) => _dropped.Add(1, new KeyValuePair<string, object?>("reason", ReasonTag(reason)));

    public void Fault(int ring) => _faults.Add(1, new KeyValuePair<string, object?>("ring", RingTag(ring)));

    public void Recovery(int ring) => _recoveries.Add(1, new KeyValuePair<string, object?>("ring", RingTag(ring)));

    /// <summary>The snake_case tag value of a drop reason (<c>bad_tag</c>, <c>wrong_cluster</c>, …).</summary>
    public static string ReasonTag(FrameDropReason reason)
        => (uint)reason < (uint)ReasonTags.Length ? ReasonTags[(int)reason] : "unknown";

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private static object RingTag(int ring) => (uint)ring < (uint)RingTags.Length ? RingTags[ring] : ring;

    private static object[] CreateRingTags()
    {
        var tags = new object[Redundancy.RedundancyLimits.MaxRings];
        for (var i = 0; i < tags.Length; i++)
        {
            tags[i] = i;
        }

        return tags;
    }

    private static string[] CreateReasonTags()
    {
        var values = Enum.GetValues<FrameDropReason>();
        var tags = new string[values.Max(v => (int)v) + 1];
        Array.Fill(tags, "unknown");
        foreach (var value in values)
        {
            tags[(int)value] = ToSnakeCase(value.ToString());
        }

        return tags;
    }

    private static string ToSnakeCase(string name)
    {
        var text = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(name[i]));
        }

        return text.ToString();
    }
}
