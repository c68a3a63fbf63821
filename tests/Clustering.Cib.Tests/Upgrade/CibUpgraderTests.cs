using System.Xml.Linq;
using Clustering.Cib.Operations;
using Clustering.Cib.Tests.Schemas;
using Clustering.Cib.Upgrade;
using Clustering.Cib.Validation;
using Clustering.Cib.Versions;
using Clustering.TestSupport;

namespace Clustering.Cib.Tests.Upgrade;

/// <summary>The 1.0 → 1.1 → 1.2 upgrade over our embedded grammars, and its edges.</summary>
public sealed class CibUpgraderTests
{
    private static readonly CibSchemaSet Embedded = CibSchemaSet.OpenEmbedded();

    private static XDocument Corpus(string name) => XDocument.Load(Path.Combine(SchemaCorpus.Directory, name));

    private static XDocument WithoutCounters(XDocument doc)
    {
        var copy = new XDocument(doc);
        foreach (var name in new[] { "admin_epoch", "epoch", "num_updates", "validate-with" })
        {
            copy.Root!.Attribute(name)?.Remove();
        }

        return copy;
    }

    [Test]
    public void A_1_0_cib_with_status_goes_through_1_1_to_1_2_and_only_its_root_changes()
    {
        var input = Corpus("full-1.0.xml");
        var before = input.ToString();
        var result = new CibUpgrader(Embedded).Upgrade(input);

        Assert.That(result.Upgraded, Is.True);
        Assert.That(result.From, Is.EqualTo("pacemaker-1.0"));
        Assert.That(result.To, Is.EqualTo("pacemaker-1.2"));
        Assert.That(result.Steps, Is.EqualTo(new[] { new CibUpgradeStep("pacemaker-1.0", "pacemaker-1.1"), new CibUpgradeStep("pacemaker-1.1", "pacemaker-1.2") }));
        Assert.That(result.StoppedBefore, Is.Null);
        Assert.That((string?)result.Document.Root!.Attribute("validate-with"), Is.EqualTo("pacemaker-1.2"));
        Assert.That(result.Version, Is.EqualTo(new CibVersion(2, 0, 0)), "admin_epoch bumped, epoch and num_updates reset, as cib_process_upgrade does");
        Assert.That(XNode.DeepEquals(WithoutCounters(result.Document), WithoutCounters(input)), Is.True, "1.x steps change no content");
        Assert.That(input.ToString(), Is.EqualTo(before), "the input is not changed");
        Assert.That(Embedded.GetSchema("pacemaker-1.2").Validate(result.Document).IsValid, Is.True);
    }

    [Test]
    public void Without_status_the_experimental_1_1_is_skipped()
    {
        var result = new CibUpgrader(Embedded).Upgrade(Corpus("minimal.xml"));
        Assert.That(result.To, Is.EqualTo("pacemaker-1.2"));
        Assert.That(result.Steps, Is.EqualTo(new[] { new CibUpgradeStep("pacemaker-1.0", "pacemaker-1.2") }));
        Assert.That(result.Version, Is.EqualTo(new CibVersion(1, 0, 0)));
    }

    [Test]
    public void A_1_1_cib_with_failure_domains_stays_at_1_1_and_says_why()
    {
        var input = Corpus("domains-1.1.xml");
        var result = new CibUpgrader(Embedded).Upgrade(input);
        Assert.That(result.Upgraded, Is.False);
        Assert.That(result.To, Is.EqualTo("pacemaker-1.1"));
        Assert.That(result.StoppedBefore, Is.EqualTo("pacemaker-1.2"));
        Assert.That(result.StopErrors, Is.Not.Empty);
        Assert.That(result.Version, Is.EqualTo(CibVersion.Of(input.Root!)), "no upgrade, no counter change");
        Assert.That(XNode.DeepEquals(result.Document, input), Is.True);
    }

    [Test]
    public void The_maximum_schema_is_honoured()
    {
        var result = new CibUpgrader(Embedded, new CibUpgradeOptions { MaxSchema = "pacemaker-1.1" }).Upgrade(Corpus("full-1.0.xml"));
        Assert.That(result.To, Is.EqualTo("pacemaker-1.1"));
        Assert.That(result.StoppedBefore, Is.Null);

        // 1.1 as the maximum is a target, not skipped, so a CIB that does not satisfy it stays where it is.
        var stuck = new CibUpgrader(Embedded, new CibUpgradeOptions { MaxSchema = "pacemaker-1.1" }).Upgrade(Corpus("minimal.xml"));
        Assert.That(stuck.To, Is.EqualTo("pacemaker-1.0"));
        Assert.That(stuck.StoppedBefore, Is.EqualTo("pacemaker-1.1"));
    }

    [Test]
    public void An_unknown_maximum_is_refused()
    {
        Assert.That(() => new CibUpgrader(Embedded, new CibUpgradeOptions { MaxSchema = "pacemaker-7.0" }),
            Throws.TypeOf<CibUpgradeException>().With.Property(nameof(CibUpgradeException.Code)).EqualTo(CibResultCode.InvalidArgument));
        Assert.That(() => new CibUpgrader(Embedded, new CibUpgradeOptions { MaxSchema = "pacemaker-next" }), Throws.TypeOf<CibUpgradeException>());
    }

    [Test]
    public void A_cib_that_breaks_its_own_schema_is_refused_with_the_errors()
    {
        var input = Corpus("dangling-idref.xml");
        input.Root!.SetAttributeValue("validate-with", "pacemaker-1.0");
        var e = Assert.Throws<CibUpgradeException>(() => new CibUpgrader(Embedded).Upgrade(input))!;
        Assert.That(e.Code, Is.EqualTo(CibResultCode.SchemaValidation));
        Assert.That(e.Errors, Is.Not.Empty);
        Assert.That(e.Message, Does.Contain("pacemaker-1.0"));
    }

    [Test]
    public void Validate_with_none_is_left_alone()
    {
        var input = Corpus("full-1.0.xml");
        input.Root!.SetAttributeValue("validate-with", "none");
        var result = new CibUpgrader(Embedded).Upgrade(input);
        Assert.That(result.Upgraded, Is.False);
        Assert.That(result.To, Is.EqualTo("none"));
        Assert.That(XNode.DeepEquals(result.Document, input), Is.True);
    }

    [Test]
    public void Without_validate_with_the_upgrade_starts_from_the_oldest_schema_the_cib_satisfies()
    {
        var input = Corpus("node-untyped.xml");
        input.Root!.Attribute("validate-with")!.Remove();
        var result = new CibUpgrader(Embedded).Upgrade(input);
        Assert.That(result.From, Is.Null);
        Assert.That(result.To, Is.EqualTo("pacemaker-1.2"));
        Assert.That(result.Steps, Is.EqualTo(new[] { new CibUpgradeStep("pacemaker-1.1", "pacemaker-1.2") }));
        Assert.That(result.Version.AdminEpoch, Is.EqualTo(1));
    }

    [TestCase("pacemaker-0.6")]
    [TestCase("bogus")]
    public void An_unknown_schema_is_refused(string schema)
    {
        var input = Corpus("full-1.0.xml");
        input.Root!.SetAttributeValue("validate-with", schema);
        Assert.That(() => new CibUpgrader(Embedded).Upgrade(input),
            Throws.TypeOf<CibUpgradeException>().With.Property(nameof(CibUpgradeException.Code)).EqualTo(CibResultCode.InvalidArgument).And.Message.Contains(schema));
    }

    [Test]
    public void A_document_that_is_not_a_cib_is_refused()
    {
        Assert.That(() => new CibUpgrader(Embedded).Upgrade(XDocument.Parse("<configuration/>")),
            Throws.TypeOf<CibUpgradeException>().With.Message.Contains("<configuration>"));
    }

    [Test]
    public void Cancellation_is_observed()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.That(() => new CibUpgrader(Embedded).Upgrade(Corpus("full-1.0.xml"), cts.Token), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public void Every_corpus_cib_valid_against_its_own_schema_ends_valid_against_its_new_one()
    {
        var upgrader = new CibUpgrader(Embedded);
        var upgraded = 0;
        foreach (var file in SchemaCorpus.Files())
        {
            var doc = XDocument.Load(file);
            var own = (string)doc.Root!.Attribute("validate-with")!;
            if (!Embedded.GetSchema(own).Validate(doc).IsValid)
            {
                continue;
            }

            var result = upgrader.Upgrade(doc);
            Assert.That(Embedded.GetSchema(result.To).Validate(result.Document).IsValid, Is.True, file);
            Assert.That(result.Upgraded, Is.EqualTo(SchemaCorpus.Expected(file, "pacemaker-1.2") && own != "pacemaker-1.2"), file);
            upgraded += result.Upgraded ? 1 : 0;
        }

        Assert.That(upgraded, Is.GreaterThanOrEqualTo(2));
    }

    [TestCase("full-1.0.xml")]
    [TestCase("minimal.xml")]
    [TestCase("features-1.2.xml")]
    [TestCase("node-untyped.xml")]
    [Category("Conformance")]
    public void Through_pacemakers_newer_schemas_the_result_equals_the_real_cibadmin_upgrade(string name)
    {
        RealTools.Require("cibadmin");
        if (!File.Exists(Path.Combine(CibSchemaSetOptions.DefaultDirectory, "upgrade-1.3.xsl")))
        {
            RealTools.Unavailable("Pacemaker's schemas and transforms are not installed (pacemaker-cli-utils)");
        }

        var input = Corpus(name);
        var ours = new CibUpgrader(CibSchemaSet.OpenCombined()).Upgrade(input);
        var work = Directory.CreateTempSubdirectory("cib-upgrade-");
        try
        {
            var file = Path.Combine(work.FullName, "cib.xml");
            input.Save(file);
            var run = RealTools.Run("cibadmin", "--upgrade --force", TimeSpan.FromSeconds(60), null, new Dictionary<string, string> { ["CIB_file"] = file });
            Assert.That(run.ExitCode, Is.Zero, run.StandardError);
            var theirs = XDocument.Load(file);

            Assert.That(ours.To, Is.EqualTo((string?)theirs.Root!.Attribute("validate-with")), $"stopped before {ours.StoppedBefore}: {string.Join(" | ", ours.StopErrors.Take(3))}");
            Assert.That(ours.StoppedBefore, Is.Null);
            Assert.That(Clustering.Cib.Internal.XmlEquivalence.Equivalent(ours.Document.Root!.Element("configuration"), theirs.Root.Element("configuration")), Is.True,
                $"ours:{Environment.NewLine}{ours.Document.Root!.Element("configuration")}{Environment.NewLine}theirs:{Environment.NewLine}{theirs.Root.Element("configuration")}");
            if (input.Root!.Element("status") is not null)
            {
                // (the real tool adds an empty status section to a CIB file that has none; that is loading, not upgrading)
                Assert.That(Clustering.Cib.Internal.XmlEquivalence.Equivalent(ours.Document.Root.Element("status"), theirs.Root.Element("status")), Is.True);
            }

            // The upgrade operation itself: admin_epoch + 1, epoch and num_updates reset. The real tool then counts its
            // own write through the ordinary counter rules, which is the store's job, not the upgrader's.
            Assert.That(ours.Version, Is.EqualTo(new CibVersion(CibVersion.Of(input.Root!).AdminEpoch + 1, 0, 0)));
            Assert.That(CibVersion.Of(theirs.Root).AdminEpoch, Is.EqualTo(ours.Version.AdminEpoch));
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [Test]
    [Category("Conformance")]
    public void A_step_the_next_schema_accepts_as_it_is_runs_no_transform()
    {
        if (!File.Exists(Path.Combine(CibSchemaSetOptions.DefaultDirectory, "upgrade-1.3.xsl")))
        {
            RealTools.Unavailable("Pacemaker's schemas and transforms are not installed (pacemaker-cli-utils)");
        }

        var result = new CibUpgrader(CibSchemaSet.OpenCombined()).Upgrade(Corpus("minimal.xml"));
        Assert.That(result.Steps.SelectMany(s => s.Transforms), Is.Empty, "an empty configuration is valid for every version");
        var transformed = new CibUpgrader(CibSchemaSet.OpenCombined()).Upgrade(Corpus("full-1.0.xml"));
        Assert.That(transformed.Steps.Single(s => s.From == "pacemaker-2.10").Transforms, Is.EqualTo(new[] { "upgrade-2.10-enter.xsl", "upgrade-2.10.xsl", "upgrade-2.10-leave.xsl" }));
    }
}
