using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Clustering.Cib.Validation;
using Clustering.Cib.Scanning;
using Clustering.TestSupport;

namespace Clustering.Cib.Tests;

/// <summary>
/// Our UTF-8 scanner against <see cref="XmlReader"/> with the hardened settings: on every document it either gives
/// up or reports exactly the reader's elements, attributes, end tags and text with the same lines and positions, and
/// validation over it gives exactly the errors of validation over the reader.
/// </summary>
public sealed class Utf8XmlScannerTests
{
    private static readonly CibSchemaSet Embedded = CibSchemaSet.OpenCombined(new CibSchemaSetOptions { Directory = "/nonexistent-schema-dir" });

    private static string CorpusDirectory => Path.Combine(TestContext.CurrentContext.TestDirectory, "Corpus");

    /// <summary>Small documents that use what the scanner handles: namespaces, references, CDATA, comments, PIs, CR LF, non-ASCII.</summary>
    private static readonly string[] Seeds =
    [
        SampleCibs.Small,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<!-- head -->\r\n<cib validate-with=\"pacemaker-1.2\" epoch='1'>\r\n  <configuration a=\"x&#9;y&#10;z\tw\r\nv\" b='&lt;&gt;&amp;&quot;&apos;'>text &amp; more\r\n<![CDATA[raw <stuff> & ]] ]]><?pi data?>tail</configuration>\r\n</cib>\r\n<!-- tail -->\n",
        "<r xmlns=\"urn:d\" xmlns:p=\"urn:p\"><p:a p:x=\"1\" y=\"2\"><b xmlns=\"\" z=\"é😀\">zé&#xE9;&#x1F600;&#233;</b></p:a><c xmlns:p=\"urn:q\"><p:d/></c></r>",
        "\uFEFF<?xml version='1.0' standalone='yes'?><a>\n\t<b>  x  </b>\n\t<c\n  d = \"1\"\n  e='2'\n/>\n</a>",
        "<a><b>1</b><!-- x - y --><b>2</b>x<?p?>y<b/> <![CDATA[ ]]> </a>",
    ];

    private static readonly string[] Insertions =
    [
        "&", "<", ">", "]]>", "--", "\r\n", "\r", "\t", "\n", "&#x20;", "&#9;", "&#13;", "&#10;", "&amp;", "&foo;", "&#0;", "&#xD800;", "&#x110000;",
        "&#65", "'", "\"", "=", " a='1'", " xmlns:q='urn:q'", " xmlns=''", " q:b='2'", "q:", ":", "<!DOCTYPE a>", "<?xml version='1.0'?>", "\uFEFF",
        "é", "😀", "\u0085", "\u2028", "\uFFFE", "<![CDATA[x]]>", "<?pi x?>", "<!-- c -->", "<x/>", "</x>", " xml:space='preserve'", "&lt;", "\u0001", "\u007F",
    ];

    private static readonly byte[][] RawInsertions = [[0xC3], [0xFF], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xEF, 0xBB, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0x00]];

    [Test]
    public void The_scanner_reads_what_xml_reader_reads_on_the_seeds()
    {
        foreach (var seed in Seeds)
        {
            var bytes = Encoding.UTF8.GetBytes(seed);
            var (scanned, gaveUp) = Scan(bytes, CibLoadOptions.Default);
            Assert.That(gaveUp, Is.Null, seed);
            Assert.That(scanned, Is.EqualTo(Read(bytes, CibLoadOptions.Default)), seed);
        }
    }

    [Test]
    public void Whitespace_is_kept_as_xml_reader_keeps_it_when_asked()
    {
        var options = new CibLoadOptions { PreserveWhitespace = true };
        foreach (var seed in Seeds)
        {
            var bytes = Encoding.UTF8.GetBytes(seed);
            var (scanned, gaveUp) = Scan(bytes, options);
            Assert.That(gaveUp, Is.Null, seed);
            Assert.That(scanned, Is.EqualTo(Read(bytes, options)), seed);
        }

        Assert.That(Scan(Encoding.UTF8.GetBytes("<a>\r\n <b/>\n</a>"), options).Nodes, Has.Some.EqualTo("Whitespace \"\\n \" 1:4"));
    }

    [Test]
    public void Five_thousand_mutated_documents_are_read_exactly_as_xml_reader_reads_them_or_given_up()
    {
        var random = new Random(20261201);
        var accepted = 0;
        var gaveUp = 0;
        var refusedByReader = 0;
        for (var i = 0; i < 5000; i++)
        {
            var bytes = Mutate(Encoding.UTF8.GetBytes(Seeds[i % Seeds.Length]), random, 1 + (i % 4 / 3));
            var options = i % 7 == 0 ? new CibLoadOptions { PreserveWhitespace = true } : CibLoadOptions.Default;
            var reference = Read(bytes, options);
            var (scanned, reason) = Scan(bytes, options);
            refusedByReader += reference[^1].StartsWith("refused", StringComparison.Ordinal) ? 1 : 0;
            if (reason is not null)
            {
                gaveUp++;
                continue;
            }

            accepted++;
            Assert.That(scanned, Is.EqualTo(reference), () => $"document {i}: {Show(bytes)}");
        }

        TestContext.Out.WriteLine($"scanner accepted {accepted}, gave up on {gaveUp}; XmlReader refused {refusedByReader}");
        Assert.That(accepted, Is.GreaterThan(800), "the mutations must leave many documents the scanner reads");
        Assert.That(gaveUp, Is.GreaterThanOrEqualTo(refusedByReader), "everything XmlReader refuses, the scanner gives up on");
        Assert.That(refusedByReader, Is.GreaterThan(1000), "the mutations must break many documents");
    }

    [Test]
    public void Validation_over_the_scanner_equals_validation_over_xml_reader_on_the_corpus_and_its_mutations()
    {
        var compared = 0;
        var invalid = 0;
        foreach (var source in Directory.GetFiles(CorpusDirectory, "*.xml").Order(StringComparer.Ordinal))
        {
            var original = XDocument.Load(source);
            var random = new Random(Path.GetFileName(source).Length * 17);
            for (var i = -1; i < 8; i++)
            {
                var doc = new XDocument(original);
                if (i >= 0)
                {
                    Mutations.Apply(doc, random, i);
                }

                var bytes = i < 0 ? File.ReadAllBytes(source) : Encoding.UTF8.GetBytes(doc.ToString());
                Assert.That(Scan(bytes, CibLoadOptions.Default).GaveUp, Is.Null, $"{source} mutation {i}: the fast path must be taken");
                foreach (var schema in Embedded.Versions)
                {
                    var (fast, reference) = BothWays(Embedded, bytes, schema);
                    Assert.That(fast.Errors, Is.EqualTo(reference.Errors), $"{Path.GetFileName(source)} mutation {i} against {schema}");
                    Assert.That(fast.SchemaName, Is.EqualTo(reference.SchemaName));
                    compared++;
                    invalid += reference.IsValid ? 0 : 1;
                }
            }
        }

        Assert.That(compared, Is.GreaterThan(100));
        Assert.That(invalid, Is.InRange(compared / 10, compared - 1), "both verdicts must be exercised");
    }

    [Test]
    public void Validation_over_the_scanner_equals_validation_over_xml_reader_on_the_sample_and_a_generated_one_megabyte_cib()
    {
        var large = new MemoryStream();
        CibGenerator.Generate(1 << 20).Save(large);
        var small = Encoding.UTF8.GetBytes(SampleCibs.Small);
        foreach (var bytes in new[] { small, large.ToArray() })
        {
            Assert.That(Scan(bytes, CibLoadOptions.Default).GaveUp, Is.Null);
            foreach (var schema in Embedded.Versions)
            {
                var (fast, reference) = BothWays(Embedded, bytes, schema);
                Assert.That(fast.Errors, Is.EqualTo(reference.Errors), schema);
            }

            // And with the document's own validate-with.
            var (own, ownReference) = BothWays(Embedded, bytes, null);
            Assert.That(own.IsValid, Is.True, string.Join(Environment.NewLine, own.Errors.Take(5)));
            Assert.That(own.SchemaName, Is.EqualTo(ownReference.SchemaName));
        }
    }

    [Test]
    public void Validation_of_mutated_documents_gives_the_same_result_or_the_same_refusal_both_ways()
    {
        var random = new Random(6);
        var outcomes = new HashSet<string>();
        for (var i = 0; i < 600; i++)
        {
            var bytes = Mutate(Encoding.UTF8.GetBytes(SampleCibs.Small), random, 1 + (i % 2));
            var fast = Outcome(() => Embedded.ValidateStream(new MemoryStream(bytes)));
            var reference = Outcome(() => Embedded.ValidateStreamWithReader(new MemoryStream(bytes)));
            Assert.That(fast, Is.EqualTo(reference), () => Show(bytes));
            outcomes.Add(fast.Split(':')[0]);
        }

        Assert.That(outcomes, Is.SupersetOf(new[] { "valid", "invalid", nameof(CibLoadException) }));
    }

    [TestCase("<!DOCTYPE cib [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><cib validate-with=\"pacemaker-1.2\">&x;</cib>")]
    [TestCase("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\"><!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]><cib>&lol3;</cib>")]
    [TestCase("<?xml version=\"1.1\"?><cib validate-with=\"pacemaker-1.2\"/>")]
    [TestCase("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><cib validate-with=\"pacemaker-1.2\"><x></cib>")]
    [TestCase("<cib validate-with=\"pacemaker-1.2\"><configuration></cib>")]
    [TestCase("<cib validate-with=\"pacemaker-1.2\"/><cib/>")]
    [TestCase("<cib validate-with=\"pacemaker-1.2\" a=\"1\" a=\"2\"/>")]
    [TestCase("")]
    public void Hostile_or_broken_input_is_refused_as_xml_reader_refuses_it(string xml)
    {
        var bytes = Encoding.UTF8.GetBytes(xml);
        Assert.That(Scan(bytes, CibLoadOptions.Default).GaveUp, Is.Not.Null);
        var fast = Assert.Throws<CibLoadException>(() => Embedded.ValidateStream(new MemoryStream(bytes)))!;
        var reference = Assert.Throws<CibLoadException>(() => Embedded.ValidateStreamWithReader(new MemoryStream(bytes)))!;
        Assert.That((fast.Message, fast.LineNumber, fast.LinePosition), Is.EqualTo((reference.Message, reference.LineNumber, reference.LinePosition)));
    }

    [Test]
    public void Deep_nesting_and_huge_attribute_counts_are_refused_quickly_with_the_reader_s_error()
    {
        var deep = string.Concat(Enumerable.Repeat("<a>", 10_000)) + string.Concat(Enumerable.Repeat("</a>", 10_000));
        var wide = "<cib " + string.Join(' ', Enumerable.Range(0, 10_000).Select(i => $"a{i}=\"{i}\"")) + "/>";
        foreach (var xml in new[] { deep, wide })
        {
            var bytes = Encoding.UTF8.GetBytes(xml);
            CibLoadException? fast = null;
            var cpu = ThreadCpuClock.Measure(() => fast = Assert.Throws<CibLoadException>(() => Embedded.ValidateStream(new MemoryStream(bytes), "pacemaker-1.2")));
            Assert.That(cpu, Is.LessThan(TimeSpan.FromSeconds(2)), "CPU time (a wall clock also counts the waits of a loaded machine)");
            var reference = Assert.Throws<CibLoadException>(() => Embedded.ValidateStreamWithReader(new MemoryStream(bytes), "pacemaker-1.2"))!;
            Assert.That((fast!.Message, fast.LineNumber, fast.LinePosition), Is.EqualTo((reference.Message, reference.LineNumber, reference.LinePosition)));
        }
    }

    [Test]
    public void A_non_seekable_stream_over_the_size_limit_is_replayed_whole_to_xml_reader()
    {
        var options = new CibLoadOptions { MaxCharactersInDocument = 200 };
        var xml = Encoding.UTF8.GetBytes("<cib validate-with=\"pacemaker-1.2\">" + new string(' ', 400) + "</cib>");
        var fast = Assert.Throws<CibLoadException>(() => Embedded.ValidateStream(new OneWayStream(xml), null, options))!;
        var reference = Assert.Throws<CibLoadException>(() => Embedded.ValidateStreamWithReader(new MemoryStream(xml), null, options))!;
        Assert.That(fast.Message, Is.EqualTo(reference.Message));

        // A refused document from a non-seekable stream: the fallback sees exactly the same bytes.
        var doctype = Encoding.UTF8.GetBytes("<!DOCTYPE cib><cib validate-with=\"pacemaker-1.2\"/>");
        var refused = Assert.Throws<CibLoadException>(() => Embedded.ValidateStream(new OneWayStream(doctype)))!;
        Assert.That(refused.Message, Is.EqualTo(Assert.Throws<CibLoadException>(() => Embedded.ValidateStreamWithReader(new MemoryStream(doctype)))!.Message));

        // And one the scanner reads, from a non-seekable stream in small pieces.
        var small = Encoding.UTF8.GetBytes(SampleCibs.Small);
        Assert.That(Embedded.ValidateStream(new OneWayStream(small)).IsValid, Is.True);
    }

    [Test]
    public void Names_are_atomised_and_the_position_of_a_tag_is_that_of_its_name()
    {
        var bytes = Encoding.UTF8.GetBytes("<a>\n  <nvpair id=\"1\"/>\n  <nvpair id=\"2\"/>\n</a>");
        var scanner = new Utf8XmlScanner(bytes, bytes.Length, CibLoadOptions.Default);
        var names = new List<XName>();
        var locals = new List<string>();
        while (scanner.Read())
        {
            if (scanner.NodeType == XmlNodeType.Element && scanner.LocalName == "nvpair")
            {
                names.Add(scanner.Name);
                locals.Add(scanner.Attributes[0].Name.LocalName);
                Assert.That((scanner.LineNumber, scanner.LinePosition), Is.EqualTo((names.Count + 1, 4)));
                Assert.That((scanner.Attributes[0].Line, scanner.Attributes[0].Position), Is.EqualTo((names.Count + 1, 11)));
            }
        }

        Assert.That(names, Has.Count.EqualTo(2));
        Assert.That(ReferenceEquals(names[0], names[1]), Is.True);
        Assert.That(ReferenceEquals(locals[0], locals[1]), Is.True);
    }

    /// <summary>Documents where the name guessed from the last start tag of the same name is right, a prefix, longer, or wrong.</summary>
    private static readonly string[] GuessCases =
    [
        "<a><b x='1' y='2'/><b x='3' y='4'/><b x='5' y='6'/></a>",
        "<a><b x='1' y='2'/><b xy='3' y='4'/><b x='5' yz='6'/><b x='7'/><b x='8' y='9' z='0'/></a>",
        "<a><b xy='1'/><b x='2'/><b x\n='3'/><b x\t=\n'4'/><b x = '5'/></a>",
        "<a><b/><bc/><b/><bc/><bcd/><b></b><bc></bc></a>",
        "<a><nvpair id='1' name='n' value='v'/><nvpair id='2' value='v' name='n'/><nvpair name='n' id='3'/></a>",
        "<a xmlns:p='urn:p'><b p:x='1'/><b p:x='2' x='3'/><b x='4' p:x='5'/><p:b x='6'/><b p='7'/></a>",
        "<a><b x='1'/><b x='2' x='3'/></a>",
        "<a><b x='1'/><b x:y='2'/></a>",
        "<a><b x='1'/><b xé='2'/></a>",
        "<a><bb/><bbé/></a>",
        "<a><b x='1'/><b x/></a>",
        "<a><b x='1'/><b x",
        "<a><b/><b",
        "<a><b/><b/><bb",
        "<a><?p x?><?p y?><?pp z?></a>",
        "<a><b x='1'/><b x='1'></b><b\nx='2'\n/></a>",
        "<a><b:c xmlns:b='urn:b'/><b/><b:c xmlns:b='urn:b'/></a>",
    ];

    [Test]
    public void Names_guessed_from_the_last_start_tag_are_read_as_xml_reader_reads_them_or_given_up()
    {
        var scannedWhole = 0;
        foreach (var xml in GuessCases)
        {
            var bytes = Encoding.UTF8.GetBytes(xml);
            var (scanned, gaveUp) = Scan(bytes, CibLoadOptions.Default);
            var read = Read(bytes, CibLoadOptions.Default);
            if (gaveUp is null)
            {
                Assert.That(scanned, Is.EqualTo(read), xml);
                scannedWhole++;
            }
            else
            {
                // Giving up is only right for what the scanner does not handle or what XmlReader refuses too.
                Assert.That(read[^1].StartsWith("refused", StringComparison.Ordinal) || xml.Contains('é', StringComparison.Ordinal), Is.True, $"{xml}: gave up ({gaveUp}) on a document XmlReader reads");
            }
        }

        Assert.That(scannedWhole, Is.GreaterThanOrEqualTo(8), "the well-formed ASCII cases must be scanned, not given up");
    }

    [Test]
    public void One_character_names_and_names_at_the_end_of_the_buffer_are_scanned_exactly()
    {
        // The same document cut at every length: a name that ends where the buffer ends is never taken as whole.
        var bytes = Encoding.UTF8.GetBytes("<a><b c='1' d='2'/><b c='3' d='4'/><b c='5'/><bb/><b/></a>");
        for (var length = 1; length <= bytes.Length; length++)
        {
            var cut = bytes[..length];
            var (scanned, gaveUp) = Scan(cut, CibLoadOptions.Default);
            var read = Read(cut, CibLoadOptions.Default);
            if (gaveUp is null)
            {
                Assert.That(scanned, Is.EqualTo(read), Encoding.ASCII.GetString(cut));
            }
            else
            {
                Assert.That(read[^1], Does.StartWith("refused"), Encoding.ASCII.GetString(cut));
            }
        }
    }

    private static (RelaxNgValidationResult Fast, RelaxNgValidationResult Reference) BothWays(CibSchemaSet set, byte[] bytes, string? schema)
        => (set.ValidateStream(new MemoryStream(bytes), schema), set.ValidateStreamWithReader(new MemoryStream(bytes), schema));

    private static string Outcome(Func<RelaxNgValidationResult> validate)
    {
        try
        {
            var result = validate();
            return (result.IsValid ? "valid" : "invalid") + ": " + string.Join(" | ", result.Errors);
        }
        catch (Exception e) when (e is CibLoadException or CibSchemaNotFoundException)
        {
            return e.GetType().Name + ": " + e.Message + (e is CibLoadException l ? $" {l.LineNumber}:{l.LinePosition}" : "");
        }
    }

    /// <summary>The nodes the validator sees, from the hardened XmlReader (ending with "refused ..." if it refuses the document).</summary>
    private static List<string> Read(byte[] bytes, CibLoadOptions options)
    {
        var nodes = new List<string>();
        try
        {
            using var reader = CibDocument.OpenReader(new MemoryStream(bytes), options);
            while (reader.Read())
            {
                var line = $"{reader.LineNumber}:{reader.LinePosition}";
                switch (reader.NodeType)
                {
                    case XmlNodeType.Element:
                        var element = $"Element {{{reader.NamespaceURI}}}{reader.LocalName} {reader.Prefix} {line} {(reader.IsEmptyElement ? "empty" : "open")}";
                        var attributes = new StringBuilder();
                        if (reader.MoveToFirstAttribute())
                        {
                            do
                            {
                                attributes.Append(CultureInfo.InvariantCulture, $" [{{{reader.NamespaceURI}}}{reader.LocalName}={Escape(reader.Value)} {reader.LineNumber}:{reader.LinePosition}]");
                            }
                            while (reader.MoveToNextAttribute());
                            reader.MoveToElement();
                        }

                        nodes.Add(element + attributes);
                        break;
                    case XmlNodeType.EndElement:
                        nodes.Add($"EndElement {{{reader.NamespaceURI}}}{reader.LocalName} {line}");
                        break;
                    case XmlNodeType.Whitespace when reader.Depth == 0:
                        // Kept whitespace outside the root element: never part of a validation (the scanner skips it).
                        break;
                    case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace:
                        nodes.Add($"{reader.NodeType} {Escape(reader.Value)} {line}");
                        break;
                    default:
                        break;
                }
            }

            nodes.Add("end");
        }
        catch (Exception e) when (e is XmlException or CibLoadException or InvalidOperationException or ArgumentException)
        {
            nodes.Add("refused " + e.GetType().Name);
        }

        return nodes;
    }

    /// <summary>The same from our scanner, or the reason it gave up.</summary>
    private static (List<string> Nodes, string? GaveUp) Scan(byte[] bytes, CibLoadOptions options)
    {
        var nodes = new List<string>();
        try
        {
            var scanner = new Utf8XmlScanner(bytes, bytes.Length, options);
            while (scanner.Read())
            {
                var line = $"{scanner.LineNumber}:{scanner.LinePosition}";
                switch (scanner.NodeType)
                {
                    case XmlNodeType.Element:
                        var element = $"Element {{{scanner.NamespaceUri}}}{scanner.LocalName} {scanner.Prefix} {line} {(scanner.IsEmptyElement ? "empty" : "open")}";
                        var attributes = new StringBuilder();
                        foreach (var attribute in scanner.Attributes)
                        {
                            attributes.Append(CultureInfo.InvariantCulture, $" [{{{attribute.Name.NamespaceName}}}{attribute.Name.LocalName}={Escape(scanner.ValueOf(attribute))} {attribute.Line}:{attribute.Position}]");
                        }

                        nodes.Add(element + attributes);
                        break;
                    case XmlNodeType.EndElement:
                        nodes.Add($"EndElement {{{scanner.NamespaceUri}}}{scanner.LocalName} {line}");
                        break;
                    default:
                        nodes.Add($"{scanner.NodeType} {Escape(scanner.Value)} {line}");
                        break;
                }
            }

            nodes.Add("end");
            return (nodes, null);
        }
        catch (XmlScanGaveUpException e)
        {
            return (nodes, e.Message);
        }
    }

    private static string Escape(string value)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in value)
        {
            sb.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '"' => "\\\"",
                < ' ' or > '~' => $"\\u{(int)c:X4}",
                _ => c.ToString(),
            });
        }

        return sb.Append('"').ToString();
    }

    private static string Show(byte[] bytes) => Escape(Encoding.Latin1.GetString(bytes));

    private static byte[] Mutate(byte[] source, Random random, int count)
    {
        var bytes = new List<byte>(source);
        for (var n = 0; n < count && bytes.Count > 0; n++)
        {
            var at = random.Next(bytes.Count + 1);
            switch (random.Next(9))
            {
                case 6 or 7 or 8:
                    // Where content goes: after a tag's '>' or just inside an attribute value, so most documents stay well-formed.
                    var anchor = Anchor(bytes, random);
                    if (anchor >= 0)
                    {
                        bytes.InsertRange(anchor, Encoding.UTF8.GetBytes(Insertions[random.Next(Insertions.Length)]));
                    }

                    break;
                case 0:
                    if (at < bytes.Count)
                    {
                        bytes[at] = (byte)random.Next(256);
                    }

                    break;
                case 1:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 2:
                    bytes.InsertRange(at, RawInsertions[random.Next(RawInsertions.Length)]);
                    break;
                case 3:
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 8), bytes.Count - at));
                    break;
                default:
                    bytes.InsertRange(at, Encoding.UTF8.GetBytes(Insertions[random.Next(Insertions.Length)]));
                    break;
            }
        }

        return [.. bytes];
    }

    /// <summary>A random index just after a '>' or after the opening quote of an attribute value (-1 if there is none).</summary>
    private static int Anchor(List<byte> bytes, Random random)
    {
        for (var tries = 0; tries < 64; tries++)
        {
            var i = random.Next(bytes.Count);
            if (bytes[i] == '>' || (i > 0 && bytes[i - 1] == '=' && bytes[i] is (byte)'"' or (byte)'\''))
            {
                return i + 1;
            }
        }

        return -1;
    }

    /// <summary>A stream that cannot seek and hands out at most 7 bytes per read.</summary>
    private sealed class OneWayStream(byte[] data) : Stream
    {
        private int _offset;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(Math.Min(count, 7), data.Length - _offset);
            Array.Copy(data, _offset, buffer, offset, n);
            _offset += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
