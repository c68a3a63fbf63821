namespace Clustering.Membership.Totem;

/// <summary>
/// Counts of one node's Totem work since it started: token visits (one per rotation of the ring through this node),
/// multicast frames sent, frames sent again because a member asked for them, and tokens sent again because no
/// progress was seen. One thread (the ring's owner loop) writes them; any thread may read them.
/// </summary>
public sealed class TotemStatistics
{
    private long _tokenVisits;
    private long _framesSent;
    private long _retransmits;
    private long _tokenRetransmits;
    private long _acceleratedTokens;

    /// <summary>Tokens this node processed: one per rotation of the ring through it.</summary>
    public long TokenVisits => Volatile.Read(ref _tokenVisits);

    /// <summary>Multicast frames this node sent on its token visits: new ones (packed application messages, recovery frames) and retransmissions.</summary>
    public long FramesSent => Volatile.Read(ref _framesSent);

    /// <summary>Frames this node sent again because a member's retransmit request named them.</summary>
    public long Retransmits => Volatile.Read(ref _retransmits);

    /// <summary>Tokens this node sent again because its successor showed no sign of having received it.</summary>
    public long TokenRetransmits => Volatile.Read(ref _tokenRetransmits);

    /// <summary>
    /// Tokens this node passed on before some of the new messages of its visit (the accelerated ring,
    /// <see cref="TotemRingOptions.AcceleratedWindow"/>): those messages went out after the token.
    /// </summary>
    public long AcceleratedTokens => Volatile.Read(ref _acceleratedTokens);

    internal void OnTokenVisit() => Volatile.Write(ref _tokenVisits, _tokenVisits + 1);

    internal void OnFramesSent(uint count) => Volatile.Write(ref _framesSent, _framesSent + count);

    internal void OnRetransmit() => Volatile.Write(ref _retransmits, _retransmits + 1);

    internal void OnTokenRetransmit() => Volatile.Write(ref _tokenRetransmits, _tokenRetransmits + 1);

    internal void OnAcceleratedToken() => Volatile.Write(ref _acceleratedTokens, _acceleratedTokens + 1);
}
