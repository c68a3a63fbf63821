using System.Net;
using Clustering.Transport.Framing;
using Clustering.Transport.Rings;

namespace Clustering.Transport.Redundancy;

/// <summary>
/// An authenticated, decrypted frame delivered by a <see cref="RingSet"/>: its header and payload, in a pooled buffer.
/// Dispose it once the payload has been consumed; the payload must not be used afterwards.
/// </summary>
public readonly struct ReceivedFrame : IDisposable, IEquatable<ReceivedFrame>
{
    private readonly RingDatagram _datagram;
    private readonly Range _payload;

    internal ReceivedFrame(in FrameHeader header, RingDatagram datagram, Range payload)
    {
        Header = header;
        _datagram = datagram;
        _payload = payload;
    }

    /// <summary>The frame's header (type, sender, incarnation, ring, sequence).</summary>
    public FrameHeader Header { get; }

    /// <summary>The ring the delivered copy arrived on.</summary>
    public int RingNumber => _datagram.RingNumber;

    /// <summary>The address the delivered copy came from.</summary>
    public IPEndPoint Source => _datagram.Source;

    /// <summary>The payload, valid until <see cref="Dispose"/>.</summary>
    public ReadOnlyMemory<byte> Payload => _datagram.Memory[_payload];

    /// <summary>Returns the buffer to its pool.</summary>
    public void Dispose() => _datagram.Dispose();

    /// <inheritdoc/>
    public bool Equals(ReceivedFrame other) => _datagram.Equals(other._datagram) && Header == other.Header;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ReceivedFrame other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Header, _datagram);

    /// <summary>Compares two frames.</summary>
    public static bool operator ==(ReceivedFrame left, ReceivedFrame right) => left.Equals(right);

    /// <summary>Compares two frames.</summary>
    public static bool operator !=(ReceivedFrame left, ReceivedFrame right) => !left.Equals(right);
}
