using System.Xml.Linq;

namespace Clustering.Cib.Tests;

public sealed class CibVersionTests
{
    [TestCase("0.1.0", "0.0.9", 1)]
    [TestCase("1.0.0", "0.99.99", 1)]
    [TestCase("2.40.118", "2.40.119", -1)]
    [TestCase("3.1.2", "3.1.2", 0)]
    public void Versions_compare_admin_epoch_then_epoch_then_num_updates(string a, string b, int sign)
    {
        Assert.That(Math.Sign(Parse(a).CompareTo(Parse(b))), Is.EqualTo(sign));
        Assert.That(Parse(a) > Parse(b), Is.EqualTo(sign > 0));
        Assert.That(Parse(a) <= Parse(b), Is.EqualTo(sign <= 0));
    }

    [TestCase("1.16.4", CibChange.Configuration, "1.17.0")]
    [TestCase("1.16.4", CibChange.Other, "1.16.5")]
    [TestCase("1.16.4", CibChange.None, "1.16.4")]
    public void Updates_move_the_counters_by_what_changed(string before, CibChange change, string after)
        => Assert.That(Parse(before).After(change).ToString(), Is.EqualTo(after));

    [TestCase("1.9.0", "1.10.1")]
    public void Bump_moves_epoch_and_num_updates(string before, string after)
        => Assert.That(Parse(before).Bump().ToString(), Is.EqualTo(after));

    [TestCase("5.2.0", "6.2.1")]
    public void Erase_moves_admin_epoch(string before, string after)
        => Assert.That(Parse(before).Erase().ToString(), Is.EqualTo(after));

    [TestCase("0.0.0", false, "1.1.2")]
    [TestCase("2.40.118", false, "3.1.2")]
    [TestCase("0.3.17", true, "1.2.0")]
    public void Upgrade_resets_under_a_new_admin_epoch(string before, bool configurationChanged, string after)
        => Assert.That(Parse(before).Upgrade(configurationChanged).ToString(), Is.EqualTo(after));

    [Test]
    public void Reads_and_writes_the_root_attributes()
    {
        var cib = CibDocument.Parse("<cib admin_epoch='2' epoch='x' />");
        Assert.That(cib.Version, Is.EqualTo(new CibVersion(2, 0, 0)));
        new CibVersion(3, 4, 5).WriteTo(cib.Root);
        Assert.That(cib.Root.ToString(SaveOptions.DisableFormatting), Is.EqualTo("<cib admin_epoch=\"3\" epoch=\"4\" num_updates=\"5\" />"));
    }

    [Test]
    public void An_unknown_change_kind_is_an_argument_error()
        => Assert.Throws<ArgumentOutOfRangeException>(() => new CibVersion(0, 0, 0).After((CibChange)42));

    private static CibVersion Parse(string text)
    {
        var parts = text.Split('.').Select(long.Parse).ToArray();
        return new CibVersion(parts[0], parts[1], parts[2]);
    }
}
