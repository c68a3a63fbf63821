namespace Clustering.Membership.Totem;

/// <summary>
/// The commit token (Totem's <c>memb_commit_token</c>): created by the representative of a new membership, it makes two
/// rotations. On the first every member fills its <see cref="CommitEntry"/>; on the second every member enters recovery.
/// </summary>
internal sealed class CommitTokenMessage
{
    /// <summary>Creates a token for the ring <paramref name="ring"/> with one entry per member (sorted node ids).</summary>
    public CommitTokenMessage(RingId ring, CommitEntry[] entries)
    {
        Ring = ring;
        Entries = entries;
    }

    /// <summary>The new ring.</summary>
    public RingId Ring { get; }

    /// <summary>One entry per member, in ring order (ascending node id).</summary>
    public CommitEntry[] Entries { get; }

    /// <summary>The index of the member the token is addressed to.</summary>
    public int Index { get; set; }

    /// <summary>Whether every member has filled its entry.</summary>
    public bool AllFilled => Array.TrueForAll(Entries, e => e.Filled);

    /// <summary>A deep copy.</summary>
    public CommitTokenMessage Clone() => new(Ring, (CommitEntry[])Entries.Clone()) { Index = Index };
}
