namespace Clustering.Transport.Redundancy;

/// <summary>
/// Fault detection and recovery knobs of the redundant ring protocol, with Corosync 2's names and defaults.
/// </summary>
public sealed class RedundancyOptions
{
    /// <summary>How frames use the rings (<c>rrp_mode</c>). Default <see cref="RrpMode.None"/>; active and passive need two rings or more.</summary>
    public RrpMode Mode { get; init; } = RrpMode.None;

    /// <summary>Period after which every positive problem counter is decremented by one (<c>rrp_problem_count_timeout</c>). Default 2000 ms.</summary>
    public TimeSpan ProblemCountTimeout { get; init; } = TimeSpan.FromMilliseconds(2000);

    /// <summary>Problems after which a ring is marked FAULTY (<c>rrp_problem_count_threshold</c>). Default 10, at least 2.
    /// In passive mode, the token receive-count lag that marks a ring FAULTY.</summary>
    public int ProblemCountThreshold { get; init; } = 10;

    /// <summary>Passive mode: the multicast receive-count lag that marks a ring FAULTY (<c>rrp_problem_count_mcast_threshold</c>). Default 10 × <see cref="ProblemCountThreshold"/>.</summary>
    public int? ProblemCountMulticastThreshold { get; init; }

    /// <summary>Active mode: how long a frame seen on one ring may be missing from another before that ring earns a problem (<c>rrp_token_expired_timeout</c>). Default 238 ms (Corosync's token_retransmit).</summary>
    public TimeSpan TokenExpiredTimeout { get; init; } = TimeSpan.FromMilliseconds(238);

    /// <summary>Interval of the probes sent on a FAULTY ring to find out whether it carries traffic again (<c>rrp_autorecovery_check_timeout</c>). Default 1000 ms.</summary>
    public TimeSpan AutorecoveryCheckTimeout { get; init; } = TimeSpan.FromMilliseconds(1000);

    /// <summary>The effective multicast threshold.</summary>
    public int EffectiveMulticastThreshold => ProblemCountMulticastThreshold ?? 10 * ProblemCountThreshold;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first value out of range.</summary>
    /// <param name="ringCount">The number of rings these options will monitor.</param>
    public void Validate(int ringCount)
    {
        if (ringCount is < 1 or > RedundancyLimits.MaxRings)
        {
            throw new ArgumentException($"a ring set has 1 to {RedundancyLimits.MaxRings} rings, not {ringCount}", nameof(ringCount));
        }

        if (Mode == RrpMode.None && ringCount != 1)
        {
            throw new ArgumentException($"rrp_mode none uses exactly one ring, but {ringCount} are configured; set rrp_mode to active or passive", nameof(ringCount));
        }

        if (Mode != RrpMode.None && ringCount < 2)
        {
            throw new ArgumentException($"rrp_mode {Mode.ToString().ToLowerInvariant()} needs at least two rings", nameof(ringCount));
        }

        if (ProblemCountThreshold < 2)
        {
            throw new ArgumentException($"rrp_problem_count_threshold must be at least 2, not {ProblemCountThreshold}");
        }

        if (EffectiveMulticastThreshold < 1)
        {
            throw new ArgumentException($"rrp_problem_count_mcast_threshold must be positive, not {EffectiveMulticastThreshold}");
        }

        CheckTimeout(ProblemCountTimeout, "rrp_problem_count_timeout");
        CheckTimeout(TokenExpiredTimeout, "rrp_token_expired_timeout");
        CheckTimeout(AutorecoveryCheckTimeout, "rrp_autorecovery_check_timeout");
    }

    private static void CheckTimeout(TimeSpan value, string key)
    {
        if (value < TimeSpan.FromMilliseconds(1))
        {
            throw new ArgumentException($"{key} must be positive, not {value.TotalMilliseconds} ms");
        }
    }
}
