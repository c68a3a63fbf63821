using Clustering.Transport.Configuration;

namespace Clustering.Transport.Tests.Configuration;

/// <summary>Random and mutated input never escapes as anything but <see cref="ConfigurationException"/>.</summary>
public sealed class ConfigurationFuzzTests
{
    private static readonly string[] Fragments =
    [
        "{", "}", ":", "#", " ", "\t", "\n", "\r\n", "\0", "\u0001", "totem", "interface", "nodelist", "node", "quorum", "logging",
        "logger_subsys", "service", "amf", "version", "2", "-1", "99999999999999999999", "token", "consensus", "join", "ringnumber",
        "bindnetaddr", "mcastaddr", "mcastport", "ttl", "broadcast", "yes", "on", "10.0.0.0", "239.1.1.1", "fe80::1", "ring0_addr",
        "ring1_addr", "nodeid", "0", "4294967295", "provider", "corosync_votequorum", "two_node", "secauth", "crypto_cipher", "aes256",
        "crypto_hash", "none", "rrp_mode", "active", "transport", "udpu", "heartbeat_failures_allowed", "2147483647", "cluster_name",
        "subsys", "debug", "trace", "é", "\uFEFF",
    ];

    [Test]
    public void Random_text_only_ever_throws_configuration_exceptions()
    {
        var random = new Random(20261201);
        var accepted = 0;
        for (var i = 0; i < 5000; i++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(1, 80)).Select(_ => Fragments[random.Next(Fragments.Length)]));
            if (TryLoad(text))
            {
                accepted++;
            }
        }

        Assert.That(accepted, Is.LessThan(5000));
    }

    [Test]
    public void Mutations_of_the_seed_only_ever_throw_configuration_exceptions()
    {
        var seed = File.ReadAllText(CorosyncConfigParserTests.SeedPath);
        var random = new Random(42);
        var refused = 0;
        for (var i = 0; i < 3000; i++)
        {
            var chars = seed.ToCharArray().ToList();
            for (var m = random.Next(1, 4); m > 0; m--)
            {
                var at = random.Next(chars.Count);
                switch (random.Next(3))
                {
                    case 0: chars.RemoveAt(at); break;
                    case 1: chars.Insert(at, Fragments[random.Next(Fragments.Length)][0]); break;
                    default: chars[at] = Fragments[random.Next(Fragments.Length)][0]; break;
                }
            }

            if (!TryLoad(new string(chars.ToArray())))
            {
                refused++;
            }
        }

        Assert.That(refused, Is.GreaterThan(0));
    }

    [Test]
    public void Huge_values_are_range_errors_not_overflows()
    {
        var text = "totem {\n  version: 2\n  token: 2147483647\n  token_coefficient: 2147483647\n  heartbeat_failures_allowed: 2147483647\n  interface {\n    bindnetaddr: 10.0.0.0\n    mcastaddr: 239.1.1.1\n  }\n}\n"
            + "nodelist {\n" + string.Concat(Enumerable.Range(1, 200).Select(i => $"  node {{\n    ring0_addr: 10.0.{i / 250}.{(i % 250) + 1}\n  }}\n")) + "}\n";
        var config = CorosyncConfiguration.Parse(text);
        Assert.That(config.EffectiveTimings.Token.TotalMilliseconds, Is.EqualTo(2147483647d + (198d * 2147483647)));
        Assert.That(config.EffectiveTimings.HeartbeatTimeout, Is.Null);
    }

    private static bool TryLoad(string text)
    {
        try
        {
            var config = CorosyncConfiguration.Parse(text, "fuzz.conf");
            var written = config.ToConfigText();
            Assert.That(CorosyncConfiguration.Parse(written).ToConfigText(), Is.EqualTo(written), text);
            _ = config.ResolveLocalNodeId(System.Net.IPAddress.Parse("10.0.0.1"));
            return true;
        }
        catch (ConfigurationException e)
        {
            Assert.That(e.Reason, Is.Not.Empty);
            return false;
        }
    }
}
