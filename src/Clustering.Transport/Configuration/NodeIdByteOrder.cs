namespace Clustering.Transport.Configuration;

/// <summary>How a node id is derived from an IPv4 address when <c>nodeid</c> is absent.</summary>
public enum NodeIdByteOrder
{
    /// <summary>
    /// The four address bytes read as a little-endian number: 10.133.99.65 → 1097041162. Corosync 1.x and 2.0 to 2.3.0
    /// on x86 (the seed's <c>Local node ID 1097041162</c>). The default.
    /// </summary>
    LittleEndian = 0,

    /// <summary>The address in network order: 10.133.99.65 → 176513857. Corosync 2.3.1 and later (commit ca6051e8, 2013).</summary>
    NetworkOrder = 1,
}
