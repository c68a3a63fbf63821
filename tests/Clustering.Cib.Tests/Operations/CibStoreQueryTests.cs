using Clustering.Cib.Operations;
using static Clustering.Cib.Tests.Operations.SampleCib;

namespace Clustering.Cib.Tests.Operations;

public sealed class CibStoreQueryTests
{
    [Test]
    public void A_query_without_options_returns_the_whole_cib()
    {
        var result = Store().Query();
        Assert.That(result.Code, Is.EqualTo(CibResultCode.Ok));
        Assert.That(result.Output!.Name.LocalName, Is.EqualTo("cib"));
        Assert.That(result.Output.Descendants("primitive").Count(), Is.EqualTo(1));
    }

    [Test]
    public void A_scope_returns_that_section()
    {
        var result = Store().Query(new CibCallOptions { Scope = "nodes" });
        Assert.That(result.Output!.ToString(), Is.EqualTo(X("""<nodes><node id="1" uname="n1"/></nodes>""").ToString()));
    }

    [Test]
    public void A_missing_known_section_is_no_such_device_or_address()
    {
        var result = Store().Query(new CibCallOptions { Scope = "rsc_defaults" });
        Assert.That(result.Code, Is.EqualTo(CibResultCode.NoSuchDeviceOrAddress));
        Assert.That(result.Message, Is.EqualTo("No such device or address"));
        Assert.That(result.ExitCode, Is.EqualTo(CibExitCode.NoSuch));
        Assert.That((int)result.ExitCode, Is.EqualTo(105));
    }

    [Test]
    public void An_unknown_scope_returns_the_whole_cib_like_cibadmin()
    {
        var result = Store().Query(new CibCallOptions { Scope = "bogus" });
        Assert.That(result.Output!.Name.LocalName, Is.EqualTo("cib"));
    }

    [Test]
    public void An_xpath_with_one_match_returns_the_element_itself()
    {
        var result = Store().Query(new CibCallOptions { XPath = "//primitive[@id='r1']" });
        Assert.That(result.Output!.Name.LocalName, Is.EqualTo("primitive"));
        Assert.That(result.Output.Element("meta_attributes"), Is.Not.Null);
    }

    [Test]
    public void An_xpath_with_several_matches_wraps_them_in_xpath_query()
    {
        var result = Store().Query(new CibCallOptions { XPath = "//nvpair" });
        Assert.That(result.Output!.Name.LocalName, Is.EqualTo("xpath-query"));
        Assert.That(result.Output.Elements("nvpair").Select(e => (string?)e.Attribute("id")), Is.EqualTo(new[] { "opts-a", "opts-b", "r1-meta-role" }));
    }

    [Test]
    public void An_xpath_selecting_an_attribute_returns_its_element()
    {
        var result = Store().Query(new CibCallOptions { XPath = "//node/@uname" });
        Assert.That(result.Output!.Name.LocalName, Is.EqualTo("node"));
    }

    [Test]
    public void An_xpath_without_match_is_no_such_device_or_address()
    {
        Assert.That(Store().Query(new CibCallOptions { XPath = "//group" }).Code, Is.EqualTo(CibResultCode.NoSuchDeviceOrAddress));
    }

    [Test]
    public void A_malformed_xpath_is_a_typed_error_not_an_exception()
    {
        var result = Store().Query(new CibCallOptions { XPath = "//[[[" });
        Assert.That(result.Code, Is.EqualTo(CibResultCode.NoSuchDeviceOrAddress));
        Assert.That(result.Detail, Does.Contain("invalid XPath"));
    }

    [Test]
    public void No_children_returns_the_element_with_its_attributes_only()
    {
        var result = Store().Query(new CibCallOptions { XPath = "//primitive", NoChildren = true });
        Assert.That(result.Output!.HasElements, Is.False);
        Assert.That((string?)result.Output.Attribute("type"), Is.EqualTo("Dummy"));
        Assert.That(Store().Query(new CibCallOptions { Scope = "configuration", NoChildren = true }).Output!.ToString(), Is.EqualTo("<configuration />"));
    }

    [Test]
    public void The_answer_is_a_copy_that_does_not_change_the_store()
    {
        var store = Store();
        var before = Text(store);
        store.Query().Output!.RemoveNodes();
        store.Document.Root.RemoveNodes();
        Assert.That(Text(store), Is.EqualTo(before));
    }

    [Test]
    public void A_store_refuses_a_document_whose_root_is_not_cib()
    {
        Assert.That(() => new CibStore(CibDocument.Parse("<configuration/>")), Throws.ArgumentException);
    }
}
