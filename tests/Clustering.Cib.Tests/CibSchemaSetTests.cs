using Clustering.Cib.Validation;
using Clustering.TestSupport;

namespace Clustering.Cib.Tests;

public sealed class CibSchemaSetTests
{
    private const string Tiny = """
        <grammar xmlns="http://relaxng.org/ns/structure/1.0" datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes">
          <include href="common.rng"/>
          <start><element name="cib"><attribute name="validate-with"/><ref name="body"/></element></start>
        </grammar>
        """;

    private const string Common = """
        <grammar xmlns="http://relaxng.org/ns/structure/1.0">
          <define name="body"><element name="configuration"><empty/></element></define>
        </grammar>
        """;

    private DirectoryInfo _dir = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("schema-set-");
        foreach (var name in new[] { "pacemaker-1.0", "pacemaker-1.2", "pacemaker-2.10", "pacemaker-2.9", "pacemaker-next" })
        {
            File.WriteAllText(Path.Combine(_dir.FullName, name + ".rng"), Tiny);
        }

        File.WriteAllText(Path.Combine(_dir.FullName, "common.rng"), Common);
        File.WriteAllText(Path.Combine(_dir.FullName, "pacemaker-x.y.rng"), Tiny);
        File.WriteAllText(Path.Combine(_dir.FullName, "pacemaker-3.0.rng"), "<grammar xmlns='http://relaxng.org/ns/structure/1.0'><start><ref name='gone'/></start></grammar>");
    }

    [TearDown]
    public void TearDown() => _dir.Delete(recursive: true);

    private CibSchemaSet Open() => CibSchemaSet.Open(new CibSchemaSetOptions { Directory = _dir.FullName });

    [Test]
    public void Lists_versions_in_numeric_order_with_next_last()
    {
        Assert.That(Open().Versions, Is.EqualTo(new[] { "pacemaker-1.0", "pacemaker-1.2", "pacemaker-2.9", "pacemaker-2.10", "pacemaker-3.0", "pacemaker-next" }));
    }

    [Test]
    public void Validates_by_validate_with_or_by_an_explicit_name()
    {
        var set = Open();
        var good = CibDocument.Parse("<cib validate-with='pacemaker-1.2'><configuration/></cib>");
        var bad = CibDocument.Parse("<cib validate-with='pacemaker-1.2'><status/></cib>");
        Assert.That(set.Validate(good).IsValid, Is.True);
        Assert.That(set.Validate(bad).IsValid, Is.False);
        Assert.That(set.Validate(bad, "pacemaker-2.9").Errors[0].Message, Does.Contain("element <status> is not allowed here; expected <configuration>"));
    }

    [Test]
    public void None_disables_validation()
    {
        var doc = CibDocument.Parse("<cib validate-with='none'><anything/></cib>");
        Assert.That(Open().Validate(doc).IsValid, Is.True);
    }

    [Test]
    public void Unknown_or_missing_schema_names_are_typed_errors()
    {
        var set = Open();
        var e = Assert.Throws<CibSchemaNotFoundException>(() => set.Validate(CibDocument.Parse("<cib validate-with='pacemaker-0.7'/>")));
        Assert.That(e!.SchemaName, Is.EqualTo("pacemaker-0.7"));
        Assert.Throws<CibSchemaNotFoundException>(() => set.Validate(CibDocument.Parse("<cib/>")));
        Assert.Throws<CibSchemaNotFoundException>(() => set.GetSchema("pacemaker-x.y"));
    }

    [Test]
    public void A_broken_schema_fails_when_used_and_the_others_still_work()
    {
        var set = Open();
        Assert.Throws<RelaxNgSchemaException>(() => set.GetSchema("pacemaker-3.0"));
        Assert.That(set.GetSchema("pacemaker-1.0").Files, Has.Count.EqualTo(2));
    }

    [Test]
    public void The_text_validator_reports_errors_as_lines_and_never_throws_for_schema_problems()
    {
        var validator = new CibSchemaValidator(Open());
        Assert.That(validator.Validate(CibDocument.Parse("<cib validate-with='pacemaker-1.2'><configuration/></cib>").Document), Is.Empty);
        Assert.That(validator.Validate(CibDocument.Parse("<cib validate-with='none'><x/></cib>").Document), Is.Empty);
        Assert.That(validator.Validate(CibDocument.Parse("<cib><x/></cib>").Document), Is.Empty);
        var errors = validator.Validate(CibDocument.Parse("<cib validate-with='pacemaker-1.2'>\n<status/></cib>").Document);
        Assert.That(errors[0], Does.StartWith("2:2: /cib/status: element <status> is not allowed here"));
        Assert.That(validator.Validate(CibDocument.Parse("<cib validate-with='pacemaker-0.6'/>").Document).Single(), Does.Contain("unknown schema 'pacemaker-0.6'"));
        Assert.That(validator.Validate(CibDocument.Parse("<cib validate-with='pacemaker-3.0'/>").Document).Single(), Does.Contain("cannot be used"));
    }

    [Test]
    public void A_missing_directory_is_reported()
    {
        Assert.Throws<DirectoryNotFoundException>(() => CibSchemaSet.Open(new CibSchemaSetOptions { Directory = Path.Combine(_dir.FullName, "nope") }));
    }

    [Test]
    public void Every_installed_pacemaker_schema_compiles()
    {
        if (!Directory.Exists(CibSchemaSetOptions.DefaultDirectory))
        {
            RealTools.Unavailable("Pacemaker's schemas are not installed (pacemaker-cli-utils)");
        }

        var set = CibSchemaSet.Open();
        Assert.That(set.Versions, Does.Contain("pacemaker-1.0").And.Contain("pacemaker-1.2"));
        foreach (var name in set.Versions)
        {
            Assert.That(set.GetSchema(name).Files, Is.Not.Empty, name);
        }
    }
}
