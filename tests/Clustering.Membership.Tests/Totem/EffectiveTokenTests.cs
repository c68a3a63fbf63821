using Clustering.Membership.Totem;
using ConfigTimings = Clustering.Transport.Configuration.TotemTimings;

namespace Clustering.Membership.Tests.Totem;

/// <summary>
/// The processor's timers follow Corosync's effective token: token + (nodelist − 2) × token_coefficient from three
/// listed nodes on, with token_retransmit, hold and consensus computed from that effective token unless set. Expected
/// values are worked out by hand from Corosync 3.1.7's formulas (exec/totemconfig.c).
/// </summary>
public sealed class EffectiveTokenTests
{
    // token, coefficient (null = default 650), nodelist, explicit retransmit/hold/consensus (0 = computed)
    //   → token, token_retransmit, hold, consensus
    private static readonly object?[] Table =
    [
        new object?[] { 1000, null, 2, 0, 0, 0, 1000, 238, 180, 1200 },
        new object?[] { 1000, null, 3, 0, 0, 0, 1650, 392, 303, 1980 },
        new object?[] { 1000, null, 5, 0, 0, 0, 2950, 702, 551, 3540 },
        new object?[] { 1000, null, 16, 0, 0, 0, 10100, 2404, 1913, 12120 },
        new object?[] { 3000, null, 2, 0, 0, 0, 3000, 714, 561, 3600 },
        new object?[] { 3000, null, 3, 0, 0, 0, 3650, 869, 685, 4380 },
        new object?[] { 3000, null, 5, 0, 0, 0, 4950, 1178, 932, 5940 },
        new object?[] { 3000, null, 16, 0, 0, 0, 12100, 2880, 2294, 14520 },
        new object?[] { 3000, 0, 5, 0, 0, 0, 3000, 714, 561, 3600 },
        new object?[] { 1000, 0, 16, 0, 0, 0, 1000, 238, 180, 1200 },
        new object?[] { 1000, 300, 5, 0, 0, 0, 1900, 452, 351, 2280 },
        new object?[] { 3000, 1000, 3, 0, 0, 0, 4000, 952, 751, 4800 },
        new object?[] { 1000, null, 0, 0, 0, 0, 1000, 238, 180, 1200 },
        new object?[] { 1000, null, 5, 500, 0, 0, 2950, 500, 390, 3540 },
        new object?[] { 3000, null, 3, 0, 100, 0, 3650, 869, 100, 4380 },
        new object?[] { 1000, null, 5, 0, 0, 5000, 2950, 702, 551, 5000 },
        new object?[] { 1000, null, 16, 300, 200, 2000, 10100, 300, 200, 2000 },
    ];

    [TestCaseSource(nameof(Table))]
    public void The_processors_timings_are_corosyncs_effective_values(
        int token, int? coefficient, int nodelist, int retransmit, int hold, int consensus,
        int expectedToken, int expectedRetransmit, int expectedHold, int expectedConsensus)
    {
        var configured = new ConfigTimings
        {
            Token = TimeSpan.FromMilliseconds(token),
            TokenCoefficient = TimeSpan.FromMilliseconds(coefficient ?? 650),
            TokenRetransmit = retransmit == 0 ? null : TimeSpan.FromMilliseconds(retransmit),
            Hold = hold == 0 ? null : TimeSpan.FromMilliseconds(hold),
            Consensus = consensus == 0 ? null : TimeSpan.FromMilliseconds(consensus),
        };
        var t = TotemTimings.From(configured, nodelist);
        var reported = configured.Effective(nodelist);
        Assert.Multiple(() =>
        {
            Assert.That(t.EffectiveToken, Is.EqualTo(TimeSpan.FromMilliseconds(expectedToken)), "token");
            Assert.That(t.TokenRetransmit, Is.EqualTo(TimeSpan.FromMilliseconds(expectedRetransmit)), "token_retransmit");
            Assert.That(t.Hold, Is.EqualTo(TimeSpan.FromMilliseconds(expectedHold)), "hold");
            Assert.That(t.EffectiveConsensus, Is.EqualTo(TimeSpan.FromMilliseconds(expectedConsensus)), "consensus");
            Assert.That((t.EffectiveToken, t.TokenRetransmit, t.Hold, t.EffectiveConsensus), Is.EqualTo((reported.Token, reported.TokenRetransmit, reported.Hold, reported.Consensus)), "the configuration layer reports what the processor runs");
        });
    }

    [Test]
    public void A_negative_nodelist_is_refused()
    {
        Assert.That(() => TotemTimings.From(new ConfigTimings(), -1), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => new TotemTimings { NodelistSize = -1 }.Validate(), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void Three_survivors_of_a_nodelist_of_five_detect_a_failure_after_the_effective_token_and_consensus_not_the_live_ones()
    {
        // Nodelist of 5, three running: Corosync's token is 1000 + 3 × 650 = 2950 ms and consensus 1.2 × 2950 = 3540 ms
        // whatever the membership. Before this change the processor took 1000 + 1 × 650 from the ring of three.
        var timings = TotemTimings.From(new ConfigTimings { Token = TimeSpan.FromMilliseconds(1000) }, 5);
        var wire = new FailureDetectionTimelineTests.InstantWire(3, timings);
        wire.RunUntil(TimeSpan.FromSeconds(30));
        wire.RunUntilTicks(wire.NextTokenAt(1));
        wire.Cut(3);
        wire.RunUntil(TimeSpan.FromSeconds(60));

        var lastToken = Math.Min(wire.LastTokenAt[0], wire.LastTokenAt[1]);
        var formed = Math.Max(wire.FormedAt[0], wire.FormedAt[1]);
        Assert.That(formed, Is.GreaterThan(0), "the ring of 1,2 formed");
        Assert.That(TimeSpan.FromTicks(formed - lastToken), Is.EqualTo(TimeSpan.FromMilliseconds(2950 + 3540)).Within(TimeSpan.FromMilliseconds(1)));
    }

    [Test]
    public void An_idle_ring_of_a_five_node_nodelist_is_held_for_the_hold_of_the_effective_token()
    {
        // hold = (int)((int)(2950 / 4.2) × 0.8 − 10) = (int)(702 × 0.8 − 10) = 551 ms, as Corosync's runtime.config.totem.hold.
        var wire = new FailureDetectionTimelineTests.InstantWire(3, TotemTimings.From(new ConfigTimings(), 5));
        wire.RunUntil(TimeSpan.FromSeconds(30));
        var first = wire.NextTokenAt(1);
        wire.RunUntilTicks(first);
        var second = wire.NextTokenAt(1);
        Assert.That(first, Is.GreaterThan(0));
        Assert.That(TimeSpan.FromTicks(second - first), Is.EqualTo(TimeSpan.FromMilliseconds(551)));
    }
}
