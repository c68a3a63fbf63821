using System.Text;
using System.Xml.Linq;
using Clustering.Cib.Validation;
using Clustering.TestSupport;

namespace Clustering.Cib.Tests;

/// <summary>
/// The scanned path keeps plain attribute values in the document's bytes: <see cref="Datatype.AllowsAscii"/> must
/// decide as <see cref="Datatype.Allows"/> on the same characters, the <see cref="IdSet"/> must treat a string and
/// bytes with the same characters as one ID, and validation over the scanner must report exactly what validation
/// over <c>XmlReader</c> reports for IDs and IDREFs written every way (plain, with references, with spaces).
/// </summary>
public sealed class ByteValueTests
{
    private static readonly CibSchemaSet Embedded = CibSchemaSet.OpenCombined(new CibSchemaSetOptions { Directory = "/nonexistent-schema-dir" });

    private static readonly (string Library, string Name)[] Types =
    [
        ("", "string"), ("", "token"), (Datatype.XsdLibrary, "string"), (Datatype.XsdLibrary, "token"),
        (Datatype.XsdLibrary, "normalizedString"), (Datatype.XsdLibrary, "anyURI"), (Datatype.XsdLibrary, "NCName"),
        (Datatype.XsdLibrary, "ID"), (Datatype.XsdLibrary, "IDREF"), (Datatype.XsdLibrary, "ENTITY"),
        (Datatype.XsdLibrary, "integer"), (Datatype.XsdLibrary, "nonNegativeInteger"), (Datatype.XsdLibrary, "IDREFS"),
        (Datatype.XsdLibrary, "boolean"),
    ];

    private static readonly string[] Edges =
    [
        "", " ", "  ", "\t", "\n", " \r\n", "a", " a", "a ", " a ", "\ta\n", "a b", "a  b", "0", "1", "-1", "+1", "+", "-", "+-1",
        "--1", " 42 ", "4 2", "1.0", "1e3", "0x1F", "007", "-0", "99999999999999999999999999999999999999999999", "- 1",
        "x1", "_x", "_", "1x", "-x", ".x", "x-", "x.", "a:b", ":a", "a-b.c_d", "A", "Z9", "é", "aé", "a\u00b7b", "\u0300a",
        "id-1", "rsc_ip", "g100-r0-stop", "a\u00a0b", "a\u0001b", "a&b", "a<b", "a\"b", "a'b", "a\u007fb", "true", "false",
    ];

    [Test]
    public void Allows_ascii_decides_as_allows_on_edge_random_and_corpus_values()
    {
        var values = new List<string>(Edges);
        var random = new Random(11);
        const string alphabet = "aZ_09-.:+ \té&";
        for (var i = 0; i < 3000; i++)
        {
            var chars = new char[random.Next(0, 12)];
            for (var j = 0; j < chars.Length; j++)
            {
                chars[j] = alphabet[random.Next(alphabet.Length)];
            }

            values.Add(new string(chars));
        }

        foreach (var file in Directory.GetFiles(Path.Combine(TestContext.CurrentContext.TestDirectory, "Corpus"), "*.xml"))
        {
            values.AddRange(XDocument.Load(file).Descendants().Attributes().Select(a => a.Value));
        }

        values.AddRange(CibGenerator.Generate(64 * 1024).Descendants().Attributes().Select(a => a.Value));
        var decided = 0;
        foreach (var (library, name) in Types)
        {
            var type = Datatype.Create(library, name, [], out var error)!;
            Assert.That(error, Is.Null);
            foreach (var value in values)
            {
                var answer = type.AllowsAscii(Encoding.UTF8.GetBytes(value));
                if (!Ascii.IsValid(value))
                {
                    Assert.That(answer, Is.Null, $"{name} '{value}': not ASCII, so not decided on bytes");
                    continue;
                }

                if (answer is { } allowed)
                {
                    Assert.That(allowed, Is.EqualTo(type.Allows(value)), $"{name} '{value}'");
                    decided++;
                }
            }
        }

        Assert.That(decided, Is.GreaterThan(values.Count * 4), "the byte check must decide the common datatypes");
        var faceted = Datatype.Create(Datatype.XsdLibrary, "integer", [("minInclusive", "10")], out _)!;
        Assert.That(faceted.AllowsAscii("5"u8), Is.Null, "facets are left to the string check");
    }

    [Test]
    public void The_id_set_takes_a_string_and_bytes_with_the_same_characters_as_one_id()
    {
        var set = new IdSet();
        var source = Encoding.ASCII.GetBytes("xx abc abd rsc-1 abc");
        set.Source = source;
        Assert.Multiple(() =>
        {
            Assert.That(set.AddAscii(3, 3), Is.True);
            Assert.That(set.Add("abc"), Is.False);
            Assert.That(set.AddAscii(17, 3), Is.False);
            Assert.That(set.Contains("abc"), Is.True);
            Assert.That(set.Contains("abd"), Is.False);
            Assert.That(set.Add("abd"), Is.True);
            Assert.That(set.AddAscii(7, 3), Is.False);
            Assert.That(set.AddAscii(11, 5), Is.True);
            Assert.That(set.Contains("rsc-1"), Is.True);
            Assert.That(set.Count, Is.EqualTo(3));
            Assert.That((set.Add("é-1"), set.Add("é-1"), set.Contains("é-1"), set.Contains("e-1")), Is.EqualTo((true, false, true, false)));
        });
        set.Remove("é-1");

        set.RemoveAscii(7, 3);
        set.Remove("rsc-1");
        Assert.That((set.Contains("abd"), set.Contains("rsc-1"), set.Contains("abc"), set.Count), Is.EqualTo((false, false, true, 1)));
        Assert.That(set.AddAscii(7, 3), Is.True, "a removed ID can be claimed again");

        // Growth and tombstones: many adds and removes, checked against a HashSet.
        var reference = new HashSet<string>(StringComparer.Ordinal) { "abc", "abd" };
        var random = new Random(3);
        for (var i = 0; i < 20000; i++)
        {
            var id = "id" + random.Next(5000).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (random.Next(3) == 0)
            {
                set.Remove(id);
                reference.Remove(id);
            }
            else
            {
                Assert.That(set.Add(id), Is.EqualTo(reference.Add(id)), id);
            }
        }

        Assert.That(set.Count, Is.EqualTo(reference.Count));
        Assert.That(reference.All(set.Contains), Is.True);
        set.Clear();
        Assert.That((set.Count, set.Contains("abc"), set.Source), Is.EqualTo((0, false, (byte[]?)null)));
    }

    [Test]
    public void Ids_that_differ_in_one_byte_anywhere_are_distinct_members_however_long()
    {
        // A hash of only some of the bytes (the first and last eight, say) would give these the same hash; the set must
        // still tell them apart by comparing, and find each one as a string and as bytes.
        foreach (var length in new[] { 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 48, 70 })
        {
            var set = new IdSet();
            var basis = new string('r', length);
            var ids = new List<string> { basis };
            for (var i = 0; i < length; i++)
            {
                ids.Add(string.Concat(basis.AsSpan(0, i), "s", basis.AsSpan(i + 1)));
            }

            var source = Encoding.ASCII.GetBytes(string.Join(' ', ids));
            set.Source = source;
            var start = 0;
            foreach (var id in ids)
            {
                Assert.That(set.AddAscii(start, id.Length), Is.True, $"{id} is new");
                start += id.Length + 1;
            }

            Assert.Multiple(() =>
            {
                Assert.That(set.Count, Is.EqualTo(ids.Count));
                Assert.That(ids.All(set.Contains), Is.True, $"length {length}: every ID is found as a string");
                Assert.That(ids.All(id => !set.Add(id)), Is.True, $"length {length}: every ID is a duplicate as a string");
                Assert.That(set.Contains(basis + "x"), Is.False);
                Assert.That(length == 1 || !set.Contains(basis[1..]), Is.True);
            });
        }
    }

    [Test]
    public void Repeated_attribute_values_written_other_ways_are_judged_as_over_xml_reader()
    {
        // The validator remembers the last plain value of a pattern and attribute name and reuses its verdict when the
        // next value has the same bytes: values with references, spaces or wrong values in between must not confuse it.
        var classes = new[] { "ocf", "ocf", "o&#99;f", "ocf", "ocf ", "ocf", "bad", "ocf", "bad", "bad", "lsb", "&#x6f;cf", "ocf" };
        var intervals = new[] { "0", "0", "10s", "0", "x", "0", " 0", "0", "&#48;", "0" };
        var primitives = new StringBuilder();
        for (var i = 0; i < classes.Length; i++)
        {
            primitives.Append(System.Globalization.CultureInfo.InvariantCulture, $"<primitive id=\"r{i}\" class=\"{classes[i]}\" provider=\"heartbeat\" type=\"Dummy\"><operations>");
            foreach (var interval in intervals.Skip(i % 3))
            {
                primitives.Append(System.Globalization.CultureInfo.InvariantCulture, $"<op id=\"r{i}-op{primitives.Length}\" name=\"monitor\" interval=\"{interval}\"/>");
            }

            primitives.Append("</operations></primitive>");
        }

        var xml = "<cib validate-with=\"pacemaker-1.2\" admin_epoch=\"0\" epoch=\"1\" num_updates=\"0\"><configuration><crm_config/><nodes/><resources>"
            + primitives + "</resources><constraints/></configuration><status/></cib>";
        var bytes = Encoding.UTF8.GetBytes(xml);
        var fast = Embedded.ValidateStream(new MemoryStream(bytes));
        var slow = Embedded.ValidateStreamWithReader(new MemoryStream(bytes));
        Assert.That(fast.Errors, Is.EqualTo(slow.Errors));
        Assert.That(fast.Errors.Count(e => e.Message.Contains("class", StringComparison.Ordinal)), Is.GreaterThanOrEqualTo(3), "the wrong classes are reported each time");

        // And the same document again on the warm cache: the same errors.
        Assert.That(Embedded.ValidateStream(new MemoryStream(bytes)).Errors, Is.EqualTo(slow.Errors));
    }

    [TestCase("id=\"a&#98;c\"", "id=\"abc\"")]
    [TestCase("id=\"abc\"", "id=\"a&#98;c\"")]
    [TestCase("id=\" abc \"", "id=\"abc\"")]
    [TestCase("id=\"abc\"", "id=\"abc \"")]
    [TestCase("id=\"abc\"", "id=\"abc\"")]
    [TestCase("id=\"1abc\"", "id=\"abc\"")]
    [TestCase("id=\"a b\"", "id=\"ab\"")]
    [TestCase("id=\"\"", "id=\"x\"")]
    [TestCase("id=\"é\"", "id=\"é\"")]
    [TestCase("id=\"a&#x20;\"", "id=\"a\"")]
    [TestCase("id=\"ab&#x63;\"", "id=\"abc\"")]
    [TestCase("id=\"&#97;bc\"", "id=\"a&#98;c\"")]
    [TestCase("id=\"abc\"", "id=\"&#x61;&#x62;&#x63;\"")]
    public void Ids_written_every_way_are_judged_as_over_xml_reader(string first, string second)
    {
        foreach (var reference in new[] { "abc", "ab", "a", "nope", "é", " abc " })
        {
            foreach (var constraintsFirst in new[] { false, true })
            {
                // The reference after the IDs it names (the common case), or before them.
                var constraints = $"<constraints><rsc_order id=\"o1\" first=\"{reference}\" then=\"x\"/></constraints>";
                var resources = $"<resources><primitive {first} class=\"ocf\" provider=\"heartbeat\" type=\"IPaddr2\"/><primitive {second} class=\"ocf\" provider=\"heartbeat\" type=\"IPaddr2\"/>"
                    + "<primitive id=\"x\" class=\"ocf\" provider=\"heartbeat\" type=\"IPaddr2\"/></resources>";
                var xml = "<cib validate-with=\"pacemaker-1.2\" admin_epoch=\"0\" epoch=\"1\" num_updates=\"0\"><configuration><crm_config/><nodes/>"
                    + (constraintsFirst ? constraints + resources : resources + constraints) + "</configuration><status/></cib>";
                var bytes = Encoding.UTF8.GetBytes(xml);
                var fast = Embedded.ValidateStream(new MemoryStream(bytes));
                var slow = Embedded.ValidateStreamWithReader(new MemoryStream(bytes));
                Assert.That(fast.Errors, Is.EqualTo(slow.Errors), $"{first} {second} -> {reference}");
            }
        }
    }

    [Test]
    public void An_idref_before_its_id_and_to_no_id_is_judged_as_over_xml_reader()
    {
        // Constraints written before the resources they name: their IDREFs are noted before the IDs are claimed.
        var valid = CibGenerator.Generate(32 * 1024);
        var constraints = valid.Descendants("constraints").Single();
        var configuration = constraints.Parent!;
        constraints.Remove();
        configuration.AddFirst(constraints);
        var broken = new XDocument(valid);
        broken.Descendants("rsc_order").First().SetAttributeValue("first", "no-such-resource");
        broken.Descendants("rsc_colocation").First().SetAttributeValue("with-rsc", " padded ");
        foreach (var document in new[] { valid, broken })
        {
            var bytes = Encoding.UTF8.GetBytes(document.ToString());
            var fast = Embedded.ValidateStream(new MemoryStream(bytes), "pacemaker-1.2");
            var slow = Embedded.ValidateStreamWithReader(new MemoryStream(bytes), "pacemaker-1.2");
            Assert.That(fast.Errors, Is.EqualTo(slow.Errors));
        }

        var errors = Embedded.ValidateStream(new MemoryStream(Encoding.UTF8.GetBytes(broken.ToString())), "pacemaker-1.2").Errors;
        Assert.That(errors.Select(e => e.Message), Has.Some.Contains("unknown ID 'no-such-resource'"));
    }
}
