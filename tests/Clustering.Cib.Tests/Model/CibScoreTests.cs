using Clustering.Cib.Model;

namespace Clustering.Cib.Tests.Model;

public sealed class CibScoreTests
{
    [TestCase("INFINITY", 1_000_000)]
    [TestCase("+INFINITY", 1_000_000)]
    [TestCase("-INFINITY", -1_000_000)]
    [TestCase("infinity", 1_000_000)]
    [TestCase(" 100 ", 100)]
    [TestCase("-25", -25)]
    [TestCase("+7", 7)]
    [TestCase("0", 0)]
    [TestCase("1000000", 1_000_000)]
    [TestCase("1000001", 1_000_000)]
    [TestCase("-99999999999999999999999", -1_000_000)]
    [TestCase("000000000000000000042", 42)]
    [TestCase("red", -1_000_000)]
    [TestCase("yellow", 0)]
    [TestCase("green", 0)]
    public void Parses_Pacemakers_way_and_clamps(string text, int expected)
    {
        Assert.That(CibScore.TryParse(text, out var score), Is.True);
        Assert.That(score.Value, Is.EqualTo(expected));
        Assert.That(CibScore.Parse(text), Is.EqualTo(score));
    }

    [TestCase("")]
    [TestCase("abc")]
    [TestCase("10s")]
    [TestCase("+")]
    [TestCase("1.5")]
    [TestCase(null)]
    public void Rejects_text_that_is_not_a_score(string? text)
    {
        Assert.That(CibScore.TryParse(text, out _), Is.False);
        if (text is not null)
        {
            Assert.That(() => CibScore.Parse(text), Throws.TypeOf<FormatException>().With.Message.Contains("not a score"));
        }
    }

    [Test]
    public void Writes_infinity_words_and_orders_by_value()
    {
        Assert.That(CibScore.Infinity.ToString(), Is.EqualTo("INFINITY"));
        Assert.That(CibScore.MinusInfinity.ToString(), Is.EqualTo("-INFINITY"));
        Assert.That(new CibScore(-3).ToString(), Is.EqualTo("-3"));
        Assert.That(new CibScore(5_000_000).IsInfinity, Is.True);
        Assert.That(new CibScore(-5_000_000).IsMinusInfinity, Is.True);
        Assert.That(new CibScore(1) < new CibScore(2), Is.True);
        Assert.That(CibScore.MinusInfinity.CompareTo(new CibScore(0)), Is.LessThan(0));
    }
}
