namespace Clustering.Membership.Totem;

/// <summary>One member's line in the commit token: where it comes from and how much of its old ring it holds.</summary>
internal struct CommitEntry
{
    /// <summary>The member's node id.</summary>
    public uint Node;

    /// <summary>The ring the member was in before.</summary>
    public RingId OldRing;

    /// <summary>Its all-received-up-to in the old ring.</summary>
    public uint Aru;

    /// <summary>The highest old-ring message it delivered.</summary>
    public uint HighDelivered;

    /// <summary>The highest old-ring sequence number it received.</summary>
    public uint HighReceived;

    /// <summary>Whether the member has filled its line (first rotation).</summary>
    public bool Filled;
}
