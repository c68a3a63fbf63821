using System.Text.Json.Serialization;

namespace Clustering.Tool.Commands.Bench;

/// <summary>What one member saw, sent to the parent as one <c>RESULT</c> line of JSON.</summary>
internal sealed record BenchMemberResult
{
    [JsonPropertyName("node")]
    public uint Node { get; init; }

    [JsonPropertyName("received")]
    public long Received { get; init; }

    [JsonPropertyName("lost")]
    public long Lost { get; init; }

    [JsonPropertyName("out_of_order")]
    public long OutOfOrder { get; init; }

    [JsonPropertyName("corrupt")]
    public long Corrupt { get; init; }

    /// <summary>Seconds from the start signal to the last message this member received.</summary>
    [JsonPropertyName("seconds")]
    public double Seconds { get; init; }

    /// <summary>
    /// CPU time this node process used (all threads, user and kernel) from the start signal to its last message, in
    /// milliseconds: what the run cost, steadier than throughput on a shared machine.
    /// </summary>
    [JsonPropertyName("cpu_ms")]
    public double CpuMilliseconds { get; init; }

    /// <summary>How the node process was scheduled: <c>SCHED_RR 99</c>, <c>nice -20</c> or <c>default</c>.</summary>
    [JsonPropertyName("scheduling")]
    public string Scheduling { get; init; } = "default";

    [JsonPropertyName("latency_max_us")]
    public long LatencyMaxMicros { get; init; }

    /// <summary>The latency histogram's non-empty buckets, [index, count].</summary>
    [JsonPropertyName("latency")]
    public List<long[]> Latency { get; init; } = [];

    [JsonIgnore]
    public double MessagesPerSecond => Seconds > 0 ? Received / Seconds : 0;
}
