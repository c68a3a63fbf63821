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

    [JsonPropertyName("latency_max_us")]
    public long LatencyMaxMicros { get; init; }

    /// <summary>The latency histogram's non-empty buckets, [index, count].</summary>
    [JsonPropertyName("latency")]
    public List<long[]> Latency { get; init; } = [];

    [JsonIgnore]
    public double MessagesPerSecond => Seconds > 0 ? Received / Seconds : 0;
}
