using Clustering.Cib.Operations;

namespace Clustering.Cib.Tests.Operations;

public sealed class CibDigestTests
{
    // Expected values printed by Pacemaker 2.1.5's `cibadmin --md5-sum -X '...'` (CIB_file set).
    [TestCase("<a/>", "36f3fe87323978c81376fbe84b315483")]
    [TestCase("""<a x="1"><b y="2"/></a>""", "8a85a934b898e5a6deb5cf77342e459e")]
    [TestCase("""<a x="1"><b y="2"/><!-- c --></a>""", "b2defee6f06d6121c9fb817950602320")]
    [TestCase("""<a x="a&amp;b&lt;&quot;"/>""", "0225382ce5502a9497567d53f40395af")]
    [TestCase("""<a x="it's"/>""", "611175b2056465d0ea490ee0ee6e6f02")]
    [TestCase("""<a y="a&#10;b"/>""", "d593f67295317d7d3442db5270af71d6")]
    [TestCase("""<a y="a&#9;b"/>""", "c36d0bb54fe5a0291ac96cb31a93ba97")]
    [TestCase("""<a y="a&#13;b"/>""", "b5dc5966f45c1de5efaa96889a107e62")]
    public void The_digest_matches_cibadmin_md5_sum(string xml, string expected)
    {
        Assert.That(CibDigest.Md5(System.Xml.Linq.XElement.Parse(xml)), Is.EqualTo(expected));
    }

    [Test]
    public void Formatting_is_pacemakers_two_space_indent_with_escaped_attributes()
    {
        var element = System.Xml.Linq.XElement.Parse("""<a x="it's &lt;"><b y="2"/><c>text</c></a>""");
        Assert.That(CibText.Format(element), Is.EqualTo("<a x=\"it&apos;s &lt;\">\n  <b y=\"2\"/>\n  <c>text</c>\n</a>"));
        Assert.That(CibText.Format(element, indent: false), Is.EqualTo("<a x=\"it&apos;s &lt;\"><b y=\"2\"/><c>text</c></a>"));
    }

    [Test]
    public void Indentation_does_not_change_the_digest_but_an_attribute_does()
    {
        var compact = CibDigest.Md5(System.Xml.Linq.XElement.Parse("""<a x="1"><b y="2"/></a>"""));
        var indented = CibDigest.Md5(System.Xml.Linq.XElement.Parse("<a x=\"1\">\n  <b y=\"2\"/>\n</a>"));
        var changed = CibDigest.Md5(System.Xml.Linq.XElement.Parse("""<a x="2"><b y="2"/></a>"""));
        Assert.That(indented, Is.EqualTo(compact));
        Assert.That(changed, Is.Not.EqualTo(compact));
    }
}
