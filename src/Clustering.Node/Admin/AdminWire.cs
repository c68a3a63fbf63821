using System.Text.Json.Serialization;

namespace Clustering.Node.Admin;

/// <summary>One ring in a <see cref="AdminRequestKind.RingStatus"/> answer.</summary>
internal sealed record WireRing(int Ring, string Address, string Health, int ProblemCount, int ProblemThreshold, string Status, ulong StatusSequence);

/// <summary>The <see cref="AdminRequestKind.RingStatus"/> answer.</summary>
internal sealed record WireRingStatus(uint NodeId, WireRing[] Rings);

/// <summary>The <see cref="AdminRequestKind.QuorumStatus"/> and <see cref="AdminRequestKind.QuorumList"/> answers.</summary>
internal sealed record WireQuorum(bool Quorate, string Text);

/// <summary>One member of a group.</summary>
internal sealed record WireMember(uint NodeId, uint Pid);

/// <summary>One group with its members.</summary>
internal sealed record WireGroup(string Name, WireMember[] Members);

/// <summary>The <see cref="AdminRequestKind.GroupList"/> answer.</summary>
internal sealed record WireGroups(WireGroup[] Groups);

/// <summary>One node's addresses.</summary>
internal sealed record WireNodeAddresses(uint NodeId, string? Name, string[] Addresses);

/// <summary>The <see cref="AdminRequestKind.NodeInfo"/> answer.</summary>
internal sealed record WireNodeInfo(
    uint NodeId,
    string ClusterName,
    string Version,
    int ProcessId,
    bool Running,
    string? RingId,
    uint[] Members,
    bool Quorate,
    double UptimeSeconds,
    WireNodeAddresses[] Nodes);

/// <summary>An error answer's payload.</summary>
internal sealed record WireError(string Message);

/// <summary>The source-generated JSON contract of the admin protocol's payloads.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(WireRingStatus))]
[JsonSerializable(typeof(WireQuorum))]
[JsonSerializable(typeof(WireGroups))]
[JsonSerializable(typeof(WireGroup))]
[JsonSerializable(typeof(WireNodeInfo))]
[JsonSerializable(typeof(WireError))]
internal sealed partial class AdminJson : JsonSerializerContext;
