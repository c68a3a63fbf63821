namespace Clustering.Node.Admin;

/// <summary>A node the answering node knows of, with its ring addresses (ring 0 first).</summary>
/// <param name="NodeId">The node's id.</param>
/// <param name="Name">Its nodelist name, if any.</param>
/// <param name="Addresses">Its ring addresses as text; empty when unknown (multicast rings without a nodelist).</param>
public sealed record AdminNodeAddresses(uint NodeId, string? Name, IReadOnlyList<string> Addresses);

/// <summary>A running node's identity and state, as its admin endpoint reports them.</summary>
/// <param name="NodeId">The node's id.</param>
/// <param name="ClusterName">The cluster's name.</param>
/// <param name="Version">The Clustering.Node version the node runs.</param>
/// <param name="ProcessId">The node's process id.</param>
/// <param name="IsRunning">Whether the node is running.</param>
/// <param name="RingId">The current ring id (<c>representative.sequence</c>, as Corosync logs it), or <see langword="null"/> before the first ring.</param>
/// <param name="Members">The current membership.</param>
/// <param name="IsQuorate">Whether the node's partition is quorate.</param>
/// <param name="Uptime">How long the node has existed.</param>
/// <param name="Nodes">Every node the node knows of (its nodelist and current members) with their addresses.</param>
public sealed record AdminNodeInfo(
    uint NodeId,
    string ClusterName,
    string Version,
    int ProcessId,
    bool IsRunning,
    string? RingId,
    IReadOnlyList<uint> Members,
    bool IsQuorate,
    TimeSpan Uptime,
    IReadOnlyList<AdminNodeAddresses> Nodes);
