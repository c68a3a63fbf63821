using System.Globalization;
using System.Xml.Linq;
using Clustering.Cib.Diff;
using Clustering.Cib.Internal;
using Clustering.TestSupport;

namespace Clustering.Cib.Tests.Diff;

/// <summary>
/// Our v2 patches applied by the real <c>crm_diff --patch</c>, and <c>crm_diff</c>'s patches applied by us, give the
/// target document. Random pairs are restricted to trees where every element has an id unique among its siblings,
/// since Pacemaker's paths cannot tell such siblings apart.
/// </summary>
[Category("Conformance")]
public sealed class CrmDiffConformanceTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "crm-diff-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void Crm_diff_applies_our_patch_and_we_apply_its_patch_for_the_sample()
    {
        Check(XElement.Parse(CibPatchTests.Old), XElement.Parse(CibPatchTests.New), RealTools.Require("crm_diff"));
    }

    [Test]
    public void Crm_diff_and_we_agree_on_random_pairs()
    {
        var crmDiff = RealTools.Require("crm_diff");
        var random = new RandomCib(7, uniqueIds: true);
        var checkedPairs = 0;
        for (var i = 0; i < 200 && checkedPairs < 40; i++)
        {
            var a = random.Cib();
            var b = random.Edit(a);
            if (!Distinct(a) || !Distinct(b))
            {
                continue;
            }

            b.SetAttributeValue("epoch", ((long)a.Attribute("epoch")! + 1).ToString(CultureInfo.InvariantCulture));
            Check(a, b, crmDiff);
            checkedPairs++;
        }

        Assert.That(checkedPairs, Is.GreaterThanOrEqualTo(20), "too few usable random pairs");
    }

    private void Check(XElement a, XElement b, string crmDiff)
    {
        var aFile = Path.Combine(_dir, "a.xml");
        var bFile = Path.Combine(_dir, "b.xml");
        var ours = Path.Combine(_dir, "ours.xml");
        a.Save(aFile);
        b.Save(bFile);
        var patch = CibPatch.Create(a, b);
        patch.Save(ours);

        var applied = RealTools.Run(crmDiff, $"--original {aFile} --patch {ours}", TimeSpan.FromSeconds(60));
        Assert.That(applied.ExitCode, Is.Zero, $"crm_diff --patch failed: {applied.StandardError}\npatch: {patch}");
        var theirResult = XElement.Parse(applied.StandardOutput);
        Assert.That(XmlEquivalence.Equivalent(theirResult, b), Is.True, $"crm_diff applied our patch differently\nA: {a}\nB: {b}\npatch: {patch}\ngot: {theirResult}");

        var diff = RealTools.Run(crmDiff, $"--original {aFile} --new {bFile}", TimeSpan.FromSeconds(60));
        Assert.That(diff.ExitCode, Is.EqualTo(1), $"crm_diff --new: {diff.StandardError}");
        var theirPatch = XElement.Parse(diff.StandardOutput);
        var ourResult = CibPatch.Apply(a, theirPatch);
        Assert.That(XmlEquivalence.Equivalent(ourResult, b), Is.True, $"we applied crm_diff's patch differently\nA: {a}\nB: {b}\npatch: {theirPatch}\ngot: {ourResult}");
    }

    private static readonly string[] Sections = ["cib", "configuration", "crm_config", "nodes", "resources", "constraints", "status"];

    /// <summary>
    /// Whether every object has an id unique among its siblings and the fixed sections have none. Pacemaker 2.1.5's own
    /// diff loses changes where an element gains or drops its id (it emits neither the delete of the id-less element
    /// nor the create of the new one), so such pairs are left out of the comparison.
    /// </summary>
    private static bool Distinct(XElement root)
        => root.DescendantsAndSelf().All(e => (e.Attribute("id") is null) == (Sections.Contains(e.Name.LocalName) && (e.Parent is null || e.Parent.Name.LocalName is "cib" or "configuration"))
            && e.Elements().GroupBy(c => (c.Name, (string?)c.Attribute("id"))).All(g => g.Count() == 1));
}
