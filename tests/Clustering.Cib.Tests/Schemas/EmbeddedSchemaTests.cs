using System.Xml.Linq;
using Clustering.Cib.Operations;
using Clustering.Cib.Schemas;
using Clustering.Cib.Validation;

namespace Clustering.Cib.Tests.Schemas;

/// <summary>Our own 1.x grammars, embedded: loading, the corpus verdicts they were written to give, and the combined lookup.</summary>
public sealed class EmbeddedSchemaTests
{
    private static readonly CibSchemaSet Embedded = CibSchemaSet.OpenEmbedded();

    private static IEnumerable<TestCaseData> CorpusCases()
        => SchemaCorpus.Files().SelectMany(file => SchemaCorpus.Versions.Select(v => new TestCaseData(Path.GetFileName(file), v).SetName($"{Path.GetFileNameWithoutExtension(file)} against {v}")));

    [Test]
    public void The_embedded_set_has_the_three_versions_and_each_compiles()
    {
        Assert.That(Embedded.Versions, Is.EqualTo(new[] { "pacemaker-1.0", "pacemaker-1.1", "pacemaker-1.2" }));
        foreach (var name in Embedded.Versions)
        {
            var schema = Embedded.GetSchema(name);
            Assert.That(schema.Files, Is.Not.Empty, name);
        }
    }

    [TestCaseSource(nameof(CorpusCases))]
    public void The_corpus_gets_the_verdict_its_comment_states(string file, string schema)
    {
        var path = Path.Combine(SchemaCorpus.Directory, file);
        var result = Embedded.GetSchema(schema).Validate(CibDocument.Load(path).Document);
        var expected = SchemaCorpus.Expected(path, schema);
        Assert.That(result.IsValid, Is.EqualTo(expected), string.Join(Environment.NewLine, result.Errors));
    }

    [Test]
    public void Each_version_accepts_something_the_others_refuse()
    {
        // minimal: no status (1.1 refuses); features-1.2: 1.2 additions (1.0 refuses); domains-1.1: only 1.1.
        var verdicts = new[] { "minimal.xml", "features-1.2.xml", "domains-1.1.xml" }
            .Select(f => CibDocument.Load(Path.Combine(SchemaCorpus.Directory, f)).Document)
            .Select(d => string.Join(",", SchemaCorpus.Versions.Select(v => Embedded.GetSchema(v).Validate(d).IsValid ? "1" : "0")))
            .ToList();
        Assert.That(verdicts, Is.EqualTo(new[] { "1,0,1", "0,1,1", "0,1,0" }));
    }

    [Test]
    public void An_error_names_line_path_and_what_was_expected()
    {
        var doc = CibDocument.Load(Path.Combine(SchemaCorpus.Directory, "node-untyped.xml"));
        var result = Embedded.GetSchema("pacemaker-1.0").Validate(doc.Document);
        Assert.That(result.IsValid, Is.False);
        var error = result.Errors[0];
        Assert.That(error.LineNumber, Is.EqualTo(6));
        Assert.That(error.Path, Does.Contain("node"));
        Assert.That(error.Message, Does.Contain("type"));
    }

    [Test]
    public void Validation_by_validate_with_works_without_any_schema_directory()
    {
        var validator = new CibSchemaValidator(CibSchemaSet.OpenEmbedded(new CibSchemaSetOptions { Directory = "/nonexistent/schemas" }));
        var good = XDocument.Load(Path.Combine(SchemaCorpus.Directory, "full-1.0.xml"));
        var bad = XDocument.Load(Path.Combine(SchemaCorpus.Directory, "dangling-idref.xml"));
        Assert.That(validator.Validate(good), Is.Empty);
        Assert.That(validator.Validate(bad), Has.Some.Contains("missing"));
    }

    [Test]
    public void A_store_refuses_an_update_that_breaks_the_embedded_schema_and_stays_byte_identical()
    {
        var text = File.ReadAllText(Path.Combine(SchemaCorpus.Directory, "full-1.0.xml"));
        var store = new CibStore(CibDocument.Parse(text), new CibStoreOptions { Validator = new CibSchemaValidator(Embedded) });
        var before = store.Document.ToXmlString(false);
        var result = store.Modify(XElement.Parse("<node id=\"n2\" uname=\"beta\" type=\"remote\"/>"), new CibCallOptions { Scope = "nodes" });
        Assert.That(result.Code, Is.EqualTo(CibResultCode.SchemaValidation), result.Detail);
        Assert.That(result.ValidationErrors, Is.Not.Empty);
        Assert.That(store.Document.ToXmlString(false), Is.EqualTo(before));
    }

    [Test]
    public void The_grammar_text_is_readable_and_unknown_names_are_refused()
    {
        using (var reader = new StreamReader(EmbeddedCibSchemas.OpenRead("pacemaker-1.1")))
        {
            var grammar = XDocument.Load(reader);
            Assert.That(grammar.Root!.Name.LocalName, Is.EqualTo("grammar"));
        }

        Assert.That(() => EmbeddedCibSchemas.OpenRead("pacemaker-2.0"), Throws.ArgumentException.With.Message.Contains("not an embedded schema"));
        Assert.That(EmbeddedCibSchemas.Contains("pacemaker-1.2"), Is.True);
        Assert.That(EmbeddedCibSchemas.Contains("pacemaker-next"), Is.False);
    }

    [Test]
    public void The_combined_set_takes_1x_from_the_assembly_and_the_rest_from_the_directory()
    {
        var dir = Directory.CreateTempSubdirectory("combined-schemas-");
        try
        {
            // A broken pacemaker-1.2.rng on disk must be shadowed by the embedded one; 2.0 and next come from disk.
            File.WriteAllText(Path.Combine(dir.FullName, "pacemaker-1.2.rng"), "this is not a grammar");
            const string AnyCib = "<grammar xmlns=\"http://relaxng.org/ns/structure/1.0\"><start><element name=\"cib\"><empty/></element></start></grammar>";
            File.WriteAllText(Path.Combine(dir.FullName, "pacemaker-2.0.rng"), AnyCib);
            File.WriteAllText(Path.Combine(dir.FullName, "pacemaker-next.rng"), AnyCib);
            File.WriteAllText(Path.Combine(dir.FullName, "pacemaker-x.rng"), AnyCib);

            var combined = CibSchemaSet.OpenCombined(new CibSchemaSetOptions { Directory = dir.FullName });
            Assert.That(combined.Versions, Is.EqualTo(new[] { "pacemaker-1.0", "pacemaker-1.1", "pacemaker-1.2", "pacemaker-2.0", "pacemaker-next" }));
            Assert.That(combined.GetSchema("pacemaker-1.2").Path, Does.Not.StartWith(dir.FullName));
            Assert.That(combined.GetSchema("pacemaker-2.0").Path, Does.StartWith(dir.FullName));
            var cib = XDocument.Parse("<cib/>");
            Assert.That(combined.GetSchema("pacemaker-2.0").Validate(cib).IsValid, Is.True);
            Assert.That(combined.GetSchema("pacemaker-1.2").Validate(cib).IsValid, Is.False);
            Assert.That(() => combined.GetSchema("pacemaker-3.0"), Throws.TypeOf<CibSchemaNotFoundException>());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Test]
    public void The_combined_set_without_a_directory_has_the_embedded_versions()
    {
        var combined = CibSchemaSet.OpenCombined(new CibSchemaSetOptions { Directory = "/nonexistent/schemas" });
        Assert.That(combined.Versions, Is.EqualTo(EmbeddedCibSchemas.Names));
    }
}
