namespace Clustering.Transport.Configuration;

/// <summary>Totem's timings as a node runs them: computed values resolved and the token coefficient applied (see <see cref="TotemTimings.Effective"/>).</summary>
/// <param name="Token">The token-loss timeout, coefficient included (Corosync's <c>runtime.config.totem.token</c>).</param>
/// <param name="TokenRetransmit">The token retransmit interval.</param>
/// <param name="Hold">How long an idle token is held.</param>
/// <param name="TokenRetransmitsBeforeLossConst">Retransmissions before loss.</param>
/// <param name="Join">Join re-send interval.</param>
/// <param name="SendJoin">Upper bound of the random delay before a join.</param>
/// <param name="Consensus">Consensus timeout.</param>
/// <param name="Merge">Merge-detect interval.</param>
/// <param name="Downcheck">Downed-interface check interval.</param>
/// <param name="FailRecvConst">Rotations before "FAILED TO RECEIVE".</param>
/// <param name="SeqnoUnchangedConst">Idle rotations before token hold.</param>
/// <param name="HeartbeatTimeout">failures × token_retransmit + max_network_delay, or null when the heartbeat is off (not configured, or not shorter than the token timeout).</param>
/// <param name="MaxNetworkDelay">Expected network delay.</param>
/// <param name="WindowSize">Messages per rotation.</param>
/// <param name="MaxMessages">Messages per token visit.</param>
/// <param name="MissCountConst">Visits before a gap is requested.</param>
public sealed record EffectiveTotemTimings(
    TimeSpan Token,
    TimeSpan TokenRetransmit,
    TimeSpan Hold,
    int TokenRetransmitsBeforeLossConst,
    TimeSpan Join,
    TimeSpan SendJoin,
    TimeSpan Consensus,
    TimeSpan Merge,
    TimeSpan Downcheck,
    int FailRecvConst,
    int SeqnoUnchangedConst,
    TimeSpan? HeartbeatTimeout,
    TimeSpan MaxNetworkDelay,
    int WindowSize,
    int MaxMessages,
    int MissCountConst);
