namespace Clustering.Transport.Redundancy;

/// <summary>How frames use several rings, Corosync's <c>rrp_mode</c>.</summary>
public enum RrpMode
{
    /// <summary>One ring only.</summary>
    None = 0,

    /// <summary>Every frame on every non-faulty ring; the receiver keeps the first copy. Masks loss on all rings but one.</summary>
    Active = 1,

    /// <summary>Frames round robin over the non-faulty rings; a lost frame costs a retransmission. Up to the sum of the rings' bandwidth.</summary>
    Passive = 2,
}
