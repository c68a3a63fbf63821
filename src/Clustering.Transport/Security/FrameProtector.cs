using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Clustering.Transport.Framing;
using Clustering.Transport.Redundancy;
using Clustering.Transport.Security.Internal;

namespace Clustering.Transport.Security;

/// <summary>
/// Seals frames (header, optional AES-CBC encryption, HMAC tag) and opens them again, checking every byte
/// before trusting it. The layout is in <c>docs/wire-format.md</c>.
/// </summary>
/// <remarks>
/// <para>
/// Keys: HKDF-SHA256 over the authkey, salted with the UTF-8 cluster name, with one info string for the
/// authentication key (as long as the hash output) and another for the AES key (16, 24 or 32 bytes).
/// </para>
/// <para>
/// Opening checks, in this order: the frame length (<see cref="FrameDropReason.Oversize"/>,
/// <see cref="FrameDropReason.Truncated"/>), the version byte (<see cref="FrameDropReason.UnsupportedVersion"/>),
/// the tag in constant time before anything else is interpreted, then the hash and cipher ids
/// (<see cref="FrameDropReason.CryptoMismatch"/>), the cluster id (<see cref="FrameDropReason.WrongCluster"/>),
/// type, flags and ring number (<see cref="FrameDropReason.Malformed"/>), the body length
/// (<see cref="FrameDropReason.Truncated"/> or <see cref="FrameDropReason.Malformed"/>) and the padding.
/// When the tag does not match, the unauthenticated header is only used to say why:
/// other hash or cipher ids give <see cref="FrameDropReason.CryptoMismatch"/>, another cluster id
/// <see cref="FrameDropReason.WrongCluster"/>, anything else <see cref="FrameDropReason.BadTag"/>.
/// Such a reason is a diagnosis for operators; the frame is dropped either way.
/// </para>
/// <para>
/// Not thread-safe: the instance reuses its HMAC and AES state and buffers, so that sealing and opening
/// allocate nothing. Use one instance per thread, or guard one with a lock.
/// </para>
/// </remarks>
public sealed class FrameProtector : IDisposable
{
    private const int MaxTagLength = 64;

    // IVs are drawn from the CSPRNG in batches: one RandomNumberGenerator.Fill per frame costs about as much as
    // the HMAC of a 1 KiB frame (a native call with OpenSSL's per-call overhead). IVs are public once sent.
    private const int IvPoolSize = 256 * FrameLayout.IvSize;

    // The most frames one interleaved encryption pass of SealMany takes (its lists of chains live on the stack).
    private const int SealManyChunk = 64;

    // Sealing and opening each have their own primitives and buffers, so one sending thread and one
    // receiving thread may share an instance.
    private readonly FrameCrypto? _sealer;
    private readonly FrameCrypto? _opener;
    private readonly CryptoHash _hash;
    private readonly CryptoCipher _cipher;
    private readonly int _tagLength;
    private readonly byte[] _ivPool;
    private int _ivPoolOffset;
    private bool _disposed;

    /// <summary>Creates a protector for one cluster configuration.</summary>
    /// <param name="key">The authkey; may be <see langword="null"/> only when both hash and cipher are none. The protector keeps derived keys, not the authkey.</param>
    /// <param name="options">The cluster name, hash, cipher and provider.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null, or <paramref name="key"/> is null while a hash or cipher is set.</exception>
    /// <exception cref="ArgumentException">A cipher is set without a hash (Corosync refuses that too), or an option is out of range.</exception>
    public FrameProtector(Authkey? key, FrameProtectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ClusterName is null)
        {
            throw new ArgumentException("The cluster name must not be null (use an empty string for none).", nameof(options));
        }

        if (!Enum.IsDefined(options.Hash))
        {
            throw new ArgumentException($"Unknown crypto_hash value {(int)options.Hash}.", nameof(options));
        }

        if (!Enum.IsDefined(options.Cipher))
        {
            throw new ArgumentException($"Unknown crypto_cipher value {(int)options.Cipher}.", nameof(options));
        }

        if (!Enum.IsDefined(options.Provider))
        {
            throw new ArgumentException($"Unknown crypto provider value {(int)options.Provider}.", nameof(options));
        }

        if (options.Cipher != CryptoCipher.None && options.Hash == CryptoHash.None)
        {
            throw new ArgumentException("crypto_cipher is set but crypto_hash is none: encryption without authentication is refused (Corosync refuses it too).", nameof(options));
        }

        _hash = options.Hash;
        _cipher = options.Cipher;
        _tagLength = FrameCrypto.TagLengthOf(_hash);
        ClusterId = ComputeClusterId(options.ClusterName);
        Provider = options.Provider;

        if (_hash != CryptoHash.None)
        {
            if (key is null)
            {
                throw new ArgumentNullException(nameof(key), "An authkey is needed when crypto_hash or crypto_cipher is set.");
            }

            var salt = Encoding.UTF8.GetBytes(options.ClusterName);
            _sealer = FrameCrypto.Create(options.Provider, _hash, _cipher, key.Bytes, salt, options.PlatformFastPath);
            _opener = FrameCrypto.Create(options.Provider, _hash, _cipher, key.Bytes, salt, options.PlatformFastPath);
        }

        MaxPayloadLength = ComputeMaxPayloadLength();
        _ivPool = _cipher == CryptoCipher.None ? [] : new byte[IvPoolSize];
        _ivPoolOffset = _ivPool.Length;
    }

    /// <summary>The cluster id carried in every frame: <see cref="ComputeClusterId"/> of the cluster name.</summary>
    public uint ClusterId { get; }

    /// <summary>The provider in use.</summary>
    public CryptoProviderKind Provider { get; }

    /// <summary>The configured hash.</summary>
    public CryptoHash Hash => _hash;

    /// <summary>The configured cipher.</summary>
    public CryptoCipher Cipher => _cipher;

    /// <summary>The authentication tag length in bytes (0 with no hash).</summary>
    public int TagLength => _tagLength;

    /// <summary>The largest payload whose sealed frame still fits <see cref="FrameLayout.MaxFrameSize"/>.</summary>
    public int MaxPayloadLength { get; }

    /// <summary>The cluster id of a cluster name: the first four bytes, big-endian, of SHA-256 over its UTF-8 bytes.</summary>
    /// <param name="clusterName">The cluster name (may be empty).</param>
    /// <returns>The 32-bit cluster id.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="clusterName"/> is null.</exception>
    public static uint ComputeClusterId(string clusterName)
    {
        ArgumentNullException.ThrowIfNull(clusterName);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        var byteCount = Encoding.UTF8.GetByteCount(clusterName);
        var bytes = byteCount <= 256 ? stackalloc byte[byteCount] : new byte[byteCount];
        Encoding.UTF8.GetBytes(clusterName, bytes);
        SHA256.HashData(bytes, digest);
        return BinaryPrimitives.ReadUInt32BigEndian(digest);
    }

    /// <summary>The size of the sealed frame for a payload of <paramref name="payloadLength"/> bytes.</summary>
    /// <param name="payloadLength">The payload length.</param>
    /// <returns>Header, body (IV and padded ciphertext when encrypting) and tag.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="payloadLength"/> is negative.</exception>
    public int GetSealedLength(int payloadLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        return FrameLayout.HeaderSize + BodyLength(payloadLength) + _tagLength;
    }

    /// <summary>Writes the sealed frame for <paramref name="header"/> and <paramref name="payload"/> to <paramref name="destination"/>.</summary>
    /// <param name="header">The sender's header fields.</param>
    /// <param name="payload">The payload; must not overlap <paramref name="destination"/>.</param>
    /// <param name="destination">Where the frame goes; at least <see cref="GetSealedLength"/> bytes.</param>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="ArgumentException">The payload is larger than <see cref="MaxPayloadLength"/>, the destination is too small or overlaps the payload, or the header has an unknown type.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The ring number is not below <see cref="RedundancyLimits.MaxRings"/>.</exception>
    /// <exception cref="ObjectDisposedException">The protector was disposed.</exception>
    public int Seal(in FrameHeader header, ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ValidateSeal(header, payload, destination);
        if (_cipher != CryptoCipher.None)
        {
            var iv = PeekIv();
            var written = SealCore(header, payload, iv, destination);
            ConsumeIv(iv); // only once the frame is sealed: a refused seal leaves the IV unused
            return written;
        }

        return SealCore(header, payload, default, destination);
    }

    /// <summary>
    /// Checks and opens a received frame in place. Never throws for any content of <paramref name="frame"/>.
    /// </summary>
    /// <param name="frame">The datagram. When encrypted, the body is decrypted in place.</param>
    /// <param name="header">The sender's header fields when the frame is accepted.</param>
    /// <param name="payload">Where the payload lies in <paramref name="frame"/> when accepted.</param>
    /// <param name="reason">Why the frame was dropped when rejected (undefined when accepted).</param>
    /// <returns>Whether the frame is authentic and well formed.</returns>
    /// <exception cref="ObjectDisposedException">The protector was disposed (a programming error, not a frame problem).</exception>
    public bool TryOpen(Span<byte> frame, out FrameHeader header, out Range payload, out FrameDropReason reason)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        header = default;
        payload = default;
        try
        {
            reason = Open(frame, ref header, ref payload);
        }
        catch (CryptographicException)
        {
            reason = FrameDropReason.Malformed;
        }

        return reason == 0;
    }

    /// <summary>Zeroes and releases the derived keys and buffers.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            CryptographicOperations.ZeroMemory(_ivPool);
            _sealer?.Dispose();
            _opener?.Dispose();
        }
    }

    /// <summary>Seals with a caller-chosen IV (tests compare providers byte for byte with it).</summary>
    internal int SealCore(in FrameHeader header, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> iv, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var total = ValidateSeal(header, payload, destination);
        var bodyLength = total - FrameLayout.HeaderSize - _tagLength;

        WriteHeader(header, bodyLength, destination);
        var body = destination.Slice(FrameLayout.HeaderSize, bodyLength);
        if (_cipher == CryptoCipher.None)
        {
            payload.CopyTo(body);
        }
        else
        {
            if (iv.Length != FrameLayout.IvSize)
            {
                throw new ArgumentException($"The IV must be {FrameLayout.IvSize} bytes.", nameof(iv));
            }

            var ivSlot = body[..FrameLayout.IvSize];
            if (!iv.Overlaps(ivSlot, out var offset) || offset != 0)
            {
                iv.CopyTo(ivSlot);
            }

            _sealer!.EncryptCbcPkcs7(ivSlot, payload, body[FrameLayout.IvSize..]);
        }

        Tag(header, destination, bodyLength);
        return total;
    }

    /// <summary>
    /// Seals several frames back to back into <paramref name="destination"/>, byte for byte as <see cref="Seal"/> would
    /// one after the other (IVs drawn from the same pool in the same order), but with the AES-CBC chains of the frames
    /// run interleaved where the provider can (the platform provider's AES-NI path): headers, IVs and padded payloads
    /// first, then one interleaved encryption pass, then the tags. Otherwise the frames are sealed one by one.
    /// Every frame is checked before anything is written or an IV used.
    /// </summary>
    /// <param name="headers">The frames' header fields.</param>
    /// <param name="payloads">The frames' payloads (as many as <paramref name="headers"/>); none may overlap <paramref name="destination"/>.</param>
    /// <param name="destination">Where the frames go, frame <c>i</c> right after frame <c>i - 1</c>.</param>
    /// <param name="lengths">Receives each frame's sealed length; at least as long as <paramref name="headers"/>.</param>
    /// <returns>The number of bytes written, the sum of <paramref name="lengths"/>.</returns>
    /// <exception cref="ArgumentException">The lists differ in length, or a frame is refused as <see cref="Seal"/> refuses it (then nothing is written).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A ring number is not below <see cref="RedundancyLimits.MaxRings"/>.</exception>
    /// <exception cref="ObjectDisposedException">The protector was disposed.</exception>
    internal int SealMany(ReadOnlySpan<FrameHeader> headers, ReadOnlySpan<ReadOnlyMemory<byte>> payloads, Span<byte> destination, Span<int> lengths) =>
        SealManyCore(headers, payloads, default, fromPool: true, destination, lengths);

    /// <summary><see cref="SealMany"/> with caller-chosen IVs, 16 bytes per frame in order (tests compare it with <see cref="SealCore"/>).</summary>
    internal int SealManyCore(ReadOnlySpan<FrameHeader> headers, ReadOnlySpan<ReadOnlyMemory<byte>> payloads, ReadOnlySpan<byte> ivs, Span<byte> destination, Span<int> lengths)
    {
        if (_cipher != CryptoCipher.None && ivs.Length != headers.Length * FrameLayout.IvSize)
        {
            throw new ArgumentException($"{ivs.Length} bytes of IVs for {headers.Length} frames; each needs {FrameLayout.IvSize}.", nameof(ivs));
        }

        return SealManyCore(headers, payloads, ivs, fromPool: false, destination, lengths);
    }

    private int SealManyCore(ReadOnlySpan<FrameHeader> headers, ReadOnlySpan<ReadOnlyMemory<byte>> payloads, ReadOnlySpan<byte> ivs, bool fromPool, Span<byte> destination, Span<int> lengths)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (payloads.Length != headers.Length)
        {
            throw new ArgumentException($"{headers.Length} headers but {payloads.Length} payloads.", nameof(payloads));
        }

        if (lengths.Length < headers.Length)
        {
            throw new ArgumentException($"Room for {lengths.Length} lengths; {headers.Length} frames are sealed.", nameof(lengths));
        }

        var total = 0;
        for (var i = 0; i < headers.Length; i++)
        {
            lengths[i] = ValidateSeal(headers[i], payloads[i].Span, destination[total..]);
            total += lengths[i];
        }

        for (var i = 0; i < headers.Length; i++)
        {
            if (payloads[i].Span.Overlaps(destination[..total]))
            {
                throw new ArgumentException($"The payload of frame {i} overlaps the destination of the batch.", nameof(payloads));
            }
        }

        if (_cipher == CryptoCipher.None || headers.Length < 2 || !_sealer!.CanEncryptCbcChains)
        {
            var offset = 0;
            for (var i = 0; i < headers.Length; i++)
            {
                offset += fromPool
                    ? Seal(headers[i], payloads[i].Span, destination[offset..])
                    : SealCore(headers[i], payloads[i].Span, _cipher == CryptoCipher.None ? default : ivs.Slice(i * FrameLayout.IvSize, FrameLayout.IvSize), destination[offset..]);
            }

            return offset;
        }

        Span<int> chainOffsets = stackalloc int[SealManyChunk];
        Span<int> chainBlocks = stackalloc int[SealManyChunk];
        var chunkOffset = 0;
        for (var first = 0; first < headers.Length; first += SealManyChunk)
        {
            var count = Math.Min(SealManyChunk, headers.Length - first);
            var frameOffset = chunkOffset;
            for (var j = 0; j < count; j++)
            {
                var i = first + j;
                var frame = destination.Slice(frameOffset, lengths[i]);
                var bodyLength = lengths[i] - FrameLayout.HeaderSize - _tagLength;
                WriteHeader(headers[i], bodyLength, frame);
                var body = frame.Slice(FrameLayout.HeaderSize, bodyLength);
                if (fromPool)
                {
                    var iv = PeekIv();
                    iv.CopyTo(body);
                    ConsumeIv(iv);
                }
                else
                {
                    ivs.Slice(i * FrameLayout.IvSize, FrameLayout.IvSize).CopyTo(body);
                }

                // The plaintext and its PKCS#7 padding go where the ciphertext will be, and are encrypted there.
                var payload = payloads[i].Span;
                var plain = body[FrameLayout.IvSize..];
                payload.CopyTo(plain);
                plain[payload.Length..].Fill((byte)(plain.Length - payload.Length));
                chainOffsets[j] = frameOffset + FrameLayout.HeaderSize;
                chainBlocks[j] = plain.Length / FrameLayout.CipherBlockSize;
                frameOffset += lengths[i];
            }

            _sealer.EncryptCbcChainsInPlace(destination, chainOffsets[..count], chainBlocks[..count]);

            for (var j = 0; j < count; j++)
            {
                var i = first + j;
                Tag(headers[i], destination.Slice(chunkOffset, lengths[i]), lengths[i] - FrameLayout.HeaderSize - _tagLength);
                chunkOffset += lengths[i];
            }
        }

        return total;
    }

    /// <summary>The next unused IV of the pool (refilled from the system's generator when spent); not consumed yet.</summary>
    private Span<byte> PeekIv()
    {
        if (_ivPoolOffset == _ivPool.Length)
        {
            RandomNumberGenerator.Fill(_ivPool);
            _ivPoolOffset = 0;
        }

        return _ivPool.AsSpan(_ivPoolOffset, FrameLayout.IvSize);
    }

    /// <summary>Marks the IV <see cref="PeekIv"/> gave as used, and wipes it so no IV stays in memory.</summary>
    private void ConsumeIv(Span<byte> iv)
    {
        iv.Clear();
        _ivPoolOffset += FrameLayout.IvSize;
    }

    private void WriteHeader(in FrameHeader header, int bodyLength, Span<byte> destination)
    {
        destination[FrameLayout.VersionOffset] = FrameLayout.Version;
        destination[FrameLayout.TypeOffset] = (byte)header.Type;
        destination[FrameLayout.HashOffset] = (byte)_hash;
        destination[FrameLayout.CipherOffset] = (byte)_cipher;
        BinaryPrimitives.WriteUInt32BigEndian(destination[FrameLayout.ClusterIdOffset..], ClusterId);
        BinaryPrimitives.WriteUInt32BigEndian(destination[FrameLayout.NodeIdOffset..], header.SenderNodeId);
        BinaryPrimitives.WriteUInt64BigEndian(destination[FrameLayout.IncarnationOffset..], header.SenderIncarnation);
        destination[FrameLayout.RingOffset] = header.RingNumber;
        destination[FrameLayout.FlagsOffset] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[FrameLayout.BodyLengthOffset..], (ushort)bodyLength);
        BinaryPrimitives.WriteUInt64BigEndian(destination[FrameLayout.SequenceOffset..], header.Sequence);
    }

    /// <summary>Writes the tag after the header and body of a frame whose header and body are in place.</summary>
    private void Tag(in FrameHeader header, Span<byte> frame, int bodyLength)
    {
        if (_tagLength > 0)
        {
            // A frame that may travel on several rings is tagged with its ring number read as 0, so one sealed frame
            // can be sent on every ring with only that byte changed (see FrameLayout.IsRingBound).
            var signed = frame[..(FrameLayout.HeaderSize + bodyLength)];
            if (!FrameLayout.IsRingBound(header.Type))
            {
                signed[FrameLayout.RingOffset] = 0;
            }

            _sealer!.ComputeTag(signed, frame.Slice(signed.Length, _tagLength));
            signed[FrameLayout.RingOffset] = header.RingNumber;
        }
    }

    private int ValidateSeal(in FrameHeader header, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> destination)
    {
        if (payload.Length > MaxPayloadLength)
        {
            throw new ArgumentException($"The payload is {payload.Length} bytes; at most {MaxPayloadLength} fit a frame with this configuration.", nameof(payload));
        }

        if (!Enum.IsDefined(header.Type))
        {
            throw new ArgumentException($"Unknown frame type {(int)header.Type}.", nameof(header));
        }

        if (header.RingNumber >= RedundancyLimits.MaxRings)
        {
            throw new ArgumentOutOfRangeException(nameof(header), header.RingNumber, $"Ring numbers go from 0 to {RedundancyLimits.MaxRings - 1}.");
        }

        var total = FrameLayout.HeaderSize + BodyLength(payload.Length) + _tagLength;
        if (destination.Length < total)
        {
            throw new ArgumentException($"The destination holds {destination.Length} bytes; the sealed frame needs {total}.", nameof(destination));
        }

        if (payload.Overlaps(destination[..total]))
        {
            throw new ArgumentException("The payload must not overlap the destination.", nameof(destination));
        }

        return total;
    }

    private FrameDropReason Open(Span<byte> frame, ref FrameHeader header, ref Range payload)
    {
        if (frame.Length > FrameLayout.MaxFrameSize)
        {
            return FrameDropReason.Oversize;
        }

        if (frame.Length < FrameLayout.HeaderSize + _tagLength)
        {
            return FrameDropReason.Truncated;
        }

        if (frame[FrameLayout.VersionOffset] != FrameLayout.Version)
        {
            return FrameDropReason.UnsupportedVersion;
        }

        var signedLength = frame.Length - _tagLength;
        if (_tagLength > 0)
        {
            Span<byte> computed = stackalloc byte[MaxTagLength];
            computed = computed[.._tagLength];

            // The tag covers the ring number only for frames bound to one ring; for the others it was computed with
            // that byte read as 0 (the type byte that decides this is itself covered by the tag either way).
            var ringByte = frame[FrameLayout.RingOffset];
            var ringBound = FrameLayout.IsRingBound((FrameType)frame[FrameLayout.TypeOffset]);
            if (!ringBound)
            {
                frame[FrameLayout.RingOffset] = 0;
            }

            _opener!.ComputeTag(frame[..signedLength], computed);
            frame[FrameLayout.RingOffset] = ringByte;
            if (!CryptographicOperations.FixedTimeEquals(computed, frame[signedLength..]))
            {
                return DiagnoseBadTag(frame);
            }
        }

        if (frame[FrameLayout.HashOffset] != (byte)_hash || frame[FrameLayout.CipherOffset] != (byte)_cipher)
        {
            return FrameDropReason.CryptoMismatch;
        }

        if (BinaryPrimitives.ReadUInt32BigEndian(frame[FrameLayout.ClusterIdOffset..]) != ClusterId)
        {
            return FrameDropReason.WrongCluster;
        }

        var type = (FrameType)frame[FrameLayout.TypeOffset];
        var ring = frame[FrameLayout.RingOffset];
        if (!Enum.IsDefined(type) || frame[FrameLayout.FlagsOffset] != 0 || ring >= RedundancyLimits.MaxRings)
        {
            return FrameDropReason.Malformed;
        }

        int bodyLength = BinaryPrimitives.ReadUInt16BigEndian(frame[FrameLayout.BodyLengthOffset..]);
        var actualBody = signedLength - FrameLayout.HeaderSize;
        if (bodyLength > actualBody)
        {
            return FrameDropReason.Truncated;
        }

        if (bodyLength < actualBody)
        {
            return FrameDropReason.Malformed;
        }

        int payloadStart;
        int payloadLength;
        if (_cipher == CryptoCipher.None)
        {
            payloadStart = FrameLayout.HeaderSize;
            payloadLength = bodyLength;
        }
        else
        {
            var cipherLength = bodyLength - FrameLayout.IvSize;
            if (cipherLength < FrameLayout.CipherBlockSize || cipherLength % FrameLayout.CipherBlockSize != 0)
            {
                return FrameDropReason.Malformed;
            }

            payloadStart = FrameLayout.HeaderSize + FrameLayout.IvSize;
            var ciphertext = frame.Slice(payloadStart, cipherLength);
            _opener!.DecryptCbc(frame.Slice(FrameLayout.HeaderSize, FrameLayout.IvSize), ciphertext);

            // Encrypt-then-MAC: the padding is only examined after the tag matched, so its check need not be constant time.
            int pad = ciphertext[^1];
            if (pad is 0 or > FrameLayout.CipherBlockSize || ciphertext[^pad..].ContainsAnyExcept((byte)pad))
            {
                return FrameDropReason.Malformed;
            }

            payloadLength = cipherLength - pad;
        }

        header = new FrameHeader(
            type,
            BinaryPrimitives.ReadUInt32BigEndian(frame[FrameLayout.NodeIdOffset..]),
            BinaryPrimitives.ReadUInt64BigEndian(frame[FrameLayout.IncarnationOffset..]),
            ring,
            BinaryPrimitives.ReadUInt64BigEndian(frame[FrameLayout.SequenceOffset..]));
        payload = new Range(payloadStart, payloadStart + payloadLength);
        return 0;
    }

    private FrameDropReason DiagnoseBadTag(ReadOnlySpan<byte> frame)
    {
        if (frame[FrameLayout.HashOffset] != (byte)_hash || frame[FrameLayout.CipherOffset] != (byte)_cipher)
        {
            return FrameDropReason.CryptoMismatch;
        }

        return BinaryPrimitives.ReadUInt32BigEndian(frame[FrameLayout.ClusterIdOffset..]) != ClusterId
            ? FrameDropReason.WrongCluster
            : FrameDropReason.BadTag;
    }

    private int BodyLength(int payloadLength) => _cipher == CryptoCipher.None
        ? payloadLength
        : FrameLayout.IvSize + (((payloadLength / FrameLayout.CipherBlockSize) + 1) * FrameLayout.CipherBlockSize);

    private int ComputeMaxPayloadLength()
    {
        var room = FrameLayout.MaxFrameSize - FrameLayout.HeaderSize - _tagLength;
        if (_cipher == CryptoCipher.None)
        {
            return room;
        }

        var blocks = (room - FrameLayout.IvSize) / FrameLayout.CipherBlockSize;
        return (blocks * FrameLayout.CipherBlockSize) - 1;
    }
}
