namespace Clustering.Transport.Configuration;

/// <summary>One <c>nodelist { node { … } }</c> entry.</summary>
public sealed class NodeOptions
{
    /// <summary>The node's address on each ring, index = ring number (<c>ring0_addr</c>, <c>ring1_addr</c>, …): IP literals or host names.</summary>
    public IReadOnlyList<string> RingAddresses { get; init; } = [];

    /// <summary>The node id (<c>nodeid</c>), 1 to 2³²−1; null derives it from the ring 0 IPv4 address (see <see cref="Configuration.NodeId"/>).</summary>
    public uint? NodeId { get; init; }

    /// <summary>The node's name (<c>name</c>), used by Pacemaker; null when unset.</summary>
    public string? Name { get; init; }

    /// <summary>Votes this node has in the quorum (<c>quorum_votes</c>). Default 1.</summary>
    public int QuorumVotes { get; init; } = 1;

    /// <summary>
    /// The node id in effect: <see cref="NodeId"/>, or the ring 0 address read as a 32-bit number.
    /// </summary>
    /// <param name="clearHighBit">Clear bit 31 of a derived id (<c>clear_node_high_bit: yes</c>).</param>
    /// <param name="byteOrder">How the address bytes are read; see <see cref="NodeIdByteOrder"/>.</param>
    /// <exception cref="ConfigurationException">There is no nodeid and ring 0's address is not an IPv4 literal.</exception>
    public uint EffectiveNodeId(bool clearHighBit = false, NodeIdByteOrder byteOrder = NodeIdByteOrder.LittleEndian)
    {
        if (NodeId is { } id)
        {
            return id;
        }

        var ring0 = RingAddresses.Count > 0 ? RingAddresses[0] : null;
        if (ring0 is null || !System.Net.IPAddress.TryParse(ring0, out var address)
            || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            throw new ConfigurationException(
                $"parse error in config: nodelist node{(Name is null ? string.Empty : " " + Name)} needs a nodeid: ring0_addr '{ring0}' is not an IPv4 address to derive it from",
                null, 0, 0, "nodelist.node.nodeid");
        }

        return Configuration.NodeId.FromIPv4(address, clearHighBit, byteOrder);
    }
}
