using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Clustering.Transport.Configuration;

/// <summary>Node id rules: 32-bit, 0 reserved, derived from the ring 0 IPv4 address when not configured.</summary>
public static class NodeId
{
    /// <summary>
    /// Derives a node id from an IPv4 address as Corosync does when <c>nodeid</c> is absent: the address bytes read
    /// as a 32-bit number (<see cref="NodeIdByteOrder.LittleEndian"/> by default: 10.133.99.65 → 1097041162),
    /// with bit 31 cleared on request (<c>clear_node_high_bit: yes</c>).
    /// </summary>
    /// <param name="address">An IPv4 address (an IPv4-mapped IPv6 address is accepted).</param>
    /// <param name="clearHighBit">Clear bit 31 so the id is a positive signed 32-bit number.</param>
    /// <param name="byteOrder">How the bytes are read.</param>
    /// <returns>The node id.</returns>
    /// <exception cref="ArgumentException">The address is not IPv4, or it gives the reserved id 0.</exception>
    public static uint FromIPv4(IPAddress address, bool clearHighBit = false, NodeIdByteOrder byteOrder = NodeIdByteOrder.LittleEndian)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new ArgumentException($"a node id can only be derived from an IPv4 address, not {address}; set nodeid explicitly", nameof(address));
        }

        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        var id = byteOrder == NodeIdByteOrder.NetworkOrder
            ? BinaryPrimitives.ReadUInt32BigEndian(bytes)
            : BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        if (clearHighBit)
        {
            id &= 0x7FFF_FFFF;
        }

        if (id == 0)
        {
            throw new ArgumentException($"the address {address} gives the reserved node id 0; set nodeid explicitly", nameof(address));
        }

        return id;
    }

    /// <summary>The dotted IPv4 address a derived node id came from (the inverse of <see cref="FromIPv4"/> without the high-bit clearing).</summary>
    /// <param name="nodeId">The node id.</param>
    /// <param name="byteOrder">How the id was derived.</param>
    /// <returns>The address.</returns>
    public static IPAddress ToIPv4(uint nodeId, NodeIdByteOrder byteOrder = NodeIdByteOrder.LittleEndian)
    {
        var bytes = new byte[4];
        if (byteOrder == NodeIdByteOrder.NetworkOrder)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes, nodeId);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, nodeId);
        }

        return new IPAddress(bytes);
    }
}
