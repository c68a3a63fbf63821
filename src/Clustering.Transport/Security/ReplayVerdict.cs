namespace Clustering.Transport.Security;

/// <summary>What <see cref="ReplayGuard.Check"/> says about a received frame's sequence.</summary>
public enum ReplayVerdict
{
    /// <summary>First time this sequence is seen from this sender incarnation: deliver it.</summary>
    New = 0,

    /// <summary>The same sequence already arrived on another ring: the expected second copy of an active-mode frame. Count it, do not deliver it.</summary>
    RedundantCopy = 1,

    /// <summary>The same sequence already arrived on this ring, or it is older than the window, or it comes from an older incarnation: drop it.</summary>
    Replayed = 2,
}
