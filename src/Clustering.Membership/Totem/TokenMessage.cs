namespace Clustering.Membership.Totem;

/// <summary>
/// The regular token (Totem's <c>orf_token</c>), unicast from each member to the next. It orders messages (<see cref="Seq"/>),
/// tracks what every member has received (<see cref="Aru"/> and its owner), carries retransmission requests and the
/// flow-control counts. Mutable: the holder updates it before passing it on. The processor decodes received tokens
/// into recycled objects, so one is only kept beyond the call that received it while held or looped back.
/// </summary>
internal sealed class TokenMessage
{
    /// <summary>The ring the token belongs to.</summary>
    public RingId Ring { get; set; }

    /// <summary>Incremented on every forward so that duplicate and retransmitted copies are recognised.</summary>
    public uint TokenSeq { get; set; }

    /// <summary>The highest sequence number assigned in the ring.</summary>
    public uint Seq { get; set; }

    /// <summary>"All received up to": a lower bound of what every member has received, lowered by any member that lacks messages.</summary>
    public uint Aru { get; set; }

    /// <summary>The member that last lowered <see cref="Aru"/> (0 when none).</summary>
    public uint AruAddr { get; set; }

    /// <summary>Messages (new and retransmitted) sent during the last rotation (flow control).</summary>
    public uint Fcc { get; set; }

    /// <summary>Application messages waiting in the members' queues at their last visit.</summary>
    public uint Backlog { get; set; }

    /// <summary>Old-ring messages still waiting for retransmission at the members' last visit (recovery only).</summary>
    public uint RetransBacklog { get; set; }

    /// <summary>Set by the representative when recovery is complete: new-ring messages up to this sequence number are recovery traffic.</summary>
    public uint? InstallSeq { get; set; }

    /// <summary>Sequence numbers some member asks to be sent again.</summary>
    public List<uint> Rtr { get; } = [];

    /// <summary>A deep copy.</summary>
    public TokenMessage Clone()
    {
        var copy = new TokenMessage
        {
            Ring = Ring,
            TokenSeq = TokenSeq,
            Seq = Seq,
            Aru = Aru,
            AruAddr = AruAddr,
            Fcc = Fcc,
            Backlog = Backlog,
            RetransBacklog = RetransBacklog,
            InstallSeq = InstallSeq,
        };
        copy.Rtr.AddRange(Rtr);
        return copy;
    }
}
