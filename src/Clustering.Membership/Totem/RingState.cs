namespace Clustering.Membership.Totem;

/// <summary>One ring's ordering state on this node: its messages, how far they are received, delivered and safe.</summary>
internal sealed class RingState
{
    public RingState(RingId id, uint[] members, bool pseudo)
    {
        Id = id;
        Members = members;
        Pseudo = pseudo;
    }

    /// <summary>The ring.</summary>
    public RingId Id { get; }

    /// <summary>Its members, ascending (ring order).</summary>
    public uint[] Members { get; }

    /// <summary>Whether this is the placeholder of a node that has never been in a ring since it started.</summary>
    public bool Pseudo { get; }

    /// <summary>Received messages not yet freed, by sequence number.</summary>
    public Dictionary<uint, McastMessage> Messages { get; } = [];

    /// <summary>All received up to (contiguous).</summary>
    public uint Aru { get; set; }

    /// <summary>The highest sequence number received.</summary>
    public uint HighReceived { get; set; }

    /// <summary>The highest sequence number delivered (or skipped as recovery traffic).</summary>
    public uint Delivered { get; set; }

    /// <summary>Every member is known to hold every message up to here.</summary>
    public uint SafeUpTo { get; set; }

    /// <summary>Messages up to here were freed.</summary>
    public uint FreedUpTo { get; set; }

    /// <summary>Once recovery starts, old-ring messages arrive only inside recovery messages.</summary>
    public bool Frozen { get; set; }

    /// <summary>Whether a token of this ring was seen (the first one may have token seq 0).</summary>
    public bool SawToken { get; set; }

    /// <summary>The token seq of the last token accepted (older copies are duplicates).</summary>
    public uint LastTokenSeq { get; set; }

    /// <summary>Whether this node has forwarded a token of this ring.</summary>
    public bool Forwarded { get; set; }

    /// <summary>The aru this node forwarded last.</summary>
    public uint LastForwardedAru { get; set; }

    /// <summary>The seq of the token this node forwarded last.</summary>
    public uint LastForwardedSeq { get; set; }

    /// <summary>Messages this node sent on its last visit (flow control).</summary>
    public uint MyLastSent { get; set; }

    /// <summary>This node's backlog at its last visit.</summary>
    public uint MyLastBacklog { get; set; }

    /// <summary>This node's retransmission backlog at its last visit.</summary>
    public uint MyLastRetransBacklog { get; set; }

    /// <summary>Consecutive visits with the token's seq unchanged.</summary>
    public int SeqUnchanged { get; set; }

    /// <summary>Consecutive visits with this node owning the aru and its aru stuck.</summary>
    public int AruStuck { get; set; }

    /// <summary>This node's aru at its last visit.</summary>
    public uint LastVisitAru { get; set; }

    /// <summary>Per missing sequence number: visits it has been missing (miss_count_const).</summary>
    public Dictionary<uint, int> MissCounts { get; } = [];

    /// <summary>Whether <paramref name="node"/> is a member.</summary>
    public bool IsMember(uint node) => Array.BinarySearch(Members, node) >= 0;

    /// <summary>The member after <paramref name="node"/> in ring order.</summary>
    public uint Next(uint node)
    {
        var i = Array.BinarySearch(Members, node);
        return Members[(i + 1) % Members.Length];
    }

    /// <summary>Whether the message with this sequence number is held or was already received and freed.</summary>
    public bool Has(uint seq) => seq <= FreedUpTo || Messages.ContainsKey(seq);

    /// <summary>Stores a message; returns <see langword="false"/> for a duplicate.</summary>
    public bool Store(McastMessage message)
    {
        var seq = message.Seq;
        if (seq <= Aru || Messages.ContainsKey(seq))
        {
            return false;
        }

        Messages.Add(seq, message);
        message.Stored = true;
        MissCounts.Remove(seq);
        if (seq > HighReceived)
        {
            HighReceived = seq;
        }

        while (Messages.ContainsKey(Aru + 1))
        {
            Aru++;
        }

        return true;
    }

    /// <summary>
    /// Frees messages every member holds and this node delivered; pooled ones (no longer referenced by the ring) are
    /// added to <paramref name="released"/> for their pool.
    /// </summary>
    public void Free(List<McastMessage> released)
    {
        var upTo = Math.Min(SafeUpTo, Delivered);
        while (FreedUpTo < upTo)
        {
            FreedUpTo++;
            if (Messages.Remove(FreedUpTo, out var message) && message.Pooled)
            {
                released.Add(message);
            }
        }
    }
}
