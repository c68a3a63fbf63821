namespace Clustering.Membership.Totem;

/// <summary>The timers a <see cref="TotemProcessor"/> asks its host to run. Each kind has at most one pending deadline.</summary>
internal enum TotemTimer
{
    /// <summary>No token (or commit token) was seen for the token timeout: the ring is presumed broken.</summary>
    TokenLoss = 0,

    /// <summary>The token this node forwarded showed no sign of progress: send it again.</summary>
    TokenRetransmit = 1,

    /// <summary>The representative holds an idle token; release it when this fires.</summary>
    Hold = 2,

    /// <summary>Resend the join message while gathering.</summary>
    Join = 3,

    /// <summary>Nodes that have not agreed on the membership by now are declared failed.</summary>
    Consensus = 4,

    /// <summary>The representative of an idle ring announces the ring so that partitioned rings find each other.</summary>
    Merge = 5,

    /// <summary>A join message waits out its random <c>send_join</c> delay; send it (with the sets current then) when this fires.</summary>
    SendJoin = 6,
}
