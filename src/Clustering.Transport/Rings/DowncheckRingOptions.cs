using System.Net;

namespace Clustering.Transport.Rings;

/// <summary>Options of a <see cref="DowncheckRing"/>.</summary>
public sealed record DowncheckRingOptions
{
    /// <summary>Corosync's default <c>downcheck</c>: 1000 ms.</summary>
    public static readonly TimeSpan DefaultDowncheck = TimeSpan.FromMilliseconds(1000);

    /// <summary>The ring's number (0 for the first interface).</summary>
    public int RingNumber { get; init; }

    /// <summary>How often a ring whose interface is missing tries again (Corosync <c>downcheck</c>, 1000 ms).</summary>
    public TimeSpan Downcheck { get; init; } = DefaultDowncheck;

    /// <summary>The largest datagram the ring will carry once up (the ring set sizes its frames by it from the start); <see langword="null"/> = the largest UDP payload of the placeholder's address family, as the UDP rings default to.</summary>
    public int? MaxDatagramSize { get; init; }

    /// <summary>The value of <see cref="MaxDatagramSize"/> in effect.</summary>
    public int EffectiveMaxDatagramSize => MaxDatagramSize ?? UdpRingValidation.MaxPayload(PlaceholderEndPoint.AddressFamily);

    /// <summary>The end point reported while the interface is missing (Corosync falls back to loopback); port 0 by default.</summary>
    public IPEndPoint PlaceholderEndPoint { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>Received datagrams that may wait for the reader once the ring is up.</summary>
    public int ReceiveQueueCapacity { get; init; } = 4096;

    /// <summary>The clock of the retry timer.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> or <see cref="ArgumentNullException"/> for unusable values.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(RingNumber);
        ArgumentOutOfRangeException.ThrowIfLessThan(Downcheck, TimeSpan.FromMilliseconds(1), nameof(Downcheck));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDatagramSize ?? 64, 64, nameof(MaxDatagramSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(ReceiveQueueCapacity, 1, nameof(ReceiveQueueCapacity));
        ArgumentNullException.ThrowIfNull(PlaceholderEndPoint);
        ArgumentNullException.ThrowIfNull(TimeProvider);
    }
}
