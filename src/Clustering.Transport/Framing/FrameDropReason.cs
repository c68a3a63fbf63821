namespace Clustering.Transport.Framing;

/// <summary>Why a received datagram was dropped. Each reason is counted (metric <c>clustering.transport.frames.dropped</c>, tag <c>reason</c>) and logged at debug level.</summary>
public enum FrameDropReason
{
    /// <summary>Shorter than the fixed header plus the configured tag, or than the body length its header states.</summary>
    Truncated = 1,

    /// <summary>Longer than the largest frame the transport accepts.</summary>
    Oversize = 2,

    /// <summary>The authentication tag does not match: a forged or corrupted frame, or a peer with another authkey.</summary>
    BadTag = 3,

    /// <summary>An unknown wire-format version.</summary>
    UnsupportedVersion = 4,

    /// <summary>The header is inconsistent (unknown type, reserved bits set, a ring number above 7, bytes beyond the stated body length, a ciphertext that is not whole blocks, bad padding).</summary>
    Malformed = 5,

    /// <summary>The frame was sealed with another hash or cipher than this node's configuration.</summary>
    CryptoMismatch = 6,

    /// <summary>The frame belongs to another cluster (cluster id differs).</summary>
    WrongCluster = 7,

    /// <summary>A sequence already seen from that sender incarnation, or one too old to tell, or an older incarnation.</summary>
    Replayed = 8,

    /// <summary>The frame claims to come from this node.</summary>
    FromSelf = 9,

    /// <summary>The frame's ring number differs from the ring it arrived on.</summary>
    WrongRing = 10,

    /// <summary>A unicast transport (udpu) received it from an address not in the nodelist (<c>block_unlisted_ips</c>).</summary>
    UnlistedSource = 11,
}
