using System.Net.Sockets;

namespace Clustering.Transport.Rings;

/// <summary>Checks shared by the UDP ring options.</summary>
internal static class UdpRingValidation
{
    public const int MaxIPv4Payload = 65_507;
    public const int MaxIPv6Payload = 65_527;

    public static int MaxPayload(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? MaxIPv6Payload : MaxIPv4Payload;

    public static void RingNumber(int ringNumber, string paramName)
    {
        if (ringNumber < 0 || ringNumber >= Redundancy.RedundancyLimits.MaxRings)
        {
            throw new ArgumentOutOfRangeException(paramName, ringNumber, $"ringnumber must be 0 to {Redundancy.RedundancyLimits.MaxRings - 1}.");
        }
    }

    public static void Queue(int capacity, string paramName)
    {
        if (capacity < 1)
        {
            throw new ArgumentOutOfRangeException(paramName, capacity, "The receive queue needs room for at least one datagram.");
        }
    }

    public static void MaxDatagram(int? size, AddressFamily family, string paramName)
    {
        if (size is { } value && (value < 1 || value > MaxPayload(family)))
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"MaxDatagramSize must be 1 to {MaxPayload(family)} for {family}.");
        }
    }
}
