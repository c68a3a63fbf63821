using System.Xml.Linq;
using Clustering.Cib.Diff;
using Clustering.Cib.Internal;
using Clustering.Cib.Operations;
using Clustering.Cib.Versions;

namespace Clustering.Cib.Tests.Diff;

public sealed class CibPatchTests
{
    internal const string Old = """
        <cib crm_feature_set="3.16.1" validate-with="pacemaker-3.0" admin_epoch="0" epoch="1" num_updates="0">
          <configuration>
            <crm_config><cluster_property_set id="opts"><nvpair id="opts-a" name="a" value="1"/><nvpair id="opts-b" name="b" value="2"/></cluster_property_set></crm_config>
            <nodes/>
            <resources><primitive id="r1" class="ocf" provider="heartbeat" type="Dummy"/><primitive id="r2" class="ocf" provider="heartbeat" type="Dummy"/></resources>
            <constraints/>
          </configuration>
          <status/>
        </cib>
        """;

    internal const string New = """
        <cib crm_feature_set="3.16.1" validate-with="pacemaker-3.0" admin_epoch="0" epoch="2" num_updates="0">
          <configuration>
            <crm_config><cluster_property_set id="opts"><nvpair id="opts-a" name="a" value="7" extra="x"/></cluster_property_set></crm_config>
            <nodes><node id="1" uname="n1"/></nodes>
            <resources><primitive id="r2" class="ocf" provider="heartbeat" type="Dummy"/><primitive id="r1" class="ocf" provider="heartbeat" type="Dummy"/></resources>
            <constraints/>
          </configuration>
          <status/>
        </cib>
        """;

    // What `crm_diff -o old.xml -n new.xml` (Pacemaker 2.1.5) printed for the two documents above.
    private const string CrmDiffOutput = """
        <diff format="2">
          <version>
            <source admin_epoch="0" epoch="1" num_updates="0"/>
            <target admin_epoch="0" epoch="2" num_updates="0"/>
          </version>
          <change operation="delete" path="/cib/configuration/crm_config/cluster_property_set[@id=&apos;opts&apos;]/nvpair[@id=&apos;opts-b&apos;]"/>
          <change operation="modify" path="/cib">
            <change-list>
              <change-attr name="epoch" operation="set" value="2"/>
            </change-list>
            <change-result>
              <cib crm_feature_set="3.16.1" validate-with="pacemaker-3.0" admin_epoch="0" epoch="2" num_updates="0"/>
            </change-result>
          </change>
          <change operation="modify" path="/cib/configuration/crm_config/cluster_property_set[@id=&apos;opts&apos;]/nvpair[@id=&apos;opts-a&apos;]">
            <change-list>
              <change-attr name="value" operation="set" value="7"/>
              <change-attr name="extra" operation="set" value="x"/>
            </change-list>
            <change-result>
              <nvpair id="opts-a" name="a" value="7" extra="x"/>
            </change-result>
          </change>
          <change operation="create" path="/cib/configuration/nodes" position="0">
            <node id="1" uname="n1"/>
          </change>
          <change operation="move" path="/cib/configuration/resources/primitive[@id=&apos;r2&apos;]" position="0"/>
          <change operation="move" path="/cib/configuration/resources/primitive[@id=&apos;r1&apos;]" position="1"/>
        </diff>
        """;

    [Test]
    public void A_patch_has_pacemakers_v2_shape()
    {
        var patch = CibPatch.Create(XElement.Parse(Old), XElement.Parse(New));
        Assert.That((string?)patch.Attribute("format"), Is.EqualTo("2"));
        Assert.That(CibVersion.Of(patch.Element("version")!.Element("source")!), Is.EqualTo(new CibVersion(0, 1, 0)));
        Assert.That(CibVersion.Of(patch.Element("version")!.Element("target")!), Is.EqualTo(new CibVersion(0, 2, 0)));
        var changes = patch.Elements("change").Select(c => ((string?)c.Attribute("operation"), (string?)c.Attribute("path"))).ToList();
        Assert.That(changes, Does.Contain(("delete", (string?)"/cib/configuration/crm_config/cluster_property_set[@id='opts']/nvpair[@id='opts-b']")));
        Assert.That(changes, Does.Contain(("modify", (string?)"/cib")));
        Assert.That(changes, Does.Contain(("create", (string?)"/cib/configuration/nodes")));
        var modify = patch.Elements("change").Single(c => ((string?)c.Attribute("path"))!.EndsWith("nvpair[@id='opts-a']", StringComparison.Ordinal));
        Assert.That(modify.Element("change-list")!.Elements().Select(a => (string?)a.Attribute("name")), Is.EquivalentTo(new[] { "value", "extra" }));
        Assert.That(modify.Element("change-result")!.Element("nvpair"), Is.Not.Null);
    }

    [Test]
    public void Applying_our_patch_gives_the_target()
    {
        var old = XElement.Parse(Old);
        var result = CibPatch.Apply(old, CibPatch.Create(old, XElement.Parse(New)));
        Assert.That(XmlEquivalence.Equivalent(result, XElement.Parse(New)), Is.True, result.ToString());
    }

    [Test]
    public void Applying_crm_diffs_patch_gives_the_target()
    {
        var result = CibPatch.Apply(XElement.Parse(Old), XElement.Parse(CrmDiffOutput));
        Assert.That(XmlEquivalence.Equivalent(result, XElement.Parse(New)), Is.True, result.ToString());
    }

    [Test]
    public void An_unset_attribute_is_removed()
    {
        var a = XElement.Parse("""<cib admin_epoch="0" epoch="1" num_updates="0"><x id="1" keep="k" drop="d"/></cib>""");
        var b = XElement.Parse("""<cib admin_epoch="0" epoch="1" num_updates="1"><x id="1" keep="k"/></cib>""");
        var patch = CibPatch.Create(a, b);
        Assert.That(patch.Descendants("change-attr").Any(c => (string?)c.Attribute("operation") == "unset" && (string?)c.Attribute("name") == "drop"), Is.True);
        Assert.That(XmlEquivalence.Equivalent(CibPatch.Apply(a, patch), b), Is.True);
    }

    [Test]
    public void A_modify_takes_all_attributes_from_change_result_like_pacemaker_and_else_the_change_list()
    {
        var a = XElement.Parse("""<cib admin_epoch="0" epoch="1" num_updates="0"><x id="1" keep="k" drop="d"/></cib>""");
        const string Head = """<diff format="2"><version><source admin_epoch="0" epoch="1" num_updates="0"/><target admin_epoch="0" epoch="2" num_updates="0"/></version>""";
        var withResult = XElement.Parse(Head + """<change operation="modify" path="/cib/x[@id='1']"><change-list><change-attr name="new" operation="set" value="n"/></change-list><change-result><x id="1" new="n"/></change-result></change></diff>""");
        var listOnly = XElement.Parse(Head + """<change operation="modify" path="/cib/x[@id='1']"><change-list><change-attr name="new" operation="set" value="n"/><change-attr name="drop" operation="unset"/></change-list></change></diff>""");
        Assert.That(CibPatch.Apply(a, withResult).Element("x")!.Attributes().Select(x => x.Name.LocalName), Is.EqualTo(new[] { "id", "new" }));
        Assert.That(CibPatch.Apply(a, listOnly).Element("x")!.Attributes().Select(x => x.Name.LocalName), Is.EqualTo(new[] { "id", "keep", "new" }));
    }

    [Test]
    public void A_patch_for_an_older_cib_is_refused_as_old_data()
    {
        var old = XElement.Parse(Old);
        var patch = CibPatch.Create(old, XElement.Parse(New));
        var newer = XElement.Parse(Old);
        newer.SetAttributeValue("num_updates", "3");
        var e = Assert.Throws<CibPatchException>(() => CibPatch.Apply(newer, patch))!;
        Assert.That(e.Code, Is.EqualTo(CibResultCode.OldData));
        Assert.That(e.Message, Does.Contain("newer than the patch's source version 0.1.0"));
    }

    [Test]
    public void A_patch_for_a_newer_cib_asks_for_a_resync()
    {
        var patch = CibPatch.Create(XElement.Parse(Old), XElement.Parse(New));
        var older = XElement.Parse(Old);
        older.SetAttributeValue("epoch", "0");
        Assert.That(Assert.Throws<CibPatchException>(() => CibPatch.Apply(older, patch))!.Code, Is.EqualTo(CibResultCode.DiffResync));
    }

    [Test]
    public void A_patch_that_does_not_move_the_version_is_refused()
    {
        var a = XElement.Parse(Old);
        var b = XElement.Parse(Old);
        b.Descendants("nvpair").First().SetAttributeValue("value", "9");
        Assert.That(Assert.Throws<CibPatchException>(() => CibPatch.Apply(a, CibPatch.Create(a, b)))!.Code, Is.EqualTo(CibResultCode.OldData));
    }

    [TestCase("""<diff format="1"/>""", CibResultCode.ProtocolNotSupported)]
    [TestCase("""<patch/>""", CibResultCode.ProtocolNotSupported)]
    [TestCase("""<diff format="2"/>""", CibResultCode.DiffFailed)]
    [TestCase("""<diff format="2"><version><source admin_epoch="0" epoch="1" num_updates="0"/><target admin_epoch="0" epoch="2" num_updates="0"/></version><change operation="modify" path="/cib/configuration/nodes/node[@id='9']"><change-list/></change></diff>""", CibResultCode.DiffFailed)]
    [TestCase("""<diff format="2"><version><source admin_epoch="0" epoch="1" num_updates="0"/><target admin_epoch="0" epoch="2" num_updates="0"/></version><change operation="explode" path="/cib"/></diff>""", CibResultCode.DiffFailed)]
    [TestCase("""<diff format="2"><version><source admin_epoch="0" epoch="1" num_updates="0"/><target admin_epoch="0" epoch="2" num_updates="0"/></version><change operation="create" path="/cib/configuration" position="x"><a/></change></diff>""", CibResultCode.DiffFailed)]
    [TestCase("""<diff format="2"><version><source admin_epoch="0" epoch="1" num_updates="0"/><target admin_epoch="0" epoch="2" num_updates="0"/></version><change operation="delete" path="/cib"/></diff>""", CibResultCode.DiffFailed)]
    [TestCase("""<diff format="2"><version><source admin_epoch="0" epoch="1" num_updates="0"/><target admin_epoch="0" epoch="2" num_updates="0"/></version><change operation="modify" path="cib[@id="/></diff>""", CibResultCode.DiffFailed)]
    public void A_bad_patch_is_a_typed_error(string patch, CibResultCode expected)
    {
        Assert.That(Assert.Throws<CibPatchException>(() => CibPatch.Apply(XElement.Parse(Old), XElement.Parse(patch)))!.Code, Is.EqualTo(expected));
    }

    [Test]
    public void A_store_applies_a_patch_to_its_target_version_and_refuses_a_stale_one_untouched()
    {
        var store = new CibStore(CibDocument.Parse(Old));
        var patch = CibPatch.Create(XElement.Parse(Old), XElement.Parse(New));
        Assert.That(store.ApplyPatch(patch).Succeeded, Is.True);
        Assert.That(store.Version, Is.EqualTo(new CibVersion(0, 2, 0)));
        Assert.That(XmlEquivalence.Equivalent(store.Document.Root, XElement.Parse(New)), Is.True);
        var before = store.Document.ToXmlString();
        var again = store.ApplyPatch(patch);
        Assert.That(again.Code, Is.EqualTo(CibResultCode.OldData));
        Assert.That(again.Message, Is.EqualTo("Update was older than existing configuration"));
        Assert.That(store.Document.ToXmlString(), Is.EqualTo(before));
    }

    [Test]
    public void A_store_ends_at_the_target_version_even_when_the_patch_does_not_change_the_root()
    {
        var store = new CibStore(CibDocument.Parse(Old));
        var patch = XElement.Parse("""
            <diff format="2"><version><source admin_epoch="0" epoch="1" num_updates="0"/><target admin_epoch="0" epoch="1" num_updates="4"/></version>
            <change operation="create" path="/cib/status" position="0"><node_state id="1"/></change></diff>
            """);
        Assert.That(store.ApplyPatch(patch).Succeeded, Is.True);
        Assert.That(store.Version, Is.EqualTo(new CibVersion(0, 1, 4)));
        Assert.That(store.Document.Root.Element("status")!.Element("node_state"), Is.Not.Null);
    }

    [Test]
    public void Property_applying_the_diff_of_two_random_cibs_gives_the_second_for_500_pairs()
    {
        var random = new RandomCib(20261201);
        for (var i = 0; i < 500; i++)
        {
            var a = random.Cib();
            var b = i % 5 == 4 ? random.Cib() : random.Edit(a);
            b.SetAttributeValue("epoch", ((long)a.Attribute("epoch")! + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
            var patch = CibPatch.Create(a, b);
            XElement result;
            try
            {
                result = CibPatch.Apply(a, patch);
            }
            catch (CibPatchException e)
            {
                Assert.Fail($"pair {i}: {e.Message}\nA: {a}\nB: {b}\npatch: {patch}");
                return;
            }

            Assert.That(XmlEquivalence.Equivalent(result, b), Is.True, $"pair {i}\nA: {a}\nB: {b}\npatch: {patch}\ngot: {result}");
        }
    }
}
