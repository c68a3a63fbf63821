using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Clustering.Transport.Rings;

/// <summary>
/// Turns a <c>bindnetaddr</c> from <c>corosync.conf</c> into the local address a ring binds to, the way
/// Corosync 2 does it (<c>totemip_iface_check</c>): among the local addresses of the same family, an exact
/// match wins; otherwise the first interface whose network contains the value (interface address AND mask
/// equals bindnetaddr AND mask) is chosen, so both <c>192.168.5.92</c> and <c>192.168.5.0</c> select the host
/// <c>192.168.5.92/24</c>. For IPv6 Corosync accepts only the exact address, and so does this class.
/// </summary>
public static class BindNetAddress
{
    /// <summary>Resolves <paramref name="bindNetAddress"/> against the given interface addresses.</summary>
    /// <param name="bindNetAddress">The configured <c>bindnetaddr</c>: a host address or a network address.</param>
    /// <param name="interfaces">The local addresses with their prefix lengths, in the order interfaces are walked.</param>
    /// <returns>The local address to bind.</returns>
    /// <exception cref="BindNetAddressNotFoundException">No local address matches.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A prefix length is outside 0..32 (IPv4) or 0..128 (IPv6).</exception>
    public static IPAddress Resolve(IPAddress bindNetAddress, IEnumerable<(IPAddress Address, int PrefixLength)> interfaces)
    {
        ArgumentNullException.ThrowIfNull(bindNetAddress);
        ArgumentNullException.ThrowIfNull(interfaces);
        var wanted = bindNetAddress.GetAddressBytes();
        IPAddress? networkMatch = null;
        var considered = new List<string>();
        foreach (var (address, prefixLength) in interfaces)
        {
            ArgumentNullException.ThrowIfNull(address, nameof(interfaces));
            if (address.AddressFamily != bindNetAddress.AddressFamily)
            {
                continue;
            }

            var bytes = address.GetAddressBytes();
            ArgumentOutOfRangeException.ThrowIfNegative(prefixLength, nameof(interfaces));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, bytes.Length * 8, nameof(interfaces));
            considered.Add($"{address}/{prefixLength}");
            if (bytes.AsSpan().SequenceEqual(wanted))
            {
                return address;
            }

            if (networkMatch is null && address.AddressFamily == AddressFamily.InterNetwork && SameNetwork(bytes, wanted, prefixLength))
            {
                networkMatch = address;
            }
        }

        return networkMatch ?? throw new BindNetAddressNotFoundException(bindNetAddress, considered);
    }

    /// <summary>Resolves <paramref name="bindNetAddress"/> against this machine's interfaces (<see cref="NetworkInterface.GetAllNetworkInterfaces"/>).</summary>
    /// <param name="bindNetAddress">The configured <c>bindnetaddr</c>.</param>
    /// <returns>The local address to bind.</returns>
    /// <exception cref="BindNetAddressNotFoundException">No local address matches.</exception>
    public static IPAddress Resolve(IPAddress bindNetAddress) => Resolve(bindNetAddress, LocalInterfaces());

    /// <summary>This machine's unicast addresses with their prefix lengths, interface by interface.</summary>
    /// <returns>The addresses in the order the operating system lists interfaces.</returns>
    public static IReadOnlyList<(IPAddress Address, int PrefixLength)> LocalInterfaces()
    {
        var list = new List<(IPAddress, int)>();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            {
                list.Add((unicast.Address, unicast.PrefixLength));
            }
        }

        return list;
    }

    private static bool SameNetwork(byte[] address, byte[] bindNetAddress, int prefixLength)
    {
        for (var i = 0; i < address.Length; i++)
        {
            var bits = Math.Clamp(prefixLength - (i * 8), 0, 8);
            var mask = (byte)(0xFF << (8 - bits));
            if ((address[i] & mask) != (bindNetAddress[i] & mask))
            {
                return false;
            }
        }

        return true;
    }
}
