using Clustering.Transport.Configuration;

namespace Clustering.Transport.Tests.Configuration;

public sealed class CorosyncConfigWriterTests
{
    [Test]
    public void The_seed_round_trips_through_the_writer()
    {
        var parsed = CorosyncConfigParser.Load(CorosyncConfigParserTests.SeedPath).Root;
        var written = CorosyncConfigWriter.Write(parsed);
        var reparsed = CorosyncConfigParser.Parse(written).Root;

        Assert.That(reparsed.ContentEquals(parsed), Is.True);
        Assert.That(CorosyncConfigWriter.Write(reparsed), Is.EqualTo(written));
    }

    [Test]
    public void The_writer_indents_four_spaces_and_separates_top_level_sections()
    {
        var root = new ConfigSection(string.Empty,
        [
            new ConfigEntry("compatibility", "whitetank"),
            new ConfigSection("totem", [new ConfigEntry("version", "2"), new ConfigSection("interface", [new ConfigEntry("ringnumber", "0")])]),
            new ConfigSection("quorum", [new ConfigEntry("provider", "corosync_votequorum"), new ConfigEntry("empty", string.Empty)]),
        ]);

        Assert.That(CorosyncConfigWriter.Write(root), Is.EqualTo(
            "compatibility: whitetank\n\ntotem {\n    version: 2\n    interface {\n        ringnumber: 0\n    }\n}\n\nquorum {\n    provider: corosync_votequorum\n    empty:\n}\n"));
    }

    [Test]
    public void Random_trees_round_trip()
    {
        var random = new Random(1234);
        for (var i = 0; i < 200; i++)
        {
            var tree = RandomSection(random, string.Empty, 0);
            var reparsed = CorosyncConfigParser.Parse(CorosyncConfigWriter.Write(tree)).Root;
            Assert.That(reparsed.ContentEquals(tree), Is.True, CorosyncConfigWriter.Write(tree));
        }
    }

    [Test]
    public void Content_equality_sees_a_changed_value_and_a_changed_order()
    {
        var a = new ConfigSection("totem", [new ConfigEntry("token", "1000"), new ConfigEntry("join", "50")]);
        var b = new ConfigSection("totem", [new ConfigEntry("token", "1001"), new ConfigEntry("join", "50")]);
        var c = new ConfigSection("totem", [new ConfigEntry("join", "50"), new ConfigEntry("token", "1000")]);
        Assert.That(a.ContentEquals(b), Is.False);
        Assert.That(a.ContentEquals(c), Is.False);
        Assert.That(a.ContentEquals(new ConfigSection("totem", [new ConfigEntry("token", "1000", 3, 4, 11), new ConfigEntry("join", "50")])), Is.True);
    }

    [TestCase("bad key")]
    [TestCase("a:b")]
    [TestCase("")]
    [TestCase("x{")]
    public void Keys_that_cannot_be_written_are_refused(string key) =>
        Assert.Throws<ArgumentException>(() => _ = new ConfigEntry(key, "v"));

    [TestCase(" leading")]
    [TestCase("trailing ")]
    [TestCase("a{b")]
    [TestCase("a\nb")]
    public void Values_that_cannot_be_written_are_refused(string value) =>
        Assert.Throws<ArgumentException>(() => _ = new ConfigEntry("key", value));

    private static ConfigSection RandomSection(Random random, string name, int depth)
    {
        var items = new List<ConfigNode>();
        var count = random.Next(0, 6);
        for (var i = 0; i < count; i++)
        {
            if (depth < 3 && random.Next(3) == 0)
            {
                items.Add(RandomSection(random, RandomWord(random), depth + 1));
            }
            else
            {
                items.Add(new ConfigEntry(RandomWord(random), RandomValue(random)));
            }
        }

        return new ConfigSection(name, items);
    }

    private static string RandomWord(Random random)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz_0123456789.-";
        return new string(Enumerable.Range(0, random.Next(1, 12)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
    }

    private static string RandomValue(Random random)
    {
        const string alphabet = "abc XYZ 0123 :/.#}\t-";
        var value = new string(Enumerable.Range(0, random.Next(0, 20)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
        return value.Trim(' ', '\t');
    }
}
