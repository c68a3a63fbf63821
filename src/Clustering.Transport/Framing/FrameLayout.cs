namespace Clustering.Transport.Framing;

/// <summary>
/// Constants of the frame wire format (big-endian). The 32-byte header is
/// <c>version(1) type(1) hash(1) cipher(1) cluster(4) node(4) incarnation(8) ring(1) flags(1) body-length(2) sequence(8)</c>,
/// followed by the body and the authentication tag. <c>docs/wire-format.md</c> describes every byte.
/// </summary>
public static class FrameLayout
{
    /// <summary>
    /// The wire-format version this library writes and the only one it reads. Version 2 leaves the ring number out of
    /// the authentication tag of frames that are not bound to one ring (<see cref="IsRingBound"/>), so a frame is
    /// sealed once and sent on every ring.
    /// </summary>
    public const byte Version = 2;

    /// <summary>The size of the fixed header in bytes.</summary>
    public const int HeaderSize = 32;

    /// <summary>The largest frame accepted or produced: the largest UDP payload over IPv4 (65535 − 20 − 8).</summary>
    public const int MaxFrameSize = 65507;

    /// <summary>The size of the AES-CBC initialisation vector that starts an encrypted body.</summary>
    public const int IvSize = 16;

    /// <summary>The AES block size; an encrypted body's ciphertext is a whole number of blocks.</summary>
    public const int CipherBlockSize = 16;

    /// <summary>
    /// Whether the authentication tag of a frame of <paramref name="type"/> covers its ring number: only for ring probes
    /// and their replies, which test one ring and are never sent on another. Every other frame may be sent on several
    /// rings; its tag is computed with the ring number read as 0, so the same sealed bytes serve every ring with only
    /// the ring byte changed. See <c>docs/wire-format.md</c>.
    /// </summary>
    /// <param name="type">The frame type.</param>
    /// <returns><see langword="true"/> when the ring number is authenticated.</returns>
    public static bool IsRingBound(FrameType type) => type is FrameType.RingProbe or FrameType.RingProbeReply;

    internal const int VersionOffset = 0;
    internal const int TypeOffset = 1;
    internal const int HashOffset = 2;
    internal const int CipherOffset = 3;
    internal const int ClusterIdOffset = 4;
    internal const int NodeIdOffset = 8;
    internal const int IncarnationOffset = 12;
    internal const int RingOffset = 20;
    internal const int FlagsOffset = 21;
    internal const int BodyLengthOffset = 22;
    internal const int SequenceOffset = 24;
}
