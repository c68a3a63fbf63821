using System.Xml.Linq;
using Clustering.Cib.Validation;

namespace Clustering.Cib.Tests;

public sealed class RelaxNgEngineTests
{
    private static readonly Dictionary<string, RelaxNgSchema> Compiled = [];
    private static DirectoryInfo s_dir = null!;
    private static Dictionary<string, string> s_mains = null!;

    [OneTimeSetUp]
    public static void WriteSchemas()
    {
        s_dir = Directory.CreateTempSubdirectory("rng-cases-");
        s_mains = RelaxNgCases.WriteAll(s_dir.FullName);
    }

    [OneTimeTearDown]
    public static void Cleanup() => s_dir.Delete(recursive: true);

    private static string SchemaPath(string name) => s_mains[name];

    private static RelaxNgSchema Schema(string name)
    {
        lock (Compiled)
        {
            if (!Compiled.TryGetValue(name, out var schema))
            {
                Compiled[name] = schema = RelaxNgSchema.Load(SchemaPath(name));
            }

            return schema;
        }
    }

    public static IEnumerable<TestCaseData> Cases()
        => RelaxNgCases.Documents.Select((c, i) => new TestCaseData(c.Schema, c.Document, c.Valid).SetName($"{c.Schema} #{i:00} {(c.Valid ? "valid" : "invalid")}"));

    [TestCaseSource(nameof(Cases))]
    public void Verdict_matches_the_specification(string schema, string document, bool valid)
    {
        var result = Schema(schema).Validate(CibDocument.Parse(document).Document);
        Assert.That(result.IsValid, Is.EqualTo(valid), string.Join(Environment.NewLine, result.Errors));
        Assert.That(result.Errors, valid ? Is.Empty : Is.Not.Empty);
    }

    [Test]
    public void Errors_carry_line_position_path_and_what_was_expected()
    {
        var doc = CibDocument.Parse("<r>\n  <a/>\n  <zzz/>\n  <d/>\n</r>");
        var error = Schema("structure").Validate(doc.Document).Errors.Single();
        Assert.Multiple(() =>
        {
            Assert.That(error.LineNumber, Is.EqualTo(3));
            Assert.That(error.LinePosition, Is.EqualTo(4));
            Assert.That(error.Path, Is.EqualTo("/r/zzz"));
            Assert.That(error.Message, Does.Contain("element <zzz> is not allowed here"));
            Assert.That(error.Message, Does.Contain("<b>").And.Contain("<c>").And.Contain("<d>"));
        });
    }

    [Test]
    public void An_incomplete_element_names_what_is_missing()
    {
        var error = Schema("structure").Validate(CibDocument.Parse("<r><a/></r>").Document).Errors.Single();
        Assert.That(error.Message, Does.Contain("element <r> is incomplete; expected <b>, <c>, <d>").Or.Contain("<d>"));
    }

    [Test]
    public void A_bad_enumerated_value_lists_the_choices()
    {
        var error = Schema("datatypes").Validate(CibDocument.Parse("<r><num v='8'/></r>").Document).Errors.Single();
        Assert.That(error.Message, Is.EqualTo("attribute v has an invalid value '8'; expected '7'"));
        Assert.That(error.Path, Is.EqualTo("/r/num"));
    }

    [Test]
    public void Errors_after_the_first_are_found_too()
    {
        var doc = CibDocument.Parse("<r><item id='a'/><bogus/><item id='a'/><link to='nowhere'/></r>");
        var errors = Schema("ids").Validate(doc.Document).Errors;
        Assert.That(errors, Has.Count.EqualTo(3));
        Assert.That(errors[0].Message, Does.Contain("<bogus>"));
        Assert.That(errors[1].Message, Does.Contain("ID 'a'"));
        Assert.That(errors[2].Message, Does.Contain("unknown ID 'nowhere'"));
        Assert.That(errors[1].Path, Is.EqualTo("/r/item[@id='a']"));
    }

    [Test]
    public void The_error_count_is_capped_but_validity_is_not_affected()
    {
        var doc = CibDocument.Parse("<n>" + string.Concat(Enumerable.Repeat("<m/>", 50)) + "</n>");
        var result = Schema("recursive").Validate(doc.Document, new RelaxNgValidationOptions { MaxErrors = 5 });
        Assert.That(result.Errors, Has.Count.EqualTo(5));
        Assert.That(result.IsValid, Is.False);
    }

    [Test]
    public void The_same_schema_validates_concurrently()
    {
        var schema = Schema("recursive");
        var good = XDocument.Parse("<n v='1'><n/><n><n/></n></n>");
        var bad = XDocument.Parse("<n><x/></n>");
        Parallel.For(0, 64, i =>
        {
            var result = schema.Validate(i % 2 == 0 ? good : bad);
            Assert.That(result.IsValid, Is.EqualTo(i % 2 == 0));
        });
    }

    [Test]
    public void Cancellation_is_honoured()
    {
        var doc = XDocument.Parse("<n>" + string.Concat(Enumerable.Repeat("<n/>", 5000)) + "</n>");
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => Schema("recursive").Validate(doc, null, cts.Token));
    }

    [Test]
    public void A_tree_deeper_than_any_loaded_document_is_refused_without_recursing()
    {
        var root = new XElement("n");
        var leaf = root;
        for (var i = 0; i < 20_000; i++)
        {
            var child = new XElement("n");
            leaf.Add(child);
            leaf = child;
        }

        var result = Schema("recursive").Validate(new XDocument(root));
        Assert.That(result.IsValid, Is.False);
        Assert.That(result.Errors[0].Message, Does.Contain("nested deeper than 1024 levels"));
    }

    [TestCase("<grammar xmlns='http://relaxng.org/ns/structure/1.0'><start><ref name='nope'/></start></grammar>", "undefined pattern 'nope'")]
    [TestCase("<grammar xmlns='http://relaxng.org/ns/structure/1.0'><start><ref name='a'/></start><define name='a'><ref name='a'/></define></grammar>", "refers to itself")]
    [TestCase("<grammar xmlns='http://relaxng.org/ns/structure/1.0'><start><element name='r'><data type='integer'/></element></start></grammar>", "not in the built-in library")]
    [TestCase("<grammar xmlns='http://relaxng.org/ns/structure/1.0' datatypeLibrary='http://www.w3.org/2001/XMLSchema-datatypes'><start><element name='r'><data type='frob'/></element></start></grammar>", "not an XML Schema datatype")]
    [TestCase("<grammar xmlns='http://relaxng.org/ns/structure/1.0'><start><element name='r'><empty/></element></start><define name='x'><empty/></define><define name='x'><text/></define></grammar>", "without a combine")]
    [TestCase("<grammar xmlns='http://relaxng.org/ns/structure/1.0'><start><element name='r'><externalRef href='absent.rng'/></element></start></grammar>", "cannot read schema")]
    [TestCase("<grammar xmlns='http://relaxng.org/ns/structure/1.0'><start><element name='r'><frob/></element></start></grammar>", "not a RELAX NG pattern")]
    [TestCase("<notrng/>", "not in the RELAX NG namespace")]
    [TestCase("<grammar xmlns='http://relaxng.org/ns/structure/1.0'><include href='main.rng'/><start><empty/></start></grammar>", "include loop")]
    [TestCase("<!DOCTYPE g [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><grammar xmlns='http://relaxng.org/ns/structure/1.0'/>", "cannot read schema")]
    public void Broken_schemas_are_typed_errors_with_a_place(string text, string expected)
    {
        var dir = Directory.CreateTempSubdirectory("rng-broken-");
        try
        {
            var path = Path.Combine(dir.FullName, "main.rng");
            File.WriteAllText(path, text);
            var e = Assert.Throws<RelaxNgSchemaException>(() => RelaxNgSchema.Load(path));
            Assert.That(e!.Message, Does.Contain(expected));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Test]
    public void Foreign_elements_and_text_between_patterns_are_skipped_and_ID_attributes_are_found_however_their_content_is_shaped()
    {
        // Annotations (a foreign namespace) and whitespace sit between the RELAX NG children the compiler walks;
        // 'id' is a single ID leaf, 'key' an ID inside a choice, 'ref' an IDREF inside a group with a list.
        const string Text = """
            <grammar xmlns='http://relaxng.org/ns/structure/1.0' xmlns:a='urn:annotations'
                     datatypeLibrary='http://www.w3.org/2001/XMLSchema-datatypes'>
              <a:doc>the start</a:doc>
              <start>
                <element name='r'>
                  <a:doc>items</a:doc>
                  <oneOrMore>
                    <element name='i'>
                      <optional><attribute name='id'><data type='ID'/></attribute></optional>
                      <a:note/>
                      <optional><attribute name='key'><choice><value type='string'>none</value><data type='ID'/></choice></attribute></optional>
                      <optional><attribute name='ref'><data type='IDREF'/></attribute></optional>
                    </element>
                  </oneOrMore>
                </element>
              </start>
            </grammar>
            """;
        var dir = Directory.CreateTempSubdirectory("rng-shapes-");
        try
        {
            var path = Path.Combine(dir.FullName, "main.rng");
            File.WriteAllText(path, Text);
            var schema = RelaxNgSchema.Load(path);

            RelaxNgValidationResult Check(string xml) => schema.Validate(CibDocument.Parse(xml).Document);
            Assert.That(Check("<r><i id='a'/><i key='b'/><i key='none'/><i ref='a'/><i ref='b'/></r>").Errors, Is.Empty);
            Assert.That(Check("<r><i id='a'/><i id='a'/></r>").Errors.Select(e => e.Message), Has.Some.Contain("already used"));
            Assert.That(Check("<r><i id='a'/><i key='a'/></r>").Errors.Select(e => e.Message), Has.Some.Contain("already used"));
            Assert.That(Check("<r><i ref='zz'/></r>").Errors.Select(e => e.Message), Has.Some.Contain("unknown ID 'zz'"));
            Assert.That(Check("<r><a:doc xmlns:a='urn:annotations'/></r>").IsValid, Is.False, "annotations in the schema are not patterns");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
