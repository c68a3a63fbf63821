using System.Globalization;
using System.Text;
using Clustering.Transport.Configuration;

namespace Clustering.Transport.Tests.Configuration;

/// <summary>
/// corosync.conf texts with nodelists of several sizes → the timings in effect, each expected value worked out by hand
/// from Corosync 3.1.7's formulas (exec/totemconfig.c): token += (nodes − 2) × token_coefficient when the nodelist has
/// three nodes or more; token_retransmit = (int)(token / (const + 0.2)); hold = (int)(token_retransmit × 0.8 − 10);
/// consensus = (int)(1.2 × token); each only when not set.
/// </summary>
public sealed class EffectiveTimingsTableTests
{
    // keys (totem section lines), nodelist size → token, token_retransmit, hold, consensus, join
    private static readonly object[] Table =
    [
        new object[] { "token: 1000", 2, 1000, 238, 180, 1200, 50 },
        new object[] { "token: 1000", 3, 1650, 392, 303, 1980, 50 },
        new object[] { "token: 1000", 5, 2950, 702, 551, 3540, 50 },
        new object[] { "token: 1000", 16, 10100, 2404, 1913, 12120, 50 },
        new object[] { "token: 3000", 2, 3000, 714, 561, 3600, 50 },
        new object[] { "token: 3000", 3, 3650, 869, 685, 4380, 50 },
        new object[] { "token: 3000", 5, 4950, 1178, 932, 5940, 50 },
        new object[] { "token: 3000", 16, 12100, 2880, 2294, 14520, 50 },
        new object[] { "token: 3000;token_coefficient: 0", 5, 3000, 714, 561, 3600, 50 },
        new object[] { "token: 1000;token_coefficient: 0", 16, 1000, 238, 180, 1200, 50 },
        new object[] { "token: 1000;token_coefficient: 300", 5, 1900, 452, 351, 2280, 50 },
        new object[] { "token: 3000;token_coefficient: 1000", 3, 4000, 952, 751, 4800, 50 },
        new object[] { "token: 1000;token_retransmit: 500", 5, 2950, 500, 390, 3540, 50 },
        new object[] { "token: 3000;hold: 100", 3, 3650, 869, 100, 4380, 50 },
        new object[] { "token: 1000;consensus: 5000", 5, 2950, 702, 551, 5000, 50 },
        new object[] { "token: 3000;join: 100", 16, 12100, 2880, 2294, 14520, 100 },
        new object[] { "token: 5000;token_retransmits_before_loss_const: 10;join: 1000;consensus: 7500", 3, 5650, 553, 432, 7500, 1000 },
        new object[] { "token: 5000;token_retransmits_before_loss_const: 10", 3, 5650, 553, 432, 6780, 50 },
        new object[] { "token: 1000;token_retransmit: 300;hold: 200;consensus: 2000;join: 60", 16, 10100, 300, 200, 2000, 60 },
    ];

    [TestCaseSource(nameof(Table))]
    public void A_corosync_conf_resolves_to_corosyncs_effective_values(string keys, int nodes, int token, int retransmit, int hold, int consensus, int join)
    {
        var config = CorosyncConfiguration.Parse(Conf(keys, nodes), "table.conf");
        Assert.That(config.Nodes, Has.Count.EqualTo(nodes));
        var e = config.EffectiveTimings;
        Assert.Multiple(() =>
        {
            Assert.That(e.Token, Is.EqualTo(TimeSpan.FromMilliseconds(token)), "token");
            Assert.That(e.TokenRetransmit, Is.EqualTo(TimeSpan.FromMilliseconds(retransmit)), "token_retransmit");
            Assert.That(e.Hold, Is.EqualTo(TimeSpan.FromMilliseconds(hold)), "hold");
            Assert.That(e.Consensus, Is.EqualTo(TimeSpan.FromMilliseconds(consensus)), "consensus");
            Assert.That(e.Join, Is.EqualTo(TimeSpan.FromMilliseconds(join)), "join");
        });
        Assert.DoesNotThrow(() => config.Totem.Timings.Validate(nodes));
    }

    [Test]
    public void Without_a_nodelist_the_coefficient_does_not_apply()
    {
        var e = new TotemTimings { Token = TimeSpan.FromMilliseconds(3000) }.Effective(0);
        Assert.That(e.Token, Is.EqualTo(TimeSpan.FromMilliseconds(3000)));
        Assert.That(e.Consensus, Is.EqualTo(TimeSpan.FromMilliseconds(3600)));
    }

    [Test]
    public void A_hold_down_to_14_ms_is_accepted_as_corosync_does_and_13_ms_is_refused()
    {
        // Corosync's hold minimum is (int)(30 × 0.8 − 10) = 14 ms, not the 30 ms of the other timeouts.
        Assert.DoesNotThrow(() => new TotemTimings { Hold = TimeSpan.FromMilliseconds(14) }.Validate(2));
        var e = Assert.Throws<ConfigurationException>(() => new TotemTimings { Hold = TimeSpan.FromMilliseconds(13) }.Validate(2))!;
        Assert.That(e.Key, Is.EqualTo("totem.hold"));
        Assert.That(e.Message, Does.Contain("(13 ms) may not be less than (14 ms)"));

        // token 150: token_retransmit 35, hold (int)(35 × 0.8 − 10) = 18: Corosync runs it.
        var fast = new TotemTimings { Token = TimeSpan.FromMilliseconds(150), Consensus = TimeSpan.FromMilliseconds(180) };
        Assert.That(fast.Effective(2).Hold, Is.EqualTo(TimeSpan.FromMilliseconds(18)));
        Assert.DoesNotThrow(() => fast.Validate(2));
    }

    [Test]
    public void A_computed_token_retransmit_below_30_ms_is_refused_with_corosyncs_words()
    {
        var e = Assert.Throws<ConfigurationException>(() => new TotemTimings { Token = TimeSpan.FromMilliseconds(120) }.Validate(2))!;
        Assert.That(e.Key, Is.EqualTo("totem.token_retransmit"));
        Assert.That(e.Message, Does.StartWith("parse error in config: Not appropriate token or token_retransmits_before_loss_const value set"));
    }

    internal static string Conf(string keys, int nodes)
    {
        var text = new StringBuilder();
        text.Append("totem {\n  version: 2\n  cluster_name: table\n  transport: udpu\n");
        foreach (var key in keys.Split(';'))
        {
            text.Append("  ").Append(key).Append('\n');
        }

        text.Append("  interface {\n    ringnumber: 0\n    bindnetaddr: 10.9.0.0\n    mcastport: 5405\n  }\n}\nnodelist {\n");
        for (var i = 1; i <= nodes; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"  node {{\n    ring0_addr: 10.9.0.{i}\n    nodeid: {i}\n  }}\n");
        }

        text.Append("}\nquorum {\n  provider: corosync_votequorum\n}\n");
        return text.ToString();
    }
}
