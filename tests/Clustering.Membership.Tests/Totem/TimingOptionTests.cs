using Clustering.Membership.Totem;
using Clustering.Simulation;
using Clustering.Transport.Framing;

namespace Clustering.Membership.Tests.Totem;

/// <summary>The Corosync timing options the processor honours beyond token and join: send_join, consensus, token_retransmit, hold.</summary>
public sealed class TimingOptionTests
{
    private static readonly long Ms = TimeSpan.TicksPerMillisecond;

    [Test]
    public void Send_join_delays_the_join_by_a_random_part_of_it_and_nothing_moves_on_before_it_is_sent()
    {
        var processor = new TotemProcessor(7, new TotemProcessorOptions
        {
            Timings = new TotemTimings { SendJoin = TimeSpan.FromMilliseconds(50) },
            Random = new Random(1),
        });

        processor.Start(0);
        Assert.That(processor.Output.Frames.Any(f => f.Type == FrameType.Join), Is.False, "the join waits");
        Assert.That(processor.State, Is.EqualTo(TotemState.Gather), "no consensus before this node's join is out");
        var timer = processor.Output.Timers.Single(t => t.Timer == TotemTimer.SendJoin);
        Assert.That(timer.DueTicks, Is.InRange(0, (50 * Ms) - 1));

        processor.OnTimer(TotemTimer.SendJoin, timer.DueTicks);
        Assert.That(processor.Output.Frames.Count(f => f.Type == FrameType.Join), Is.EqualTo(1));
        Assert.That(processor.State, Is.EqualTo(TotemState.Operational), "alone, it reaches consensus once it has spoken");
    }

    [Test]
    public void Joins_asked_for_while_one_is_pending_leave_as_one_with_the_latest_sets()
    {
        var processor = new TotemProcessor(1, new TotemProcessorOptions
        {
            Timings = new TotemTimings { SendJoin = TimeSpan.FromMilliseconds(40) },
            Random = new Random(3),
        });
        processor.Start(0);
        var due = processor.Output.Timers.Single(t => t.Timer == TotemTimer.SendJoin).DueTicks;

        processor.OnFrame(2, FrameType.Join, TotemCodec.Encode(new JoinMessage([2], [], 0)), 1);
        Assert.That(processor.Output.Frames.Any(f => f.Type == FrameType.Join), Is.False);
        Assert.That(processor.Output.Timers.Any(t => t.Timer == TotemTimer.SendJoin), Is.False, "the pending send is not re-armed");

        processor.OnTimer(TotemTimer.SendJoin, Math.Max(due, 1));
        var join = processor.Output.Frames.Single(f => f.Type == FrameType.Join);
        Assert.That(TotemCodec.TryDecodeJoin(join.Payload, out var decoded), Is.True);
        Assert.That(decoded!.Proc, Is.EqualTo(new uint[] { 1, 2 }), "the join carries the sets as they are when it leaves");
    }

    [Test]
    public void Without_send_join_the_join_leaves_at_once()
    {
        var processor = new TotemProcessor(7, new TotemProcessorOptions());
        processor.Start(0);
        Assert.That(processor.Output.Frames.Any(f => f.Type == FrameType.Join), Is.True);
        Assert.That(processor.Output.Timers.Any(t => t.Timer == TotemTimer.SendJoin), Is.False);
    }

    [Test]
    public void Consensus_defaults_to_one_point_two_effective_tokens_of_the_nodelist_not_of_the_nodes_being_gathered()
    {
        var timings = new TotemTimings { Token = TimeSpan.FromMilliseconds(1000), TokenCoefficient = TimeSpan.FromMilliseconds(650) };
        Assert.That(timings.EffectiveConsensus, Is.EqualTo(TimeSpan.FromMilliseconds(1200)), "no nodelist: no coefficient");
        Assert.That((timings with { NodelistSize = 3 }).EffectiveConsensus, Is.EqualTo(TimeSpan.FromMilliseconds(1980)), "1.2 × (1000 + 650)");
        Assert.That((timings with { NodelistSize = 5, Consensus = TimeSpan.FromMilliseconds(3000) }).EffectiveConsensus, Is.EqualTo(TimeSpan.FromMilliseconds(3000)));

        // A nodelist of five: gathering three of them still waits 1.2 × (1000 + 3 × 650) = 3540 ms, as Corosync does.
        var processor = new TotemProcessor(1, new TotemProcessorOptions { Timings = timings with { NodelistSize = 5 } });
        processor.Start(0);
        processor.OnFrame(2, FrameType.Join, TotemCodec.Encode(new JoinMessage([2, 3], [], 0)), 10 * Ms);
        var consensus = processor.Output.Timers.Last(t => t.Timer == TotemTimer.Consensus);
        Assert.That(consensus.DueTicks, Is.EqualTo((10 * Ms) + (3540 * Ms)), "gathering three of a nodelist of five");
    }

    [Test]
    public void Token_retransmit_and_hold_follow_the_token_unless_set()
    {
        var computed = new TotemTimings { Token = TimeSpan.FromMilliseconds(1050), TokenRetransmitsBeforeLoss = 4 };
        Assert.That(computed.TokenRetransmit, Is.EqualTo(TimeSpan.FromMilliseconds(250)));
        Assert.That(computed.Hold, Is.EqualTo(TimeSpan.FromMilliseconds(190)), "0.8 x 250 - 1000/HZ, as Corosync");
        var corosyncDefault = new TotemTimings();
        Assert.That(corosyncDefault.TokenRetransmit, Is.EqualTo(TimeSpan.FromMilliseconds(238)), "1000 / 4.2, truncated to whole ms");
        Assert.That(corosyncDefault.Hold, Is.EqualTo(TimeSpan.FromMilliseconds(180)), "(int)(238 * 0.8 - 10), as corosync-cmapctl shows runtime.config.totem.hold");
        Assert.That(corosyncDefault.Hold, Is.EqualTo(TotemTimings.From(new Clustering.Transport.Configuration.TotemTimings(), 2).Hold));
        Assert.That(corosyncDefault.Hold, Is.EqualTo(new Clustering.Transport.Configuration.TotemTimings().Effective(2).Hold), "the processor holds what the configuration layer reports");

        var set = computed with { TokenRetransmitOverride = TimeSpan.FromMilliseconds(100), HoldOverride = TimeSpan.FromMilliseconds(30) };
        Assert.That(set.TokenRetransmit, Is.EqualTo(TimeSpan.FromMilliseconds(100)));
        Assert.That(set.Hold, Is.EqualTo(TimeSpan.FromMilliseconds(30)));
        Assert.That(() => (computed with { SendJoin = TimeSpan.FromMilliseconds(-1) }).Validate(), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void Rings_with_send_join_keep_every_invariant_under_faults()
    {
        var result = SeedRunner.Run(300_000, 200, (seed, o) => o.Nodes(2 + (seed % 5)).SendJoin(5 + (seed % 4 * 10)).Loss(seed % 3 * 0.05).Seconds(6).Quiet(16).MessagesPerSecond(10));
        Assert.That(result.FirstFailure, Is.Null, result.FirstFailure);
        Assert.That(result.Messages, Is.GreaterThan(0));
    }
}
