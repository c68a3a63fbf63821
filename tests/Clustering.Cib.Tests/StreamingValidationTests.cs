using System.Text;
using System.Xml.Linq;
using System.Xml;
using Clustering.Cib.Validation;
using Clustering.TestSupport;

namespace Clustering.Cib.Tests;

/// <summary>
/// Validation straight from a reader (no tree) must say exactly what validation of the loaded tree says, and a
/// schema's warm derivative cache must never carry one document's IDs or errors into the next validation.
/// </summary>
public sealed class StreamingValidationTests
{
    private static readonly CibSchemaSet Embedded = CibSchemaSet.OpenCombined(new CibSchemaSetOptions { Directory = "/nonexistent-schema-dir" });

    private static string CorpusDirectory => Path.Combine(TestContext.CurrentContext.TestDirectory, "Corpus");

    private static RelaxNgValidationResult Streamed(CibSchemaSet set, string xml, string? schema = null)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(xml));
        return set.ValidateStream(stream, schema);
    }

    public static IEnumerable<TestCaseData> EngineCases()
        => RelaxNgCases.Documents.Select((c, i) => new TestCaseData(c.Schema, c.Document, c.Valid).SetName($"streamed {c.Schema} #{i:00} {(c.Valid ? "valid" : "invalid")}"));

    [TestCaseSource(nameof(EngineCases))]
    public void A_streamed_engine_case_gets_the_tree_verdict_and_errors(string schemaName, string document, bool valid)
    {
        var dir = Directory.CreateTempSubdirectory("rng-stream-");
        try
        {
            var schema = RelaxNgSchema.Load(RelaxNgCases.WriteAll(dir.FullName)[schemaName]);
            var tree = schema.Validate(CibDocument.Parse(document).Document);
            using var reader = XmlReader.Create(new StringReader(document), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, IgnoreWhitespace = true });
            var streamed = schema.ValidateReader(reader);
            Assert.That(streamed.IsValid, Is.EqualTo(valid), string.Join(Environment.NewLine, streamed.Errors));
            Assert.That(streamed.Errors, Is.EqualTo(tree.Errors));

            // The schema's own stream path (clusterctl validate --schema FILE.rng) says the same.
            using var bytes = new MemoryStream(Encoding.UTF8.GetBytes(document));
            Assert.That(schema.ValidateStream(bytes).Errors, Is.EqualTo(tree.Errors));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Test]
    public void Streamed_errors_equal_tree_errors_on_the_corpus_and_its_mutations()
    {
        var compared = 0;
        var invalid = 0;
        foreach (var source in Directory.GetFiles(CorpusDirectory, "*.xml").Order(StringComparer.Ordinal))
        {
            var original = XDocument.Load(source);
            var random = new Random(Path.GetFileName(source).Length * 31);
            for (var i = -1; i < 32; i++)
            {
                var doc = new XDocument(original);
                if (i >= 0)
                {
                    Mutations.Apply(doc, random, i);
                }

                // Saved and re-read, so both sides see the same lines and positions.
                var text = doc.ToString();
                foreach (var schema in Embedded.Versions)
                {
                    var tree = Embedded.Validate(CibDocument.Parse(text), schema);
                    var streamed = Streamed(Embedded, text, schema);
                    Assert.That(streamed.Errors, Is.EqualTo(tree.Errors), $"{Path.GetFileName(source)} mutation {i} against {schema}");
                    Assert.That(streamed.SchemaName, Is.EqualTo(schema));
                    compared++;
                    invalid += tree.IsValid ? 0 : 1;
                }
            }
        }

        Assert.That(compared, Is.GreaterThan(300));
        Assert.That(invalid, Is.InRange(compared / 10, compared - 1), "both verdicts must be exercised");
    }

    [Test]
    public void The_warm_cache_does_not_carry_ids_or_errors_between_documents()
    {
        var schema = Embedded.GetSchema("pacemaker-1.2");
        var (valid, broken) = ValidAndBroken();

        Assert.That(schema.Validate(valid).IsValid, Is.True);
        var errors = schema.Validate(broken).Errors;
        Assert.That(errors.Select(e => e.Message), Has.Some.Contains("already used").And.Some.Contains("unknown ID 'no-such-group'"));

        // The same document again (every ID seen before by the cache) is still valid, and the broken one still broken.
        Assert.That(schema.Validate(valid).IsValid, Is.True);
        Assert.That(Streamed(Embedded, valid.ToString()).IsValid, Is.True);
        Assert.That(schema.Validate(broken).Errors, Is.EqualTo(errors));
    }

    [Test]
    public void Concurrent_validations_of_one_schema_agree()
    {
        var schema = Embedded.GetSchema("pacemaker-1.2");
        var valid = CibGenerator.Generate(128 * 1024);
        var broken = new XDocument(valid);
        broken.Descendants("op").First().SetAttributeValue("interval", null);
        var expected = schema.Validate(broken).Errors;
        Assert.That(expected, Is.Not.Empty);
        var results = new RelaxNgValidationResult[16];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => results[i] = schema.Validate(i % 2 == 0 ? valid : broken));
        for (var i = 0; i < results.Length; i++)
        {
            Assert.That(results[i].Errors, i % 2 == 0 ? Is.Empty : Is.EqualTo(expected), $"run {i}");
        }
    }

    [Test]
    public void Validate_stream_refuses_malformed_or_hostile_input_with_a_typed_error()
    {
        var malformed = Assert.Throws<CibLoadException>(() => Streamed(Embedded, "<cib validate-with='pacemaker-1.2'>\n<configuration>\n</cib>"));
        Assert.That(malformed!.LineNumber, Is.EqualTo(3));

        // A malformed tail after a complete root is refused as well, and a DTD is never processed.
        Assert.Throws<CibLoadException>(() => Streamed(Embedded, "<cib validate-with='none'/><cib/>"));
        Assert.Throws<CibLoadException>(() => Streamed(Embedded, "<!DOCTYPE cib [<!ENTITY x 'y'>]><cib validate-with='pacemaker-1.2'>&x;</cib>"));
        Assert.Throws<CibLoadException>(() => Streamed(Embedded, ""));

        // Malformed input is reported before an unknown schema, as when the document is loaded first.
        Assert.Throws<CibLoadException>(() => Streamed(Embedded, "<cib validate-with='pacemaker-9.9'><x></cib>"));
        Assert.Throws<CibSchemaNotFoundException>(() => Streamed(Embedded, "<cib validate-with='pacemaker-9.9'/>"));
        Assert.Throws<CibSchemaNotFoundException>(() => Streamed(Embedded, "<cib/>"));
    }

    [Test]
    public void A_schema_validates_a_stream_as_its_loaded_tree_and_refuses_malformed_input()
    {
        var schema = Embedded.GetSchema("pacemaker-1.2");
        var (valid, broken) = ValidAndBroken();
        foreach (var document in new[] { valid, broken })
        {
            var text = document.ToString();
            var tree = schema.Validate(CibDocument.Parse(text).Document);
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
            Assert.That(schema.ValidateStream(stream).Errors, Is.EqualTo(tree.Errors));
        }

        RelaxNgValidationResult Stream(string xml) => schema.ValidateStream(new MemoryStream(Encoding.UTF8.GetBytes(xml)));
        Assert.That(Assert.Throws<CibLoadException>(() => Stream("<cib>\n<configuration>\n</cib>"))!.LineNumber, Is.EqualTo(3));
        Assert.Throws<CibLoadException>(() => Stream("<cib/><cib/>"));
        Assert.Throws<CibLoadException>(() => Stream(""));
        Assert.Throws<CibLoadException>(() => Stream("<!DOCTYPE cib [<!ENTITY x 'y'>]><cib>&x;</cib>"));
        Assert.Throws<ArgumentNullException>(() => schema.ValidateStream(null!));
    }

    [Test]
    public void Validate_stream_honours_none_and_names_the_schema_used()
    {
        var none = Streamed(Embedded, "<cib validate-with='none'><anything/></cib>");
        Assert.That((none.IsValid, none.SchemaName), Is.EqualTo((true, CibSchemaSet.None)));

        var wrong = Streamed(Embedded, "<cib validate-with='pacemaker-1.2' admin_epoch='0' epoch='1' num_updates='0'>\n  <configuration/>\n</cib>");
        Assert.That(wrong.SchemaName, Is.EqualTo("pacemaker-1.2"));
        Assert.That(wrong.Errors, Is.Not.Empty);
        Assert.That(wrong.Errors[0].LineNumber, Is.EqualTo(2));
        Assert.That(wrong.Errors[0].Path, Is.EqualTo("/cib/configuration"));
    }

    /// <summary>A generated 64 KiB CIB, and a copy with a duplicate primitive id and an order naming no resource.</summary>
    private static (XDocument Valid, XDocument Broken) ValidAndBroken()
    {
        var valid = CibGenerator.Generate(64 * 1024);
        var broken = new XDocument(valid);
        var primitives = broken.Descendants("primitive").ToList();
        primitives[1].SetAttributeValue("id", (string?)primitives[0].Attribute("id"));
        broken.Descendants("rsc_order").First().SetAttributeValue("first", "no-such-group");
        return (valid, broken);
    }
}
