using Clustering.Membership.Totem;
using Clustering.Simulation;
using Clustering.Transport.Framing;

namespace Clustering.Membership.Tests.Totem;

/// <summary>
/// The accelerated ring (<see cref="TotemRingOptions.AcceleratedWindow"/>): a visit passes the token on ahead of the
/// last window of its new messages, members ask again only for messages announced a rotation ago, and order and virtual
/// synchrony hold under loss, crashes and partitions at a high message rate.
/// </summary>
public sealed class AcceleratedRingTests
{
    private const int FrameSizedMessage = 1200; // one message per frame: a visit sends as many frames as messages

    [TestCase(0)]
    [TestCase(3)]
    [TestCase(17)]
    public void A_visit_passes_the_token_on_ahead_of_the_last_window_of_its_new_messages(int window)
    {
        var harness = new ProcessorRingHarness(3, FrameSizedMessage, verify: true, new TotemTimings { AcceleratedWindow = window });
        harness.Form();
        var visits = new List<(int Before, int After)>();
        harness.Sent = (node, output) =>
        {
            var token = output.Frames.FindIndex(f => f.Type == FrameType.Token);
            if (node.NodeId == 2 && token >= 0)
            {
                var before = output.Frames.Take(token).Count(f => f.Type == FrameType.Multicast);
                var after = output.Frames.Skip(token + 1).Count(f => f.Type == FrameType.Multicast);
                if (before + after > 0)
                {
                    visits.Add((before, after));
                }
            }
        };

        harness.SendAndDeliver(120, sender: 1);

        Assert.That(harness.Corrupt, Is.Zero);
        Assert.That(visits, Is.Not.Empty, "the sender's visits carried no message: the test proves nothing");
        var accelerated = harness.Nodes[1].Statistics.AcceleratedTokens;
        if (window == 0)
        {
            Assert.That(visits.Select(v => v.After), Is.All.Zero, "Corosync's order: every message goes before the token");
            Assert.That(accelerated, Is.Zero);
            return;
        }

        // No loss, so no retransmission: every multicast of a visit is new, and the last min(new, window) follow the token.
        Assert.That(visits, Is.All.Matches<(int Before, int After)>(v => v.After == Math.Min(v.Before + v.After, window)), string.Join(", ", visits));
        Assert.That(visits.Max(v => v.Before + v.After), Is.GreaterThan(window).Or.EqualTo(17), "no visit was fuller than the window");
        Assert.That(accelerated, Is.EqualTo(visits.Count));
    }

    [Test]
    public void A_member_does_not_ask_again_for_messages_still_on_their_way_after_the_token()
    {
        // miss_count_const 0 asks for a missing message at the first visit that sees it missing: without the rule, the
        // messages sent after the token (behind it on this FIFO wire) would be asked for at every visit.
        var harness = new ProcessorRingHarness(3, FrameSizedMessage, verify: true, new TotemTimings { AcceleratedWindow = 17, MissCountConst = 0 });
        harness.Form();
        harness.SendAndDeliver(300, sender: 0);

        Assert.That(harness.Corrupt, Is.Zero);
        Assert.That(harness.Nodes[0].Statistics.AcceleratedTokens, Is.GreaterThan(0));
        Assert.That(harness.Nodes.Sum(n => n.Statistics.Retransmits), Is.Zero, "messages behind the token were asked for again");
    }

    [Test]
    public void Lost_messages_sent_after_the_token_are_asked_for_and_delivered_in_order()
    {
        var harness = new ProcessorRingHarness(3, FrameSizedMessage, verify: true, new TotemTimings { AcceleratedWindow = 17, MissCountConst = 0 })
        {
            LossEvery = 7,
        };
        harness.Form();
        harness.SendAndDeliver(300, sender: 2);

        Assert.That(harness.Corrupt, Is.Zero);
        Assert.That(harness.Nodes[2].Statistics.AcceleratedTokens, Is.GreaterThan(0));
        Assert.That(harness.Nodes.Sum(n => n.Statistics.Retransmits), Is.GreaterThan(0), "nothing was lost: the test proves nothing");
    }

    [Test]
    public void Crashes_partitions_and_loss_at_a_high_rate_never_break_virtual_synchrony()
    {
        // Windows of 17 (everything after the token) and 2 (a split visit) alternate by seed; every node sends
        // 150 messages a second, so most visits carry new messages.
        var result = SeedRunner.Run(400_000, 160, (seed, o) => o.Nodes(2 + (seed % 4)).Loss(seed % 3 * 0.05).Duplication(0.02)
            .Seconds(4).Quiet(16).MessagesPerSecond(150).AcceleratedWindow(seed % 2 == 0 ? 17 : 2));
        TestContext.Out.WriteLine($"runs={result.Runs} messages={result.Messages} configurations={result.Configurations} accelerated tokens={result.AcceleratedTokens} elapsed={result.Elapsed.TotalSeconds:F1}s");
        Assert.That(result.FirstFailure, Is.Null, result.FirstFailure);
        Assert.That(result.Messages, Is.GreaterThan(0));
        Assert.That(result.AcceleratedTokens, Is.GreaterThan(result.Runs * 10), "the runs hardly accelerated: the test proves little");
    }

    [Test]
    public void The_classic_ring_never_passes_the_token_ahead_of_a_message()
    {
        var result = SeedRunner.Run(410_000, 20, (seed, o) => o.Nodes(3).Loss(0.05).Seconds(3).Quiet(12).MessagesPerSecond(150).AcceleratedWindow(0));
        Assert.That(result.FirstFailure, Is.Null, result.FirstFailure);
        Assert.That(result.Messages, Is.GreaterThan(0));
        Assert.That(result.AcceleratedTokens, Is.Zero);
    }
}
