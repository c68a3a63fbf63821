using Clustering.Transport.Configuration;

namespace Clustering.Transport.Tests.Configuration;

public sealed class TotemTimingsTests
{
    private static double Ms(TimeSpan value) => value.TotalMilliseconds;

    [Test]
    public void Defaults_are_corosync_2s()
    {
        var t = new TotemTimings();
        Assert.Multiple(() =>
        {
            Assert.That(Ms(t.Token), Is.EqualTo(1000));
            Assert.That(Ms(t.TokenCoefficient), Is.EqualTo(650));
            Assert.That(t.TokenRetransmitsBeforeLossConst, Is.EqualTo(4));
            Assert.That(Ms(t.Join), Is.EqualTo(50));
            Assert.That(Ms(t.SendJoin), Is.Zero);
            Assert.That(Ms(t.Merge), Is.EqualTo(200));
            Assert.That(Ms(t.Downcheck), Is.EqualTo(1000));
            Assert.That(t.FailRecvConst, Is.EqualTo(2500));
            Assert.That(t.SeqnoUnchangedConst, Is.EqualTo(30));
            Assert.That(t.HeartbeatFailuresAllowed, Is.Zero);
            Assert.That(Ms(t.MaxNetworkDelay), Is.EqualTo(50));
            Assert.That(t.WindowSize, Is.EqualTo(50));
            Assert.That(t.MaxMessages, Is.EqualTo(17));
            Assert.That(t.MissCountConst, Is.EqualTo(5));
            Assert.That(t.TokenRetransmit, Is.Null);
            Assert.That(t.Hold, Is.Null);
            Assert.That(t.Consensus, Is.Null);
        });
    }

    // token + (n - 2) x coefficient; token_retransmit = (int)(token / 4.2); hold = (int)(retransmit x 0.8 - 10); consensus = (int)(1.2 x token).
    [TestCase(0, 1000, 238, 180, 1200)]
    [TestCase(2, 1000, 238, 180, 1200)]
    [TestCase(3, 1650, 392, 303, 1980)]
    [TestCase(5, 2950, 702, 551, 3540)]
    public void Computed_values_follow_corosyncs_formulas(int nodes, int token, int retransmit, int hold, int consensus)
    {
        var e = new TotemTimings().Effective(nodes);
        Assert.That((Ms(e.Token), Ms(e.TokenRetransmit), Ms(e.Hold), Ms(e.Consensus)), Is.EqualTo(((double)token, (double)retransmit, (double)hold, (double)consensus)));
        Assert.That(e.HeartbeatTimeout, Is.Null);
    }

    [Test]
    public void Explicit_values_win_and_the_coefficient_still_applies_to_an_explicit_token()
    {
        var t = new TotemTimings
        {
            Token = TimeSpan.FromMilliseconds(5000),
            TokenRetransmit = TimeSpan.FromMilliseconds(100),
            Consensus = TimeSpan.FromMilliseconds(7500),
        };
        var e = t.Effective(4);
        Assert.That(Ms(e.Token), Is.EqualTo(5000 + (2 * 650)));
        Assert.That(Ms(e.TokenRetransmit), Is.EqualTo(100));
        Assert.That(Ms(e.Hold), Is.EqualTo(70));
        Assert.That(Ms(e.Consensus), Is.EqualTo(7500));
    }

    [Test]
    public void A_zero_coefficient_disables_the_growth() =>
        Assert.That(Ms(new TotemTimings { TokenCoefficient = TimeSpan.Zero }.Effective(10).Token), Is.EqualTo(1000));

    [Test]
    public void The_heartbeat_is_failures_times_retransmit_plus_delay_and_off_when_not_shorter_than_the_token()
    {
        Assert.That(new TotemTimings { HeartbeatFailuresAllowed = 3 }.Effective(2).HeartbeatTimeout, Is.EqualTo(TimeSpan.FromMilliseconds((3 * 238) + 50)));
        Assert.That(new TotemTimings { HeartbeatFailuresAllowed = 4 }.Effective(2).HeartbeatTimeout, Is.Null);
    }

    [Test]
    public void A_token_below_30_ms_is_refused_with_corosyncs_wording()
    {
        var e = Assert.Throws<ConfigurationException>(() => new TotemTimings { Token = TimeSpan.FromMilliseconds(20) }.Validate(2))!;
        Assert.That(e.Key, Is.EqualTo("totem.token"));
        Assert.That(e.Message, Is.EqualTo("parse error in config: The token timeout parameter (20 ms) may not be less than (30 ms)."));
    }

    [Test]
    public void A_computed_value_below_the_minimum_names_its_key_and_says_it_was_computed()
    {
        var e = Assert.Throws<ConfigurationException>(() => new TotemTimings { Token = TimeSpan.FromMilliseconds(100) }.Validate(2))!;
        Assert.That(e.Key, Is.EqualTo("totem.token_retransmit"));
        Assert.That(e.Message, Does.Contain("(23 ms) (computed from token)"));
    }

    [Test]
    public void Consensus_below_join_is_refused()
    {
        var e = Assert.Throws<ConfigurationException>(() => new TotemTimings { Join = TimeSpan.FromMilliseconds(500), Consensus = TimeSpan.FromMilliseconds(400) }.Validate(2))!;
        Assert.That(e.Key, Is.EqualTo("totem.consensus"));
        Assert.That(e.Message, Does.Contain("may not be less than join timeout (500 ms)"));
    }

    [TestCase("window_size")]
    [TestCase("max_messages")]
    [TestCase("miss_count_const")]
    public void Counts_must_be_positive(string key)
    {
        var t = key switch
        {
            "window_size" => new TotemTimings { WindowSize = 0 },
            "max_messages" => new TotemTimings { MaxMessages = 0 },
            _ => new TotemTimings { MissCountConst = 0 },
        };
        Assert.That(() => t.Validate(2), Throws.TypeOf<ConfigurationException>().With.Property(nameof(ConfigurationException.Key)).EqualTo("totem." + key));
    }

    [Test]
    public void The_defaults_validate() => Assert.DoesNotThrow(() => new TotemTimings().Validate(16));
}
