namespace Clustering.Membership.Totem;

/// <summary>
/// Corosync's Totem timing and flow-control options, with Corosync's defaults and meanings.
/// </summary>
internal sealed record TotemTimings
{
    /// <summary>Token timeout: how long without a token before the ring is declared broken (Corosync <c>token</c>, 1000 ms).</summary>
    public TimeSpan Token { get; init; } = TimeSpan.FromMilliseconds(1000);

    /// <summary>Added to <see cref="Token"/> for every node above two in the nodelist (Corosync <c>token_coefficient</c>, 650 ms; 0 disables).</summary>
    public TimeSpan TokenCoefficient { get; init; } = TimeSpan.FromMilliseconds(650);

    /// <summary>How many token retransmissions fit in a token timeout (Corosync <c>token_retransmits_before_loss_const</c>, 4).</summary>
    public int TokenRetransmitsBeforeLoss { get; init; } = 4;

    /// <summary>How long to wait for join messages while gathering, between resends (Corosync <c>join</c>, 50 ms).</summary>
    public TimeSpan Join { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How long to wait for consensus before declaring silent nodes failed; <see langword="null"/> means 1.2 × <see cref="EffectiveToken"/> (Corosync <c>consensus</c>).</summary>
    public TimeSpan? Consensus { get; init; }

    /// <summary>
    /// Upper bound of a random delay before each join message is multicast (Corosync <c>send_join</c>, 0 = send at once).
    /// Spreads the join storm of large clusters; joins asked for while one is pending go out together with the latest sets.
    /// </summary>
    public TimeSpan SendJoin { get; init; }

    /// <summary>The token retransmit interval when set explicitly (Corosync <c>token_retransmit</c>); <see langword="null"/> computes it from the token timeout.</summary>
    public TimeSpan? TokenRetransmitOverride { get; init; }

    /// <summary>The idle-token hold time when set explicitly (Corosync <c>hold</c>); <see langword="null"/> computes it from the retransmit interval.</summary>
    public TimeSpan? HoldOverride { get; init; }

    /// <summary>How often an idle ring's representative checks for other rings (Corosync <c>merge</c>, 200 ms).</summary>
    public TimeSpan Merge { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Token rotations with the representative's own aru stuck before it declares a failure to receive (Corosync <c>fail_recv_const</c>, 2500).</summary>
    public int FailReceiveConst { get; init; } = 2500;

    /// <summary>
    /// Token visits without any new message after which the ring counts as idle (Corosync <c>seqno_unchanged_const</c>,
    /// 30): the representative holds the token once more visits than this in a row saw the seq unchanged, and the other
    /// members, expecting it held from this many on, send a hold cancel when they have a message.
    /// </summary>
    public int SeqnoUnchangedConst { get; init; } = 30;

    /// <summary>Token visits a missing message must stay missing before it is requested (Corosync <c>miss_count_const</c>, 5).</summary>
    public int MissCountConst { get; init; } = 5;

    /// <summary>Messages (new and retransmitted) in flight on the ring per rotation (Corosync <c>window_size</c>, 50).</summary>
    public int WindowSize { get; init; } = 50;

    /// <summary>Messages one node may send per token visit (Corosync <c>max_messages</c>, 17).</summary>
    public int MaxMessages { get; init; } = 17;

    /// <summary>
    /// The accelerated ring (Babay and Amir's Accelerated Ring protocol, as in Spread; not a Corosync option): of the new
    /// messages a visit sends, up to this many go out after the token instead of before it, so the next member gets the
    /// token while this one is still sending. The token's seq already counts them, and a member asks again only for
    /// messages announced a full rotation ago (their senders have sent them since). 0 sends every message before the
    /// token, as Corosync does. Default 0 here; <c>TotemRingOptions</c> chooses the runtime's default.
    /// </summary>
    public int AcceleratedWindow { get; init; }

    /// <summary>
    /// Nodes in the configured nodelist (Corosync counts the nodelist's entries with a ring 0 address once, when it
    /// reads the configuration); 0 when there is none. From three on, <see cref="TokenCoefficient"/> × (nodes − 2) is
    /// added to <see cref="Token"/> to give <see cref="EffectiveToken"/>; the live membership does not change it.
    /// </summary>
    public int NodelistSize { get; init; }

    /// <summary>
    /// The token timeout in effect, in whole milliseconds: <see cref="Token"/>, plus <see cref="TokenCoefficient"/> ×
    /// (<see cref="NodelistSize"/> − 2) when the nodelist has three nodes or more (Corosync's
    /// <c>runtime.config.totem.token</c>). Every value computed from the token starts from this one.
    /// </summary>
    public TimeSpan EffectiveToken => TimeSpan.FromMilliseconds(EffectiveTokenMs);

    /// <summary>
    /// The token retransmit interval: <see cref="EffectiveToken"/> / (<see cref="TokenRetransmitsBeforeLoss"/> + 0.2)
    /// in whole milliseconds, as Corosync computes <c>token_retransmit</c> (truncated), unless set explicitly.
    /// </summary>
    public TimeSpan TokenRetransmit => TokenRetransmitOverride
        ?? TimeSpan.FromMilliseconds((long)(EffectiveTokenMs / (TokenRetransmitsBeforeLoss + 0.2)));

    /// <summary>
    /// How long the representative holds an idle token: 0.8 × <see cref="TokenRetransmit"/> − 10 ms in whole
    /// milliseconds (never below 0), as Corosync computes <c>hold</c> (<c>token_retransmit * 0.8 - 1000/HZ</c>, HZ = 100,
    /// truncated), unless set explicitly: 180 ms at a token of 1000 ms, the same value
    /// <c>Transport.Configuration.TotemTimings.Effective</c> reports.
    /// </summary>
    public TimeSpan Hold => HoldOverride
        ?? TimeSpan.FromMilliseconds(Math.Max(0, (long)(((long)TokenRetransmit.TotalMilliseconds * 0.8) - 10)));

    /// <summary>
    /// The consensus timeout in effect: <see cref="Consensus"/> when set, else 1.2 × <see cref="EffectiveToken"/> in
    /// whole milliseconds (Corosync's <c>(int)(float)(1.2 * token)</c>).
    /// </summary>
    public TimeSpan EffectiveConsensus => Consensus ?? TimeSpan.FromMilliseconds((long)(float)(1.2 * EffectiveTokenMs));

    private long EffectiveTokenMs
    {
        get
        {
            var tokenMs = (long)Token.TotalMilliseconds;
            return NodelistSize > 2 ? tokenMs + ((NodelistSize - 2) * (long)TokenCoefficient.TotalMilliseconds) : tokenMs;
        }
    }

    /// <summary>
    /// The processor's timings from <c>corosync.conf</c>'s (<paramref name="configured"/>) for a nodelist of
    /// <paramref name="nodelistSize"/> nodes: the effective token, and everything computed from it, are then what
    /// <see cref="Transport.Configuration.TotemTimings.Effective"/> reports for the same count (and what Corosync runs).
    /// </summary>
    /// <param name="configured">The totem section's values.</param>
    /// <param name="nodelistSize">Nodes in the configured nodelist; 0 when there is none.</param>
    /// <returns>The same timings for a <see cref="TotemProcessor"/>.</returns>
    public static TotemTimings From(Transport.Configuration.TotemTimings configured, int nodelistSize)
    {
        ArgumentNullException.ThrowIfNull(configured);
        ArgumentOutOfRangeException.ThrowIfNegative(nodelistSize);
        return new TotemTimings
        {
            NodelistSize = nodelistSize,
            Token = configured.Token,
            TokenCoefficient = configured.TokenCoefficient,
            TokenRetransmitsBeforeLoss = configured.TokenRetransmitsBeforeLossConst,
            Join = configured.Join,
            Consensus = configured.Consensus,
            SendJoin = configured.SendJoin,
            TokenRetransmitOverride = configured.TokenRetransmit,
            HoldOverride = configured.Hold,
            Merge = configured.Merge,
            FailReceiveConst = configured.FailRecvConst,
            SeqnoUnchangedConst = configured.SeqnoUnchangedConst,
            MissCountConst = configured.MissCountConst,
            WindowSize = configured.WindowSize,
            MaxMessages = configured.MaxMessages,
        };
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when a value is outside what the protocol can run with.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Token, TimeSpan.Zero, nameof(Token));
        ArgumentOutOfRangeException.ThrowIfLessThan(TokenCoefficient, TimeSpan.Zero, nameof(TokenCoefficient));
        ArgumentOutOfRangeException.ThrowIfNegative(NodelistSize, nameof(NodelistSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(TokenRetransmitsBeforeLoss, 1, nameof(TokenRetransmitsBeforeLoss));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Join, TimeSpan.Zero, nameof(Join));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(EffectiveConsensus, TimeSpan.Zero, nameof(Consensus));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Merge, TimeSpan.Zero, nameof(Merge));
        ArgumentOutOfRangeException.ThrowIfLessThan(FailReceiveConst, 1, nameof(FailReceiveConst));
        ArgumentOutOfRangeException.ThrowIfLessThan(SeqnoUnchangedConst, 1, nameof(SeqnoUnchangedConst));
        ArgumentOutOfRangeException.ThrowIfLessThan(MissCountConst, 0, nameof(MissCountConst));
        ArgumentOutOfRangeException.ThrowIfLessThan(WindowSize, 1, nameof(WindowSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessages, 1, nameof(MaxMessages));
        ArgumentOutOfRangeException.ThrowIfNegative(AcceleratedWindow, nameof(AcceleratedWindow));
        ArgumentOutOfRangeException.ThrowIfLessThan(SendJoin, TimeSpan.Zero, nameof(SendJoin));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(TokenRetransmit, TimeSpan.Zero, nameof(TokenRetransmitOverride));
        ArgumentOutOfRangeException.ThrowIfLessThan(Hold, TimeSpan.Zero, nameof(HoldOverride));
    }
}
