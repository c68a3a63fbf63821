using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Clustering.Tool.Commands.Bench;

/// <summary>
/// The outcome of a run: throughput as the slowest member saw it, one-way latency over every delivery at every
/// member, and the sums of lost, out-of-order and corrupt messages (all must be 0). Printed for people or as one
/// JSON object (a contract: field names and types are tested).
/// </summary>
internal sealed class BenchSummary
{
    private readonly LatencyHistogram _latency = new();
    private readonly LatencyHistogram[] _perMember;

    public BenchSummary(BenchOptions options, IReadOnlyList<BenchMemberResult> members)
    {
        Options = options;
        Members = members;
        _perMember = new LatencyHistogram[members.Count];
        for (var i = 0; i < members.Count; i++)
        {
            _perMember[i] = new LatencyHistogram();
            _perMember[i].Merge(members[i].Latency, members[i].LatencyMaxMicros);
            _latency.Merge(members[i].Latency, members[i].LatencyMaxMicros);
        }
    }

    public BenchOptions Options { get; }

    public IReadOnlyList<BenchMemberResult> Members { get; }

    /// <summary>Messages per second at the slowest member.</summary>
    public double MessagesPerSecond => Members.Count == 0 ? 0 : Members.Min(m => m.MessagesPerSecond);

    public double P50Milliseconds => _latency.Percentile(0.50) / 1000.0;

    public double P99Milliseconds => _latency.Percentile(0.99) / 1000.0;

    public double MaxMilliseconds => _latency.Max / 1000.0;

    public long Lost => Members.Sum(m => m.Lost);

    public long OutOfOrder => Members.Sum(m => m.OutOfOrder);

    public long Corrupt => Members.Sum(m => m.Corrupt);

    /// <summary>CPU time of every node process from the start signal to its last message, in milliseconds.</summary>
    public double CpuMilliseconds => Members.Sum(m => m.CpuMilliseconds);

    /// <summary>
    /// <see cref="CpuMilliseconds"/> per message sent, in microseconds: what one message costs the whole cluster
    /// (every node's receive, order, delivery and the sender's send), comparable across runs on a shared machine.
    /// </summary>
    public double CpuMicrosecondsPerMessage => Options.ExpectedMessages == 0 ? 0 : CpuMilliseconds * 1000.0 / Options.ExpectedMessages;

    /// <summary>Whether every member got every message once, in order, intact.</summary>
    public bool Clean => Lost == 0 && OutOfOrder == 0 && Corrupt == 0;

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("nodes", Options.Nodes);
            json.WriteNumber("senders", Options.Senders);
            json.WriteNumber("size", Options.Size);
            json.WriteNumber("messages", Options.ExpectedMessages);
            json.WriteNumber("rate", Options.Rate);
            json.WriteString("transport", Options.Transport);
            json.WriteNumber("rings", Options.Rings);
            json.WriteBoolean("secauth", Options.SecAuth);
            json.WriteNumber("accelerated_window", Options.AcceleratedWindow);
            json.WriteNumber("max_messages", Options.EffectiveMaxMessages);
            json.WriteNumber("window_size", Options.EffectiveWindowSize);
            json.WriteBoolean("sched_rr", Options.SchedRr);
            json.WriteNumber("msgs_per_s", Math.Round(MessagesPerSecond, 1));
            json.WriteNumber("p50_ms", Math.Round(P50Milliseconds, 3));
            json.WriteNumber("p99_ms", Math.Round(P99Milliseconds, 3));
            json.WriteNumber("max_ms", Math.Round(MaxMilliseconds, 3));
            json.WriteNumber("lost", Lost);
            json.WriteNumber("out_of_order", OutOfOrder);
            json.WriteNumber("corrupt", Corrupt);
            json.WriteNumber("cpu_ms", Math.Round(CpuMilliseconds, 1));
            json.WriteNumber("cpu_us_per_msg", Math.Round(CpuMicrosecondsPerMessage, 2));
            json.WriteStartArray("members");
            for (var i = 0; i < Members.Count; i++)
            {
                var m = Members[i];
                json.WriteStartObject();
                json.WriteNumber("node", m.Node);
                json.WriteNumber("received", m.Received);
                json.WriteNumber("msgs_per_s", Math.Round(m.MessagesPerSecond, 1));
                json.WriteNumber("seconds", Math.Round(m.Seconds, 3));
                json.WriteNumber("p50_ms", Math.Round(_perMember[i].Percentile(0.50) / 1000.0, 3));
                json.WriteNumber("p99_ms", Math.Round(_perMember[i].Percentile(0.99) / 1000.0, 3));
                json.WriteNumber("max_ms", Math.Round(_perMember[i].Max / 1000.0, 3));
                json.WriteNumber("lost", m.Lost);
                json.WriteNumber("out_of_order", m.OutOfOrder);
                json.WriteNumber("corrupt", m.Corrupt);
                json.WriteNumber("cpu_ms", Math.Round(m.CpuMilliseconds, 1));
                json.WriteString("scheduling", m.Scheduling);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public string ToText()
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.Append(c, $"clusterctl bench: {Options.Describe()}\n\n");
        text.Append(c, $"{"node",6} {"received",10} {"lost",8} {"out_of_order",12} {"msgs/s",12} {"p50 ms",9} {"p99 ms",9} {"max ms",9}\n");
        for (var i = 0; i < Members.Count; i++)
        {
            var m = Members[i];
            text.Append(c, $"{m.Node,6} {m.Received,10} {m.Lost,8} {m.OutOfOrder,12} {m.MessagesPerSecond,12:0.0} {_perMember[i].Percentile(0.50) / 1000.0,9:0.000} {_perMember[i].Percentile(0.99) / 1000.0,9:0.000} {_perMember[i].Max / 1000.0,9:0.000}\n");
        }

        text.Append('\n');
        text.Append(c, $"msgs/s:        {MessagesPerSecond:0.0} (slowest member)\n");
        text.Append(c, $"latency:       p50 {P50Milliseconds:0.000} ms, p99 {P99Milliseconds:0.000} ms, max {MaxMilliseconds:0.000} ms (one-way, all members)\n");
        text.Append(c, $"cpu:           {CpuMilliseconds:0} ms in {Members.Count} node processes, {CpuMicrosecondsPerMessage:0.0} us per message\n");
        text.Append(c, $"scheduling:    {string.Join(", ", Members.Select(m => m.Scheduling).Distinct())} (sched_rr {(Options.SchedRr ? "yes" : "no")})\n");
        text.Append(c, $"lost:          {Lost}\n");
        text.Append(c, $"out_of_order:  {OutOfOrder}\n");
        if (Corrupt != 0)
        {
            text.Append(c, $"corrupt:       {Corrupt}\n");
        }

        return text.ToString();
    }
}
