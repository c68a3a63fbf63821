using System.Buffers;
using System.Net;

namespace Clustering.Transport.Rings;

/// <summary>
/// A datagram received on a ring, in a buffer rented from a pool. Dispose it exactly once to return
/// the buffer; do not keep <see cref="Data"/> after that.
/// </summary>
public readonly struct RingDatagram : IDisposable, IEquatable<RingDatagram>
{
    private readonly byte[]? _buffer;
    private readonly ArrayPool<byte>? _pool;

    /// <summary>Wraps <paramref name="length"/> bytes of <paramref name="buffer"/>, which returns to <paramref name="pool"/> on dispose.</summary>
    /// <param name="ringNumber">The ring the datagram arrived on.</param>
    /// <param name="source">The sender's address on that ring.</param>
    /// <param name="buffer">The rented buffer holding the datagram from offset 0.</param>
    /// <param name="length">The datagram's length.</param>
    /// <param name="pool">The pool to return <paramref name="buffer"/> to, or <see langword="null"/> when it is not pooled.</param>
    public RingDatagram(int ringNumber, IPEndPoint source, byte[] buffer, int length, ArrayPool<byte>? pool)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, buffer.Length);
        RingNumber = ringNumber;
        Source = source;
        _buffer = buffer;
        Length = length;
        _pool = pool;
    }

    /// <summary>The ring the datagram arrived on.</summary>
    public int RingNumber { get; }

    /// <summary>The sender's address on that ring.</summary>
    public IPEndPoint Source { get; }

    /// <summary>The datagram's length in bytes.</summary>
    public int Length { get; }

    /// <summary>The datagram's bytes.</summary>
    public ReadOnlySpan<byte> Data => new(_buffer, 0, Length);

    /// <summary>The datagram's bytes as memory, valid until dispose.</summary>
    public ReadOnlyMemory<byte> Memory => new(_buffer, 0, Length);

    /// <summary>The datagram's bytes, writable in place (decryption works in the received buffer).</summary>
    internal Span<byte> WritableData => new(_buffer, 0, Length);

    /// <summary>Returns the buffer to its pool.</summary>
    public void Dispose()
    {
        if (_buffer is not null)
        {
            _pool?.Return(_buffer);
        }
    }

    /// <inheritdoc />
    public bool Equals(RingDatagram other) => ReferenceEquals(_buffer, other._buffer) && Length == other.Length;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is RingDatagram other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_buffer, Length);

    /// <summary>Compares two datagrams by buffer identity.</summary>
    public static bool operator ==(RingDatagram left, RingDatagram right) => left.Equals(right);

    /// <summary>Compares two datagrams by buffer identity.</summary>
    public static bool operator !=(RingDatagram left, RingDatagram right) => !left.Equals(right);
}
