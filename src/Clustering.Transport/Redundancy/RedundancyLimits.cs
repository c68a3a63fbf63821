namespace Clustering.Transport.Redundancy;

/// <summary>Fixed limits of the redundant ring protocol.</summary>
public static class RedundancyLimits
{
    /// <summary>The most rings a node can use. Corosync 2 stops at 2; the wire format here allows 8.</summary>
    public const int MaxRings = 8;
}
