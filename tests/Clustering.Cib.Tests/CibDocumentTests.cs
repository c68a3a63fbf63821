using System.Text;
using System.Xml;
using System.Xml.Linq;
using Clustering.TestSupport;

namespace Clustering.Cib.Tests;

public sealed class CibDocumentTests
{
    private const string Small = """
        <cib validate-with="pacemaker-1.2" admin_epoch="1" epoch="42" num_updates="7">
          <configuration>
            <crm_config/>
            <nodes/>
            <resources/>
            <constraints/>
          </configuration>
          <status/>
        </cib>
        """;

    [Test]
    public void Loads_a_cib_with_its_counters_and_line_information()
    {
        var cib = CibDocument.Parse(Small);
        Assert.Multiple(() =>
        {
            Assert.That(cib.ValidateWith, Is.EqualTo("pacemaker-1.2"));
            Assert.That(cib.AdminEpoch, Is.EqualTo(1));
            Assert.That(cib.Epoch, Is.EqualTo(42));
            Assert.That(cib.NumUpdates, Is.EqualTo(7));
            var resources = (IXmlLineInfo)cib.Root.Descendants("resources").Single();
            Assert.That(resources.LineNumber, Is.EqualTo(5));
            Assert.That(resources.LinePosition, Is.EqualTo(6));
        });
    }

    [Test]
    public void Counters_that_are_not_numbers_read_as_null()
    {
        var cib = CibDocument.Parse("<cib epoch='x'/>");
        Assert.That(cib.Epoch, Is.Null);
        Assert.That(cib.ValidateWith, Is.Null);
    }

    [Test]
    public void Malformed_xml_is_a_load_exception_with_line_and_position()
    {
        var e = Assert.Throws<CibLoadException>(() => CibDocument.Parse("<cib>\n  <configuration>\n</cib>"));
        Assert.That(e!.LineNumber, Is.EqualTo(3));
        Assert.That(e.LinePosition, Is.GreaterThan(0));
        Assert.That(e.Message, Does.Contain("line 3"));
    }

    [Test]
    public void A_dtd_with_an_external_entity_is_refused()
    {
        const string xxe = """
            <?xml version="1.0"?>
            <!DOCTYPE cib [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
            <cib>&xxe;</cib>
            """;
        var e = Assert.Throws<CibLoadException>(() => CibDocument.Parse(xxe));
        Assert.That(e!.Reason, Does.Contain("DTD").IgnoreCase);
    }

    [Test]
    public void Billion_laughs_is_refused_quickly()
    {
        var sb = new StringBuilder("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n");
        for (var i = 1; i < 10; i++)
        {
            sb.Append(" <!ENTITY lol").Append(i).Append(" \"");
            for (var j = 0; j < 10; j++)
            {
                sb.Append("&lol").Append(i == 1 ? "" : (i - 1).ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(';');
            }

            sb.Append("\">\n");
        }

        sb.Append("]>\n<cib>&lol9;</cib>");
        var cpu = ThreadCpuClock.Measure(() => Assert.Throws<CibLoadException>(() => CibDocument.Parse(sb.ToString())));
        Assert.That(cpu, Is.LessThan(TimeSpan.FromSeconds(1)), "CPU time (a wall clock also counts the waits of a loaded machine)");
    }

    [Test]
    public void Ten_thousand_deep_nesting_is_refused_at_the_limit()
    {
        var xml = string.Concat(Enumerable.Repeat("<a>", 10_000)) + string.Concat(Enumerable.Repeat("</a>", 10_000));
        CibLoadException? e = null;
        var cpu = ThreadCpuClock.Measure(() => e = Assert.Throws<CibLoadException>(() => CibDocument.Parse(xml)));
        Assert.That(cpu, Is.LessThan(TimeSpan.FromSeconds(1)), "CPU time (a wall clock also counts the waits of a loaded machine)");
        Assert.That(e!.Reason, Does.Contain("deeper than the limit of 256"));
        Assert.That(e.LineNumber, Is.EqualTo(1));
        Assert.That(e.LinePosition, Is.EqualTo((256 * 3) + 2));
    }

    [Test]
    public void Depth_at_the_limit_loads_and_one_more_does_not()
    {
        var options = new CibLoadOptions { MaxDepth = 3 };
        Assert.That(CibDocument.Parse("<a><b><c/></b></a>", options).Root.Name.LocalName, Is.EqualTo("a"));
        Assert.Throws<CibLoadException>(() => CibDocument.Parse("<a><b><c><d/></c></b></a>", options));
    }

    [Test]
    public void Too_many_attributes_are_refused()
    {
        var options = new CibLoadOptions { MaxAttributesPerElement = 2 };
        Assert.That(CibDocument.Parse("<a x='1' y='2'/>", options).Root.Attributes().Count(), Is.EqualTo(2));
        var e = Assert.Throws<CibLoadException>(() => CibDocument.Parse("<a x='1' y='2' z='3'/>", options));
        Assert.That(e!.Reason, Does.Contain("3 attributes"));
    }

    [Test]
    public void A_document_larger_than_the_character_limit_is_refused()
    {
        var options = new CibLoadOptions { MaxCharactersInDocument = 1000 };
        var xml = "<cib>" + new string('x', 2000) + "</cib>";
        Assert.Throws<CibLoadException>(() => CibDocument.Parse(xml, options));
    }

    [Test]
    public void Invalid_options_are_argument_errors()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CibDocument.Parse("<a/>", new CibLoadOptions { MaxDepth = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => CibDocument.Parse("<a/>", new CibLoadOptions { MaxCharactersInDocument = -1 }));
    }

    [Test]
    public void Save_and_load_round_trip_through_a_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cib-{Guid.NewGuid():N}.xml");
        try
        {
            var cib = CibDocument.Parse(Small);
            cib.Save(path);
            var bytes = File.ReadAllBytes(path);
            Assert.That(bytes[0], Is.EqualTo((byte)'<'), "no byte order mark");
            var again = CibDocument.Load(path);
            Assert.That(XNode.DeepEquals(cib.Root, again.Root), Is.True);
            Assert.That(Directory.GetFiles(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}*"), Is.Empty);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Save_to_a_stream_writes_utf8_that_loads_back()
    {
        var cib = CibDocument.Parse("<cib><x a='é'/></cib>");
        using var stream = new MemoryStream();
        cib.Save(stream);
        stream.Position = 0;
        Assert.That(CibDocument.Load(stream).Root.Element("x")!.Attribute("a")!.Value, Is.EqualTo("é"));
    }

    [Test]
    public void ToXmlString_without_indent_is_compact()
    {
        Assert.That(CibDocument.Parse("<cib>\n  <a/>\n</cib>").ToXmlString(false), Is.EqualTo("<cib><a /></cib>"));
    }
}
