namespace Clustering.Transport.Configuration;

/// <summary>
/// Totem's timing and flow-control knobs with Corosync 2's names and defaults (<c>exec/totemconfig.c</c> at v2.4.6).
/// Three values are computed unless set: <see cref="TokenRetransmit"/>, <see cref="Hold"/> and
/// <see cref="Consensus"/>; <see cref="Effective"/> resolves them for a node count, applying
/// <see cref="TokenCoefficient"/> as Corosync does.
/// </summary>
public sealed record TotemTimings
{
    /// <summary>Corosync's smallest timeout: 3 × 1000/HZ with HZ = 100.</summary>
    public static readonly TimeSpan MinimumTimeout = TimeSpan.FromMilliseconds(30);

    /// <summary>Corosync's smallest <c>hold</c>: <see cref="MinimumTimeout"/> × 0.8 − 1000/HZ, truncated (14 ms).</summary>
    public static readonly TimeSpan MinimumHoldTimeout = TimeSpan.FromMilliseconds(14);

    /// <summary>
    /// Token-loss timeout (<c>token</c>): no token for this long and the node declares it lost and forms a new
    /// membership. Default 1000 ms (Corosync 3 uses 3000 ms). With a nodelist of three nodes or more,
    /// <see cref="TokenCoefficient"/> × (nodes − 2) is added, even to an explicit value.
    /// </summary>
    public TimeSpan Token { get; init; } = TimeSpan.FromMilliseconds(1000);

    /// <summary>Added to <see cref="Token"/> per node beyond two in the nodelist (<c>token_coefficient</c>). Default 650 ms; 0 disables.</summary>
    public TimeSpan TokenCoefficient { get; init; } = TimeSpan.FromMilliseconds(650);

    /// <summary>
    /// Re-send the last token when no new token arrived for this long (<c>token_retransmit</c>). Null (the default)
    /// computes token / (token_retransmits_before_loss_const + 0.2), truncated: 238 ms for the defaults.
    /// </summary>
    public TimeSpan? TokenRetransmit { get; init; }

    /// <summary>
    /// How long the representative holds an idle token (<c>hold</c>). Null (the default) computes
    /// token_retransmit × 0.8 − 10 ms, truncated: 180 ms for the defaults.
    /// </summary>
    public TimeSpan? Hold { get; init; }

    /// <summary>Token retransmissions before the token is declared lost, used to compute <see cref="TokenRetransmit"/> (<c>token_retransmits_before_loss_const</c>). Default 4.</summary>
    public int TokenRetransmitsBeforeLossConst { get; init; } = 4;

    /// <summary>Interval at which a join is re-sent while forming a membership (<c>join</c>). Default 50 ms.</summary>
    public TimeSpan Join { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Upper bound of a random delay before each join is sent, for large rings (<c>send_join</c>). Default 0 (no delay).</summary>
    public TimeSpan SendJoin { get; init; } = TimeSpan.Zero;

    /// <summary>Time to reach consensus before non-answering processors are declared failed (<c>consensus</c>). Null (the default) computes 1.2 × the effective token: 1200 ms for the defaults.</summary>
    public TimeSpan? Consensus { get; init; }

    /// <summary>Interval of merge-detect messages while the ring is idle (<c>merge</c>). Default 200 ms.</summary>
    public TimeSpan Merge { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Interval at which a downed interface is checked again (<c>downcheck</c>). Default 1000 ms.</summary>
    public TimeSpan Downcheck { get; init; } = TimeSpan.FromMilliseconds(1000);

    /// <summary>Token rotations without progress on a missing message before "FAILED TO RECEIVE" (<c>fail_recv_const</c>). Default 2500.</summary>
    public int FailRecvConst { get; init; } = 2500;

    /// <summary>Idle token rotations before the representative starts holding the token (<c>seqno_unchanged_const</c>). Default 30.</summary>
    public int SeqnoUnchangedConst { get; init; } = 30;

    /// <summary>Token retransmissions tolerated by the optional heartbeat (<c>heartbeat_failures_allowed</c>). Default 0: heartbeat off.</summary>
    public int HeartbeatFailuresAllowed { get; init; }

    /// <summary>Longest expected network delay, used by the heartbeat only (<c>max_network_delay</c>). Default 50 ms.</summary>
    public TimeSpan MaxNetworkDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Most messages on the ring per token rotation (<c>window_size</c>). Default 50.</summary>
    public int WindowSize { get; init; } = 50;

    /// <summary>Most messages one processor sends per token visit (<c>max_messages</c>). Default 17.</summary>
    public int MaxMessages { get; init; } = 17;

    /// <summary>Token visits a gap must persist before it is put on the retransmit list (<c>miss_count_const</c>). Default 5.</summary>
    public int MissCountConst { get; init; } = 5;

    /// <summary>Resolves the computed values for a cluster of <paramref name="nodeCount"/> listed nodes (0 when there is no nodelist).</summary>
    /// <param name="nodeCount">Nodes in the nodelist; the token coefficient applies from three.</param>
    /// <returns>Every timing as Corosync would run it.</returns>
    public EffectiveTotemTimings Effective(int nodeCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nodeCount);
        var tokenMs = Ms(Token);
        if (nodeCount > 2)
        {
            tokenMs += (nodeCount - 2) * Ms(TokenCoefficient);
        }

        var token = TimeSpan.FromMilliseconds(tokenMs);
        var retransmit = TokenRetransmit ?? TimeSpan.FromMilliseconds((long)(tokenMs / (TokenRetransmitsBeforeLossConst + 0.2)));
        var hold = Hold ?? TimeSpan.FromMilliseconds(Math.Max(0, (long)((Ms(retransmit) * 0.8) - 10)));
        var consensus = Consensus ?? TimeSpan.FromMilliseconds((long)(float)(1.2 * tokenMs));
        TimeSpan? heartbeat = null;
        if (HeartbeatFailuresAllowed > 0)
        {
            var candidateMs = ((double)HeartbeatFailuresAllowed * Ms(retransmit)) + Ms(MaxNetworkDelay);
            heartbeat = candidateMs < tokenMs ? TimeSpan.FromMilliseconds(candidateMs) : null;
        }

        return new EffectiveTotemTimings(
            token, retransmit, hold, TokenRetransmitsBeforeLossConst, Join, SendJoin, consensus, Merge, Downcheck,
            FailRecvConst, SeqnoUnchangedConst, heartbeat, MaxNetworkDelay, WindowSize, MaxMessages, MissCountConst);
    }

    /// <summary>Throws <see cref="ConfigurationException"/> naming the first key whose value (or computed value) is out of range.</summary>
    /// <param name="nodeCount">Nodes in the nodelist, as for <see cref="Effective"/>.</param>
    public void Validate(int nodeCount)
    {
        var problem = Problems(nodeCount).FirstOrDefault();
        if (problem.Key is not null)
        {
            throw new ConfigurationException(problem.Message, null, 0, 0, problem.Key);
        }
    }

    /// <summary>Every range problem as (dotted key, message), in a fixed order.</summary>
    internal IEnumerable<(string Key, string Message)> Problems(int nodeCount)
    {
        if (TokenRetransmitsBeforeLossConst < 1)
        {
            yield return Problem("token_retransmits_before_loss_const", $"token_retransmits_before_loss_const ({TokenRetransmitsBeforeLossConst}) must be at least 1");
            yield break;
        }

        if (TokenCoefficient < TimeSpan.Zero)
        {
            yield return Problem("token_coefficient", $"token_coefficient ({Ms(TokenCoefficient)} ms) may not be negative");
        }

        var effective = Effective(nodeCount);
        foreach (var (key, name, value) in new (string, string, TimeSpan)[]
        {
            ("token", "token timeout", effective.Token),
            ("token_retransmit", "token retransmit timeout", effective.TokenRetransmit),
            ("hold", "token hold timeout", effective.Hold),
            ("join", "join timeout", effective.Join),
            ("consensus", "consensus timeout", effective.Consensus),
            ("merge", "merge timeout", effective.Merge),
            ("downcheck", "downcheck timeout", effective.Downcheck),
            ("max_network_delay", "max_network_delay", effective.MaxNetworkDelay),
        })
        {
            var minimum = key == "hold" ? MinimumHoldTimeout : MinimumTimeout;
            if (value < minimum)
            {
                if (key == "token_retransmit" && TokenRetransmit is null)
                {
                    yield return Problem(key, $"Not appropriate token or token_retransmits_before_loss_const value set: the token retransmit timeout ({Ms(value)} ms) (computed from token) may not be less than ({Ms(MinimumTimeout)} ms).");
                    continue;
                }

                var computed = key switch
                {
                    "hold" when Hold is null => " (computed from token_retransmit)",
                    "consensus" when Consensus is null => " (computed from token)",
                    _ => string.Empty,
                };
                yield return Problem(key, $"The {name} parameter ({Ms(value)} ms){computed} may not be less than ({Ms(minimum)} ms).");
            }
        }

        if (effective.Consensus < effective.Join)
        {
            yield return Problem("consensus", $"The consensus timeout parameter ({Ms(effective.Consensus)} ms) may not be less than join timeout ({Ms(effective.Join)} ms).");
        }

        if (SendJoin < TimeSpan.Zero)
        {
            yield return Problem("send_join", $"send_join ({Ms(SendJoin)} ms) may not be negative");
        }

        foreach (var (key, value) in new (string, int)[]
        {
            ("fail_recv_const", FailRecvConst),
            ("seqno_unchanged_const", SeqnoUnchangedConst),
            ("window_size", WindowSize),
            ("max_messages", MaxMessages),
            ("miss_count_const", MissCountConst),
        })
        {
            if (value < 1)
            {
                yield return Problem(key, $"{key} ({value}) must be at least 1");
            }
        }

        if (HeartbeatFailuresAllowed < 0)
        {
            yield return Problem("heartbeat_failures_allowed", $"heartbeat_failures_allowed ({HeartbeatFailuresAllowed}) may not be negative");
        }
    }

    private static (string Key, string Message) Problem(string key, string message) =>
        ("totem." + key, "parse error in config: " + message);

    private static long Ms(TimeSpan value) => (long)value.TotalMilliseconds;
}
