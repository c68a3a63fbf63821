using Clustering.Membership.Quorum;

namespace Clustering.Membership.Tests.Quorum;

/// <summary>Votequorum's documented behaviour (votequorum(5), corosync-quorumtool), rule by rule.</summary>
public sealed class VoteQuorumTests
{
    private static readonly TimeSpan T0 = TimeSpan.Zero;

    private static VoteQuorumOptions Nodes(int count, Func<VoteQuorumOptions, VoteQuorumOptions>? with = null)
    {
        var options = new VoteQuorumOptions { NodeVotes = Enumerable.Range(1, count).ToDictionary(i => (uint)i, _ => 1) };
        return with is null ? options : with(options);
    }

    private static uint[] Ids(params int[] ids) => [.. ids.Select(i => (uint)i)];

    [TestCase(8, 5)]
    [TestCase(4, 3)]
    [TestCase(3, 2)]
    [TestCase(2, 2)]
    [TestCase(1, 1)]
    [TestCase(5, 3)]
    public void Quorum_is_half_the_expected_votes_plus_one(int expected, int quorum)
    {
        var vq = new VoteQuorum(new VoteQuorumOptions { ExpectedVotes = expected });
        Assert.That(vq.Current.Quorum, Is.EqualTo(quorum));
    }

    [Test]
    public void Expected_votes_come_from_the_nodelist_with_per_node_votes()
    {
        var vq = new VoteQuorum(new VoteQuorumOptions { NodeVotes = new Dictionary<uint, int> { [1] = 1, [2] = 1, [3] = 3 } });
        Assert.That(vq.Current.ExpectedVotes, Is.EqualTo(5));
        vq.OnMembership(Ids(3), T0);
        Assert.That(vq.Current.TotalVotes, Is.EqualTo(3));
        Assert.That(vq.Current.Quorate, Is.True, "node 3 alone holds 3 of 5 votes");
    }

    [Test]
    public void A_majority_partition_is_quorate_and_a_minority_is_not()
    {
        var vq = new VoteQuorum(Nodes(5));
        vq.OnMembership(Ids(1, 2, 3, 4, 5), T0);
        Assert.That(vq.Current.Quorate, Is.True);
        Assert.That(vq.OnMembership(Ids(1, 2), T0), Is.True, "quorate changed");
        Assert.That(vq.Current.Quorate, Is.False);
        Assert.That(vq.Current.Quorum, Is.EqualTo(3), "quorum never decreases when nodes leave");
        vq.OnMembership(Ids(1, 2, 3), T0);
        Assert.That(vq.Current.Quorate, Is.True);
    }

    [Test]
    public void Expected_votes_rise_when_more_votes_are_present()
    {
        var vq = new VoteQuorum(new VoteQuorumOptions { ExpectedVotes = 2, NodeVotes = new Dictionary<uint, int> { [1] = 1, [2] = 1 } });
        vq.OnMembership(Ids(1, 2, 3, 4), T0);
        Assert.That(vq.Current.ExpectedVotes, Is.EqualTo(4));
        Assert.That(vq.Current.Quorum, Is.EqualTo(3));
        vq.OnMembership(Ids(1, 2), T0);
        Assert.That(vq.Current.Quorate, Is.False, "the bar stays at 3");
    }

    [Test]
    public void Two_node_keeps_either_node_quorate_alone_after_both_were_seen()
    {
        var vq = new VoteQuorum(Nodes(2, o => new VoteQuorumOptions { NodeVotes = o.NodeVotes, TwoNode = true }));
        vq.OnMembership(Ids(1), T0);
        Assert.That(vq.Current.Quorum, Is.EqualTo(1));
        Assert.That(vq.Current.Quorate, Is.False, "two_node implies wait_for_all: both nodes must have been seen once");
        Assert.That(vq.Current.WaitingForAll, Is.True);
        Assert.That(vq.Current.FlagsText, Is.EqualTo("2Node WaitForAll"));

        vq.OnMembership(Ids(1, 2), T0);
        vq.OnMembership(Ids(2), T0);
        Assert.That(vq.Current.Quorate, Is.True);
        Assert.That(vq.Current.FlagsText, Is.EqualTo("2Node Quorate WaitForAll"));
    }

    [Test]
    public void Two_node_without_wait_for_all_is_quorate_from_the_start()
    {
        var vq = new VoteQuorum(Nodes(2, o => new VoteQuorumOptions { NodeVotes = o.NodeVotes, TwoNode = true, WaitForAll = false }));
        vq.OnMembership(Ids(1), T0);
        Assert.That(vq.Current.Quorate, Is.True);
        Assert.That(vq.Current.FlagsText, Is.EqualTo("2Node Quorate"));
    }

    [Test]
    public void Two_node_is_disabled_when_a_third_node_joins()
    {
        var vq = new VoteQuorum(Nodes(2, o => new VoteQuorumOptions { NodeVotes = o.NodeVotes, TwoNode = true }));
        vq.OnMembership(Ids(1, 2, 3), T0);
        Assert.That(vq.Current.Flags.HasFlag(QuorumFlags.TwoNode), Is.False);
        Assert.That(vq.Current.Quorum, Is.EqualTo(2));
        vq.OnMembership(Ids(1), T0);
        Assert.That(vq.Current.Quorate, Is.False);
    }

    [Test]
    public void Wait_for_all_holds_quorum_until_every_expected_vote_was_seen_together()
    {
        var vq = new VoteQuorum(Nodes(3, o => new VoteQuorumOptions { NodeVotes = o.NodeVotes, WaitForAll = true }));
        vq.OnMembership(Ids(1, 2), T0);
        Assert.That(vq.Current.Quorate, Is.False, "2 of 3 is a majority, but not all were seen yet");
        vq.OnMembership(Ids(1, 2, 3), T0);
        Assert.That(vq.Current.Quorate, Is.True);
        vq.OnMembership(Ids(1, 2), T0);
        Assert.That(vq.Current.Quorate, Is.True, "once seen, a majority is enough");
    }

    [Test]
    public void Last_man_standing_shrinks_eight_to_five_to_three_to_two()
    {
        var window = TimeSpan.FromSeconds(10);
        var vq = new VoteQuorum(Nodes(8, o => new VoteQuorumOptions { NodeVotes = o.NodeVotes, LastManStanding = true }));
        vq.OnMembership(Ids(1, 2, 3, 4, 5, 6, 7, 8), T0);

        var now = TimeSpan.FromSeconds(1);
        var previous = 8;
        foreach (var (members, expected) in new[] { (Ids(1, 2, 3, 4, 5), 5), (Ids(1, 2, 3), 3), (Ids(1, 2), 2) })
        {
            vq.OnMembership(members, now);
            Assert.That(vq.Current.Quorate, Is.True);
            Assert.That(vq.OnTick(now + window - TimeSpan.FromMilliseconds(1)), Is.False);
            Assert.That(vq.Current.ExpectedVotes, Is.EqualTo(previous), "nothing before the window ends");
            vq.OnTick(now + window);
            Assert.That(vq.Current.ExpectedVotes, Is.EqualTo(expected));
            previous = expected;
            now += window + TimeSpan.FromSeconds(1);
        }

        // Two to one needs the tie breaker.
        vq.OnMembership(Ids(1), now);
        Assert.That(vq.Current.Quorate, Is.False);
    }

    [Test]
    public void Last_man_standing_window_restarts_on_every_change()
    {
        var vq = new VoteQuorum(Nodes(5, o => new VoteQuorumOptions { NodeVotes = o.NodeVotes, LastManStanding = true }));
        vq.OnMembership(Ids(1, 2, 3, 4, 5), T0);
        vq.OnMembership(Ids(1, 2, 3, 4), TimeSpan.FromSeconds(1));
        vq.OnMembership(Ids(1, 2, 3), TimeSpan.FromSeconds(8));
        vq.OnTick(TimeSpan.FromSeconds(12));
        Assert.That(vq.Current.ExpectedVotes, Is.EqualTo(5), "the window restarted at 8 s");
        vq.OnTick(TimeSpan.FromSeconds(18));
        Assert.That(vq.Current.ExpectedVotes, Is.EqualTo(3));
    }

    [TestCase(TieBreaker.Lowest, new[] { 1, 2 }, true)]
    [TestCase(TieBreaker.Lowest, new[] { 3, 4 }, false)]
    [TestCase(TieBreaker.Highest, new[] { 3, 4 }, true)]
    [TestCase(TieBreaker.Highest, new[] { 1, 2 }, false)]
    public void Auto_tie_breaker_settles_an_exact_half_split(TieBreaker breaker, int[] partition, bool quorate)
    {
        var vq = new VoteQuorum(Nodes(4, o => new VoteQuorumOptions { NodeVotes = o.NodeVotes, AutoTieBreaker = true, TieBreaker = breaker }));
        vq.OnMembership(Ids(1, 2, 3, 4), T0);
        vq.OnMembership(Ids(partition), T0);
        Assert.That(vq.Current.Quorate, Is.EqualTo(quorate));
    }

    [Test]
    public void Auto_tie_breaker_list_picks_the_first_listed_node_that_exists()
    {
        var options = new VoteQuorumOptions
        {
            NodeVotes = Enumerable.Range(1, 4).ToDictionary(i => (uint)i, _ => 1),
            AutoTieBreaker = true,
            TieBreaker = TieBreaker.List,
            TieBreakerNodes = Ids(9, 3, 1),
        };
        var left = new VoteQuorum(options);
        var right = new VoteQuorum(options);
        left.OnMembership(Ids(1, 2, 3, 4), T0);
        right.OnMembership(Ids(1, 2, 3, 4), T0);
        left.OnMembership(Ids(1, 2), T0);
        right.OnMembership(Ids(3, 4), T0);
        Assert.That(left.Current.Quorate, Is.False);
        Assert.That(right.Current.Quorate, Is.True, "node 9 does not exist; node 3 is next");
    }

    [Test]
    public void Without_tie_breaker_neither_half_of_an_even_split_is_quorate()
    {
        var left = new VoteQuorum(Nodes(4));
        var right = new VoteQuorum(Nodes(4));
        left.OnMembership(Ids(1, 2), T0);
        right.OnMembership(Ids(3, 4), T0);
        Assert.That(left.Current.Quorate || right.Current.Quorate, Is.False);
    }

    [Test]
    public void No_two_disjoint_partitions_are_ever_quorate_at_once()
    {
        // Exhaustive over every split of six nodes, with and without the tie breaker.
        foreach (var atb in new[] { false, true })
        {
            for (var mask = 0; mask < 64; mask++)
            {
                var a = Enumerable.Range(1, 6).Where(i => (mask & (1 << (i - 1))) != 0).Select(i => (uint)i).ToArray();
                var b = Enumerable.Range(1, 6).Select(i => (uint)i).Except(a).ToArray();
                var qa = new VoteQuorum(Nodes(6, o => new VoteQuorumOptions { NodeVotes = o.NodeVotes, AutoTieBreaker = atb }));
                var qb = new VoteQuorum(Nodes(6, o => new VoteQuorumOptions { NodeVotes = o.NodeVotes, AutoTieBreaker = atb }));
                qa.OnMembership(Enumerable.Range(1, 6).Select(i => (uint)i), T0);
                qb.OnMembership(Enumerable.Range(1, 6).Select(i => (uint)i), T0);
                qa.OnMembership(a, T0);
                qb.OnMembership(b, T0);
                Assert.That(qa.Current.Quorate && qb.Current.Quorate, Is.False, $"split {string.Join(",", a)} | {string.Join(",", b)}");
            }
        }
    }

    [Test]
    public void Administrator_can_lower_expected_votes()
    {
        var vq = new VoteQuorum(Nodes(5));
        vq.OnMembership(Ids(1, 2), T0);
        Assert.That(vq.Current.Quorate, Is.False);
        Assert.That(vq.SetExpectedVotes(3), Is.True);
        Assert.That(vq.Current.Quorum, Is.EqualTo(2));
        Assert.That(vq.Current.Quorate, Is.True);
    }

    [Test]
    public void Options_are_validated()
    {
        Assert.That(() => new VoteQuorum(new VoteQuorumOptions()), Throws.ArgumentException.With.Message.Contains("expected_votes"));
        Assert.That(() => new VoteQuorum(new VoteQuorumOptions { ExpectedVotes = 0 }), Throws.ArgumentException);
        Assert.That(() => new VoteQuorum(new VoteQuorumOptions { ExpectedVotes = 4, AutoTieBreaker = true, TieBreaker = TieBreaker.List }),
            Throws.ArgumentException.With.Message.Contains("auto_tie_breaker_node"));
        Assert.That(() => new VoteQuorum(new VoteQuorumOptions { NodeVotes = new Dictionary<uint, int> { [1] = 2 }, LastManStanding = true }),
            Throws.ArgumentException.With.Message.Contains("last_man_standing"));
    }
}
