namespace Clustering.Transport.Framing;

/// <summary>
/// What a frame carries. The transport reads the type only to account for redundant-ring health
/// (tokens and multicasts are counted separately, as Corosync's RRP does) and to answer its own ring
/// probes; everything else is opaque payload for the layer above.
/// </summary>
public enum FrameType : byte
{
    /// <summary>An ordered application or protocol multicast (Totem's <c>mcast</c>).</summary>
    Multicast = 1,

    /// <summary>The regular token, unicast to the next member of the ring (Totem's <c>orf_token</c>).</summary>
    Token = 2,

    /// <summary>A membership join message.</summary>
    Join = 3,

    /// <summary>A membership commit token.</summary>
    CommitToken = 4,

    /// <summary>A merge-detect message sent by an idle ring's representative.</summary>
    MergeDetect = 5,

    /// <summary>Asks the ring's representative to stop holding an idle token.</summary>
    TokenHoldCancel = 6,

    /// <summary>A redundant-ring probe sent on a faulty ring to test whether it carries traffic again.</summary>
    RingProbe = 7,

    /// <summary>The answer to a <see cref="RingProbe"/>, sent back on the same ring.</summary>
    RingProbeReply = 8,
}
