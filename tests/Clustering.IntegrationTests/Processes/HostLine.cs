using System.Text.Json;

namespace Clustering.IntegrationTests.Processes;

/// <summary>One JSON line a node host printed: its <c>event</c> kind, the parsed object and the raw text.</summary>
internal sealed record HostLine(string Kind, JsonElement Data, string Text)
{
    public uint[] Members => [.. Data.GetProperty("members").EnumerateArray().Select(Node)];

    public bool Quorate => Data.GetProperty("quorate").GetBoolean();

    public ulong RingSequence => Data.GetProperty("sequence").GetUInt64();

    /// <summary>The ring of a <c>membership</c> line: representative and sequence.</summary>
    public string RingId => $"{Data.GetProperty("representative").GetUInt32()}.{RingSequence}";

    public int[] Faulty => [.. Data.GetProperty("faulty").EnumerateArray().Select(e => e.GetInt32())];

    /// <summary>The senders of a <c>stats</c> line, by node id.</summary>
    public Dictionary<uint, SenderCounts> Senders => Data.GetProperty("senders").EnumerateArray().ToDictionary(
        s => s.GetProperty("sender").GetUInt32(),
        s => new SenderCounts(s.GetProperty("count").GetInt64(), s.GetProperty("first").GetUInt64(), s.GetProperty("last").GetUInt64(),
            s.GetProperty("gaps").GetInt64(), s.GetProperty("outOfOrder").GetInt64()));

    public string OrderDigest => Data.GetProperty("orderDigest").GetString()!;

    public IEnumerable<(uint Node, string Reason)> Left => Data.GetProperty("left").EnumerateArray()
        .Select(l => (l.GetProperty("node").GetUInt32(), l.GetProperty("reason").GetString()!));

    public static HostLine? TryParse(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("event", out var kind) && kind.GetString() is { } name
                ? new HostLine(name, root.Clone(), text)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static uint Node(JsonElement e) => e.ValueKind == JsonValueKind.Object ? e.GetProperty("node").GetUInt32() : e.GetUInt32();
}

/// <summary>What one receiver counted from one sender.</summary>
internal sealed record SenderCounts(long Count, ulong First, ulong Last, long Gaps, long OutOfOrder);
