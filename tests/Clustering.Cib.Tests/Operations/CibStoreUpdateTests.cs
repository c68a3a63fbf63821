using System.Xml.Linq;
using Clustering.Cib.Operations;
using Clustering.Cib.Versions;
using static Clustering.Cib.Tests.Operations.SampleCib;

namespace Clustering.Cib.Tests.Operations;

public sealed class CibStoreUpdateTests
{
    private static string? Value(CibStore store, string id)
        => (string?)store.Document.Root.Descendants().Single(e => (string?)e.Attribute("id") == id).Attribute("value");

    [Test]
    public void Create_adds_under_the_scope_and_bumps_epoch()
    {
        var store = Store();
        var result = store.Create(X("""<primitive id="r2" class="ocf" provider="heartbeat" type="Dummy"/>"""), new CibCallOptions { Scope = "resources" });
        Assert.That(result.Succeeded, Is.True, result.ToString());
        Assert.That(store.Document.Root.Element("configuration")!.Element("resources")!.Elements("primitive").Count(), Is.EqualTo(2));
        Assert.That(store.Version, Is.EqualTo(new CibVersion(0, 2, 0)));
    }

    [Test]
    public void Create_of_the_section_element_adds_each_child()
    {
        var store = Store();
        var result = store.Create(X("""<resources><primitive id="a" class="ocf" provider="p" type="T"/><primitive id="b" class="ocf" provider="p" type="T"/></resources>"""), new CibCallOptions { Scope = "resources" });
        Assert.That(result.Succeeded, Is.True);
        Assert.That(store.Document.Root.Descendants("primitive").Select(p => (string?)p.Attribute("id")), Is.EqualTo(new[] { "r1", "a", "b" }));
    }

    [Test]
    public void Create_of_an_existing_direct_child_is_file_exists_with_a_failed_answer_and_changes_nothing()
    {
        var store = Store();
        var before = Text(store);
        var result = store.Create(X("""<primitive id="r1" class="ocf" provider="heartbeat" type="Dummy"/>"""), new CibCallOptions { Scope = "resources" });
        Assert.That(result.Code, Is.EqualTo(CibResultCode.AlreadyExists));
        Assert.That(result.Message, Is.EqualTo("File exists"));
        Assert.That((int)result.ExitCode, Is.EqualTo(108));
        var failed = result.Output!.Element("failed_update")!;
        Assert.That((string?)failed.Attribute("id"), Is.EqualTo("r1"));
        Assert.That((string?)failed.Attribute("object_type"), Is.EqualTo("primitive"));
        Assert.That((string?)failed.Attribute("operation"), Is.EqualTo("cib_create"));
        Assert.That((string?)failed.Attribute("reason"), Is.EqualTo("File exists"));
        Assert.That(Text(store), Is.EqualTo(before));
    }

    [Test]
    public void Create_without_scope_is_a_modify_and_needs_an_existing_object()
    {
        var store = Store();
        Assert.That(store.Create(X("""<primitive id="r9" class="ocf" provider="p" type="T"/>""")).Code, Is.EqualTo(CibResultCode.NoSuchDeviceOrAddress));
        Assert.That(store.Create(X("""<nvpair id="opts-a" value="5"/>""")).Succeeded, Is.True);
        Assert.That(Value(store, "opts-a"), Is.EqualTo("5"));
    }

    [Test]
    public void Create_under_an_xpath_match_adds_a_child_there()
    {
        var store = Store();
        Assert.That(store.Create(X("""<nvpair id="r1-meta-x" name="x" value="y"/>"""), new CibCallOptions { XPath = "//meta_attributes[@id='r1-meta']" }).Succeeded, Is.True);
        Assert.That(Value(store, "r1-meta-x"), Is.EqualTo("y"));
    }

    [Test]
    public void Modify_merges_by_id_depth_first_and_never_deletes()
    {
        var store = Store();
        var result = store.Modify(X("""<primitive id="r1" description="d"><meta_attributes id="r1-meta"><nvpair id="r1-meta-new" name="is-managed" value="false"/></meta_attributes></primitive>"""));
        Assert.That(result.Succeeded, Is.True);
        var primitive = store.Document.Root.Descendants("primitive").Single();
        Assert.That((string?)primitive.Attribute("description"), Is.EqualTo("d"));
        Assert.That((string?)primitive.Attribute("type"), Is.EqualTo("Dummy"));
        Assert.That(primitive.Descendants("nvpair").Select(n => (string?)n.Attribute("id")), Is.EqualTo(new[] { "r1-meta-role", "r1-meta-new" }));
    }

    [TestCase("value++", "1", "2")]
    [TestCase("value+=5", "1", "6")]
    [TestCase("value+=-3", "1", "-2")]
    [TestCase("value+=INFINITY", "1", "1000000")]
    [TestCase("value++", "x", "1")]
    [TestCase("value+=999999", "999999", "1000000")]
    [TestCase("other++", "1", "other++")]
    [TestCase("value+", "1", "value+")]
    public void Modify_expands_plus_plus_and_plus_equals(string written, string old, string expected)
    {
        var store = Store();
        Assert.That(store.Modify(X($"""<nvpair id="opts-a" value="{old}"/>""")).Succeeded, Is.True);
        Assert.That(store.Modify(X($"""<nvpair id="opts-a" value="{written}"/>""")).Succeeded, Is.True);
        Assert.That(Value(store, "opts-a"), Is.EqualTo(expected));
    }

    [Test]
    public void Plus_plus_on_a_missing_attribute_stores_the_literal_text()
    {
        var store = Store();
        store.Modify(X("""<nvpair id="opts-a" score="score++"/>"""));
        Assert.That((string?)store.Document.Root.Descendants("nvpair").First().Attribute("score"), Is.EqualTo("score++"));
    }

    [Test]
    public void Modify_without_match_is_no_such_device_or_address_unless_allow_create()
    {
        var store = Store();
        var before = Text(store);
        var input = X("""<primitive id="r2" class="ocf" provider="heartbeat" type="Dummy"/>""");
        Assert.That(store.Modify(input, new CibCallOptions { Scope = "resources" }).Code, Is.EqualTo(CibResultCode.NoSuchDeviceOrAddress));
        Assert.That(Text(store), Is.EqualTo(before));
        Assert.That(store.Modify(input, new CibCallOptions { Scope = "resources", AllowCreate = true }).Succeeded, Is.True);
        Assert.That(store.Document.Root.Descendants("primitive").Count(), Is.EqualTo(2));
    }

    [Test]
    public void Modify_creates_a_missing_scope_section()
    {
        var store = Store();
        var result = store.Modify(X("""<meta_attributes id="rd"/>"""), new CibCallOptions { Scope = "rsc_defaults", AllowCreate = true });
        Assert.That(result.Succeeded, Is.True);
        Assert.That(store.Document.Root.Element("configuration")!.Element("rsc_defaults")!.Element("meta_attributes"), Is.Not.Null);
    }

    [Test]
    public void Modify_of_the_root_counters_expands_them()
    {
        var store = Store();
        Assert.That(store.Modify(X("""<cib admin_epoch="admin_epoch++"/>""")).Succeeded, Is.True);
        Assert.That(store.Version, Is.EqualTo(new CibVersion(1, 1, 1)));
    }

    [Test]
    public void Replace_swaps_the_first_match_whole()
    {
        var store = Store();
        Assert.That(store.Replace(X("""<primitive id="r1" class="ocf" provider="pacemaker" type="Stateful"/>""")).Succeeded, Is.True);
        var primitive = store.Document.Root.Descendants("primitive").Single();
        Assert.That((string?)primitive.Attribute("type"), Is.EqualTo("Stateful"));
        Assert.That(primitive.HasElements, Is.False);
        Assert.That(store.Replace(X("""<primitive id="nope"/>""")).Code, Is.EqualTo(CibResultCode.NoSuchDeviceOrAddress));
    }

    [Test]
    public void Replace_of_a_section_by_its_own_scope_works()
    {
        var store = Store();
        Assert.That(store.Replace(X("""<nodes><node id="2" uname="n2"/></nodes>"""), new CibCallOptions { Scope = "nodes" }).Succeeded, Is.True);
        Assert.That(store.Document.Root.Descendants("node").Select(n => (string?)n.Attribute("uname")), Is.EqualTo(new[] { "n2" }));
    }

    [Test]
    public void Replace_of_the_whole_cib_refuses_an_older_version_as_old_data()
    {
        var store = Store();
        store.Bump();
        store.Bump();
        var before = Text(store);
        var older = XElement.Parse(Xml);
        var result = store.Replace(older);
        Assert.That(result.Code, Is.EqualTo(CibResultCode.OldData));
        Assert.That(result.Message, Is.EqualTo("Update was older than existing configuration"));
        Assert.That((int)result.ExitCode, Is.EqualTo(103));
        Assert.That(Text(store), Is.EqualTo(before));
    }

    [Test]
    public void Replace_of_the_whole_cib_keeps_the_new_counters_and_bumps_them()
    {
        var store = Store();
        var newer = XElement.Parse(Xml);
        newer.SetAttributeValue("admin_epoch", "5");
        newer.Element("configuration")!.Element("nodes")!.RemoveNodes();
        Assert.That(store.Replace(newer).Succeeded, Is.True);
        Assert.That(store.Version, Is.EqualTo(new CibVersion(5, 2, 0)));
    }

    [Test]
    public void Delete_removes_the_first_element_whose_given_attributes_all_match()
    {
        var store = Store();
        Assert.That(store.Delete(X("""<nvpair name="B" value="X"/>""")).Succeeded, Is.True);
        Assert.That(store.Document.Root.Descendants("nvpair").Select(n => (string?)n.Attribute("id")), Is.EqualTo(new[] { "opts-a", "r1-meta-role" }));
    }

    [Test]
    public void Delete_without_match_succeeds_and_changes_nothing_not_even_counters()
    {
        var store = Store();
        var before = Text(store);
        Assert.That(store.Delete(X("""<nvpair id="opts-a" value="2"/>""")).Code, Is.EqualTo(CibResultCode.Ok));
        Assert.That(Text(store), Is.EqualTo(before));
    }

    [Test]
    public void Delete_by_xpath_removes_only_the_first_match_and_delete_all_removes_every_match()
    {
        var store = Store();
        Assert.That(store.Delete(null, new CibCallOptions { XPath = "//nvpair" }).Succeeded, Is.True);
        Assert.That(store.Document.Root.Descendants("nvpair").Count(), Is.EqualTo(2));
        Assert.That(store.DeleteAll(new CibCallOptions { XPath = "//nvpair" }).Succeeded, Is.True);
        Assert.That(store.Document.Root.Descendants("nvpair"), Is.Empty);
    }

    [Test]
    public void Delete_all_of_the_root_is_invalid_and_changes_nothing()
    {
        var store = Store();
        var before = Text(store);
        Assert.That(store.DeleteAll(new CibCallOptions { XPath = "/cib" }).Code, Is.EqualTo(CibResultCode.InvalidArgument));
        Assert.That(store.DeleteAll(new CibCallOptions()).Code, Is.EqualTo(CibResultCode.InvalidArgument));
        Assert.That(Text(store), Is.EqualTo(before));
    }

    [Test]
    public void Erase_leaves_empty_sections_keeps_root_attributes_and_bumps_admin_epoch()
    {
        var store = Store();
        Assert.That(store.Erase().Succeeded, Is.True);
        var root = store.Document.Root;
        Assert.That(root.Element("configuration")!.Elements().Select(e => e.Name.LocalName), Is.EqualTo(new[] { "crm_config", "nodes", "resources", "constraints" }));
        Assert.That(root.Descendants().All(e => !e.HasAttributes), Is.True);
        Assert.That((string?)root.Attribute("validate-with"), Is.EqualTo("pacemaker-1.2"));
        Assert.That(store.Version, Is.EqualTo(new CibVersion(1, 2, 0)));
    }

    [Test]
    public void Erase_of_an_already_empty_configuration_only_moves_admin_epoch_and_num_updates()
    {
        var store = Store();
        store.Erase();
        store.Erase();
        Assert.That(store.Version, Is.EqualTo(new CibVersion(2, 2, 1)));
    }

    [Test]
    public void Bump_adds_one_to_epoch_and_counts_as_a_non_configuration_change()
    {
        var store = Store();
        store.Bump();
        Assert.That(store.Version, Is.EqualTo(new CibVersion(0, 2, 1)));
    }

    [Test]
    public void A_status_change_bumps_num_updates_only()
    {
        var store = Store();
        Assert.That(store.Modify(X("""<node_state id="1" crmd="online"/>"""), new CibCallOptions { Scope = "status" }).Succeeded, Is.True);
        Assert.That(store.Version, Is.EqualTo(new CibVersion(0, 1, 1)));
        Assert.That(store.Modify(X("""<nvpair id="opts-a" value="2"/>""")).Succeeded, Is.True);
        Assert.That(store.Version, Is.EqualTo(new CibVersion(0, 2, 0)));
    }

    [Test]
    public void An_update_that_would_move_the_version_backwards_is_old_data()
    {
        var store = Store();
        var before = Text(store);
        var result = store.Modify(X("""<cib epoch="0"/>"""));
        Assert.That(result.Code, Is.EqualTo(CibResultCode.OldData));
        Assert.That(Text(store), Is.EqualTo(before));
        Assert.That(store.Modify(X("""<cib num_updates="7"/>""")).Succeeded, Is.True);
        Assert.That(store.Version, Is.EqualTo(new CibVersion(0, 1, 8)));
    }

    [Test]
    public void An_update_that_changes_nothing_moves_no_counter()
    {
        var store = Store();
        Assert.That(store.Modify(X("""<nvpair id="opts-a" value="1"/>""")).Succeeded, Is.True);
        Assert.That(store.Version, Is.EqualTo(new CibVersion(0, 1, 0)));
    }
}
