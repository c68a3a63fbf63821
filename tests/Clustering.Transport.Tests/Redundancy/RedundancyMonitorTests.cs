using Clustering.Transport.Redundancy;

namespace Clustering.Transport.Tests.Redundancy;

public sealed class RedundancyMonitorTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(10);

    private static RedundancyOptions Options(RrpMode mode) => new() { Mode = mode };

    /// <summary>Feeds one frame per step from <paramref name="sender"/> on the given rings, ticking the monitor, for <paramref name="duration"/>.</summary>
    private static TimeSpan Run(RedundancyMonitor monitor, TimeSpan start, TimeSpan duration, Func<int, bool> ringCarries, ref ulong sequence, uint sender = 2, bool isToken = false)
    {
        var now = start;
        var end = start + duration;
        while (now < end)
        {
            sequence++;
            for (var ring = 0; ring < monitor.RingCount; ring++)
            {
                if (ringCarries(ring))
                {
                    monitor.OnFrame(ring, sender, incarnation: 1, sequence, isToken, now);
                }
            }

            monitor.OnTick(now);
            now += Step;
        }

        return now;
    }

    [Test]
    public void Active_rings_that_carry_everything_stay_clean()
    {
        var monitor = new RedundancyMonitor(Options(RrpMode.Active), 2, TimeSpan.Zero);
        ulong seq = 0;
        Run(monitor, TimeSpan.Zero, TimeSpan.FromSeconds(30), _ => true, ref seq);
        Assert.That(monitor.Events, Is.Empty);
        Assert.That(monitor[0].Health, Is.EqualTo(RingHealth.Active));
        Assert.That(monitor[1].Health, Is.EqualTo(RingHealth.Active));
    }

    [Test]
    public void Active_ring_that_stops_carrying_is_marked_faulty_after_threshold_problems()
    {
        var monitor = new RedundancyMonitor(Options(RrpMode.Active), 2, TimeSpan.Zero);
        ulong seq = 0;
        var now = Run(monitor, TimeSpan.Zero, TimeSpan.FromSeconds(1), _ => true, ref seq);
        var cut = now;
        now = Run(monitor, now, TimeSpan.FromSeconds(5), ring => ring == 1, ref seq);

        var increments = monitor.Events.Where(e => e.Kind == RedundancyEventKind.ProblemIncremented).ToList();
        var faulty = monitor.Events.Single(e => e.Kind == RedundancyEventKind.MarkedFaulty);
        // One problem per 238 ms check, less one every 2 s of decay, until the tenth marks it FAULTY.
        Assert.That(increments, Has.Count.GreaterThanOrEqualTo(9));
        Assert.That(increments[0].Count, Is.EqualTo(1));
        Assert.That(increments[^1].Count, Is.EqualTo(9));
        Assert.That(increments.All(e => e.Ring == 0), Is.True);
        Assert.That(faulty.Ring, Is.EqualTo(0));
        Assert.That(monitor[0].Health, Is.EqualTo(RingHealth.Faulty));
        Assert.That(monitor[0].Status, Is.EqualTo(RingStatusKind.Faulty));
        Assert.That(monitor[1].Health, Is.EqualTo(RingHealth.Active));

        // Ten checks of 238 ms after the cut, give or take the first partial period.
        Assert.That(now - cut, Is.GreaterThan(TimeSpan.FromMilliseconds(10 * 238)));
    }

    [Test]
    public void Active_selection_skips_faulty_rings_and_falls_back_to_ring_zero_when_all_are_faulty()
    {
        var monitor = new RedundancyMonitor(Options(RrpMode.Active), 3, TimeSpan.Zero);
        Span<int> rings = stackalloc int[3];
        Assert.That(monitor.SelectRings(false, rings), Is.EqualTo(3));

        ulong seq = 0;
        Run(monitor, TimeSpan.Zero, TimeSpan.FromSeconds(5), ring => ring == 2, ref seq);
        Assert.That(monitor[0].IsFaulty && monitor[1].IsFaulty, Is.True);
        Assert.That(monitor.SelectRings(false, rings), Is.EqualTo(1));
        Assert.That(rings[0], Is.EqualTo(2));

        monitor[2].Health = RingHealth.Faulty;
        Assert.That(monitor.SelectRings(true, rings), Is.EqualTo(1));
        Assert.That(rings[0], Is.EqualTo(0));
    }

    [Test]
    public void A_short_gap_is_forgiven_as_problems_decay()
    {
        var monitor = new RedundancyMonitor(Options(RrpMode.Active), 2, TimeSpan.Zero);
        ulong seq = 0;
        var now = Run(monitor, TimeSpan.Zero, TimeSpan.FromSeconds(1), _ => true, ref seq);
        now = Run(monitor, now, TimeSpan.FromMilliseconds(700), ring => ring == 1, ref seq);
        Assert.That(monitor[0].ProblemCount, Is.InRange(1, 4));
        Assert.That(monitor[0].Health, Is.EqualTo(RingHealth.Degraded));

        Run(monitor, now, TimeSpan.FromSeconds(12), _ => true, ref seq);
        Assert.That(monitor[0].ProblemCount, Is.Zero);
        Assert.That(monitor[0].Health, Is.EqualTo(RingHealth.Active));
        Assert.That(monitor[0].Status, Is.EqualTo(RingStatusKind.NoFaults));
        Assert.That(monitor.Events.Any(e => e.Kind == RedundancyEventKind.ProblemDecremented), Is.True);
        Assert.That(monitor.Events.Last(e => e.Ring == 0).Kind, Is.EqualTo(RedundancyEventKind.ProblemCleared));
    }

    [Test]
    public void Passive_selection_alternates_over_healthy_rings_with_separate_turns_for_tokens()
    {
        var monitor = new RedundancyMonitor(Options(RrpMode.Passive), 2, TimeSpan.Zero);
        Span<int> rings = stackalloc int[2];
        var picked = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            monitor.SelectRings(false, rings);
            picked.Add(rings[0]);
        }

        monitor.SelectRings(true, rings);
        Assert.That(picked, Is.EqualTo(new[] { 0, 1, 0, 1 }));
        Assert.That(rings[0], Is.EqualTo(0), "tokens keep their own turn");
    }

    [Test]
    public void Passive_ring_whose_token_count_lags_beyond_the_threshold_is_faulty()
    {
        var monitor = new RedundancyMonitor(Options(RrpMode.Passive), 2, TimeSpan.Zero);
        for (ulong seq = 1; seq <= 10; seq++)
        {
            monitor.OnFrame(1, 2, 1, seq, isToken: true, TimeSpan.Zero);
        }

        Assert.That(monitor[0].IsFaulty, Is.False, "a lag of exactly the threshold is tolerated");
        monitor.OnFrame(1, 2, 1, 11, isToken: true, TimeSpan.Zero);
        Assert.That(monitor[0].IsFaulty, Is.True);
        Assert.That(monitor.Events.Single().Kind, Is.EqualTo(RedundancyEventKind.MarkedFaulty));
    }

    [Test]
    public void Passive_multicast_lag_uses_the_multicast_threshold()
    {
        var monitor = new RedundancyMonitor(Options(RrpMode.Passive), 2, TimeSpan.Zero);
        for (ulong seq = 1; seq <= 100; seq++)
        {
            monitor.OnFrame(0, 2, 1, seq, isToken: false, TimeSpan.Zero);
        }

        Assert.That(monitor[1].IsFaulty, Is.False);
        monitor.OnFrame(0, 2, 1, 101, isToken: false, TimeSpan.Zero);
        Assert.That(monitor[1].IsFaulty, Is.True);
    }

    [Test]
    public void Faulty_ring_is_probed_and_recovers_when_every_live_peer_answers()
    {
        var monitor = new RedundancyMonitor(Options(RrpMode.Active), 2, TimeSpan.Zero);
        ulong seq = 0;
        var now = Run(monitor, TimeSpan.Zero, TimeSpan.FromSeconds(4), ring => ring == 1, ref seq, sender: 2);
        now = Run(monitor, now, TimeSpan.FromMilliseconds(500), ring => ring == 1, ref seq, sender: 3);
        Assert.That(monitor[0].IsFaulty, Is.True);
        monitor.ClearEvents();

        now = Run(monitor, now, TimeSpan.FromMilliseconds(1100), ring => ring == 1, ref seq, sender: 3);
        var probe = monitor.Events.First(e => e.Kind == RedundancyEventKind.ProbeDue);
        Assert.That(probe.Ring, Is.EqualTo(0));

        monitor.OnProbeReply(0, 3, probe.Count, now);
        Assert.That(monitor[0].IsFaulty, Is.True, "node 2 was heard recently and has not answered");
        monitor.OnProbeReply(0, 2, probe.Count - 1, now);
        Assert.That(monitor[0].IsFaulty, Is.True, "an answer to an older round does not count");
        monitor.OnProbeReply(0, 2, probe.Count, now);
        Assert.That(monitor[0].IsFaulty, Is.False);
        Assert.That(monitor[0].Status, Is.EqualTo(RingStatusKind.NoFaults));
        Assert.That(monitor.Events[^1].Kind, Is.EqualTo(RedundancyEventKind.Recovered));

        // Levelled on recovery: the old gap is not counted again.
        monitor.ClearEvents();
        Run(monitor, now, TimeSpan.FromSeconds(3), _ => true, ref seq, sender: 3);
        Assert.That(monitor.Events.Where(e => e.Kind is RedundancyEventKind.ProblemIncremented or RedundancyEventKind.MarkedFaulty), Is.Empty);
    }

    [Test]
    public void Administrator_reenable_clears_every_ring()
    {
        var monitor = new RedundancyMonitor(Options(RrpMode.Active), 2, TimeSpan.Zero);
        ulong seq = 0;
        Run(monitor, TimeSpan.Zero, TimeSpan.FromSeconds(4), ring => ring == 1, ref seq);
        Assert.That(monitor[0].IsFaulty, Is.True);
        monitor.ReenableAll();
        Assert.That(monitor[0].IsFaulty, Is.False);
        Assert.That(monitor[0].ProblemCount, Is.Zero);
        Assert.That(monitor[0].Status, Is.EqualTo(RingStatusKind.NoFaults));
    }

    [Test]
    public void A_restarted_sender_starts_afresh_and_an_older_incarnation_is_ignored()
    {
        var monitor = new RedundancyMonitor(Options(RrpMode.Active), 2, TimeSpan.Zero);
        ulong seq = 0;
        var now = Run(monitor, TimeSpan.Zero, TimeSpan.FromSeconds(1), _ => true, ref seq);

        // The sender restarts with incarnation 2 and sequence 1: no ring is blamed for the lower numbers.
        for (ulong s = 1; s < 200; s++)
        {
            monitor.OnFrame(0, 2, 2, s, false, now);
            monitor.OnFrame(1, 2, 2, s, false, now);
            monitor.OnFrame(0, 2, 1, seq + s, false, now);
            monitor.OnTick(now);
            now += Step;
        }

        Assert.That(monitor.Events, Is.Empty);
    }

    [TestCase(RrpMode.None, 2)]
    [TestCase(RrpMode.Active, 1)]
    [TestCase(RrpMode.Passive, 9)]
    public void Options_reject_ring_counts_the_mode_cannot_use(RrpMode mode, int rings)
    {
        Assert.That(() => new RedundancyMonitor(Options(mode), rings, TimeSpan.Zero), Throws.ArgumentException);
    }

    [Test]
    public void Options_reject_a_threshold_below_two()
    {
        var options = new RedundancyOptions { Mode = RrpMode.Active, ProblemCountThreshold = 1 };
        Assert.That(() => options.Validate(2), Throws.ArgumentException.With.Message.Contains("rrp_problem_count_threshold"));
    }

    [Test]
    public void A_ring_is_vouched_for_only_after_an_authenticated_frame_of_that_sender_and_for_one_token_expired_period()
    {
        var options = Options(RrpMode.Active);
        var monitor = new RedundancyMonitor(options, 2, TimeSpan.Zero);
        var t = TimeSpan.FromSeconds(1);
        Assert.That(monitor.IsVouchedFor(1, 2, 1, t), Is.False, "never heard");

        monitor.OnFrame(0, 2, 1, 1, false, t);
        Assert.That(monitor.IsVouchedFor(1, 2, 1, t), Is.False, "heard on another ring only");
        monitor.OnFrame(1, 2, 1, 1, false, t, authenticated: false);
        Assert.That(monitor.IsVouchedFor(1, 2, 1, t), Is.False, "an unauthenticated copy does not vouch");

        monitor.OnFrame(1, 2, 1, 2, false, t);
        Assert.That(monitor.IsVouchedFor(1, 2, 1, t + options.TokenExpiredTimeout - Step), Is.True);
        Assert.That(monitor.IsVouchedFor(1, 2, 1, t + options.TokenExpiredTimeout), Is.False, "expired");
        Assert.That(monitor.IsVouchedFor(1, 3, 1, t), Is.False, "another sender");
        Assert.That(monitor.IsVouchedFor(1, 2, 2, t), Is.False, "another incarnation");

        monitor.OnFrame(1, 2, 1, 3, false, t, authenticated: false);
        Assert.That(monitor.IsVouchedFor(1, 2, 1, t + options.TokenExpiredTimeout), Is.False, "unauthenticated copies do not extend it");

        monitor.OnFrame(1, 2, 1, 4, false, t);
        monitor.ReenableAll();
        for (var i = 0; i < 1000 && !monitor[1].IsFaulty; i++)
        {
            t += Step;
            monitor.OnFrame(0, 2, 1, 5 + (ulong)i, false, t);
            monitor.OnTick(t);
        }

        Assert.That(monitor[1].IsFaulty, Is.True);
        monitor.OnFrame(1, 2, 1, 1000, false, t);
        Assert.That(monitor.IsVouchedFor(1, 2, 1, t), Is.False, "a FAULTY ring is never vouched for");

        var passive = new RedundancyMonitor(Options(RrpMode.Passive), 2, TimeSpan.Zero);
        passive.OnFrame(1, 2, 1, 1, false, t);
        Assert.That(passive.IsVouchedFor(1, 2, 1, t), Is.False, "only active mode skips copies");
    }
}
