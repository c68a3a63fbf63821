using System.Net;

namespace Clustering.Transport.Rings;

/// <summary>No local interface matches a ring's <c>bindnetaddr</c>.</summary>
public sealed class BindNetAddressNotFoundException : Exception
{
    /// <summary>Creates the exception for <paramref name="bindNetAddress"/>, listing the addresses that were tried.</summary>
    /// <param name="bindNetAddress">The configured value.</param>
    /// <param name="considered">The local addresses of the same family, as <c>address/prefix</c>.</param>
    public BindNetAddressNotFoundException(IPAddress bindNetAddress, IReadOnlyList<string> considered)
        : base(BuildMessage(bindNetAddress, considered))
    {
        BindNetAddress = bindNetAddress;
        Considered = considered;
    }

    /// <summary>Creates the exception with a message.</summary>
    public BindNetAddressNotFoundException()
        : this(IPAddress.None, [])
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public BindNetAddressNotFoundException(string message)
        : base(message)
    {
        BindNetAddress = IPAddress.None;
        Considered = [];
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public BindNetAddressNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
        BindNetAddress = IPAddress.None;
        Considered = [];
    }

    /// <summary>The configured <c>bindnetaddr</c>.</summary>
    public IPAddress BindNetAddress { get; }

    /// <summary>The local addresses of the same family that did not match, as <c>address/prefix</c>.</summary>
    public IReadOnlyList<string> Considered { get; }

    private static string BuildMessage(IPAddress bindNetAddress, IReadOnlyList<string> considered)
    {
        ArgumentNullException.ThrowIfNull(bindNetAddress);
        ArgumentNullException.ThrowIfNull(considered);
        var family = bindNetAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "IPv6 (exact address required)" : "IPv4";
        var tried = considered.Count == 0 ? "no local address of that family" : string.Join(", ", considered);
        return $"bindnetaddr {bindNetAddress} matches no local interface ({family}); tried: {tried}.";
    }
}
