using System.Xml.Linq;
using Clustering.Cib.Acl;
using Clustering.Cib.Operations;

namespace Clustering.Cib.Tests.Acl;

public sealed class CibAccessTests
{
    private const string Resources = """
        <resources>
          <primitive id="r1" class="ocf" provider="heartbeat" type="Dummy">
            <meta_attributes id="r1-meta">
              <nvpair id="r1-meta-role" name="target-role" value="Started"/>
            </meta_attributes>
          </primitive>
          <primitive id="r2" class="ocf" provider="heartbeat" type="Dummy"/>
        </resources>
        """;

    private static CibStore Store(string acls, bool enabled = true, string validateWith = "pacemaker-3.0") => new(CibDocument.Parse($"""
        <cib validate-with="{validateWith}" admin_epoch="0" epoch="1" num_updates="0">
          <configuration>
            <crm_config>
              <cluster_property_set id="opts">
                <nvpair id="opts-acl" name="enable-acl" value="{(enabled ? "true" : "false")}"/>
              </cluster_property_set>
            </crm_config>
            <nodes><node id="1" uname="n1"/></nodes>
            {Resources}
            <constraints/>
            <acls>{acls}</acls>
          </configuration>
          <status/>
        </cib>
        """));

    private static CibCallOptions As(string user, params string[] groups) => new() { User = user, Groups = groups };

    private static XElement Read(CibStore store, string user, params string[] groups)
    {
        var result = store.Query(As(user, groups));
        Assert.That(result.Succeeded, Is.True, result.ToString());
        return result.Output!;
    }

    private static IEnumerable<string?> Ids(XElement element) => element.Descendants().Select(e => (string?)e.Attribute("id")).Where(id => id is not null);

    private const string ReadResources = """
        <acl_target id="alice"><role id="read-resources"/></acl_target>
        <acl_role id="read-resources"><acl_permission id="p1" kind="read" xpath="/cib/configuration/resources"/></acl_role>
        """;

    [Test]
    public void Without_enable_acl_everyone_has_full_access()
    {
        var store = Store(ReadResources, enabled: false);
        Assert.That(Ids(Read(store, "alice")), Does.Contain("opts-acl"));
        Assert.That(store.Modify(new XElement("nvpair", new XAttribute("id", "opts-acl"), new XAttribute("value", "true")), As("alice")).Succeeded, Is.True);
    }

    [TestCase("root")]
    [TestCase("hacluster")]
    [TestCase("")]
    public void Superusers_bypass_acls(string user)
    {
        var store = Store(ReadResources);
        Assert.That(Ids(Read(store, user)), Does.Contain("opts-acl"));
        Assert.That(store.Bump(As(user)).Succeeded, Is.True);
    }

    [Test]
    public void A_user_without_any_acl_entry_is_denied_everything()
    {
        var store = Store(ReadResources);
        var read = store.Query(As("carol"));
        Assert.That(read.Code, Is.EqualTo(CibResultCode.PermissionDenied));
        Assert.That(read.Message, Is.EqualTo("Permission denied"));
        Assert.That((int)read.ExitCode, Is.EqualTo(4));
        var before = store.Document.ToXmlString();
        Assert.That(store.Bump(As("carol")).Code, Is.EqualTo(CibResultCode.PermissionDenied));
        Assert.That(store.Document.ToXmlString(), Is.EqualTo(before));
    }

    [Test]
    public void Reads_are_filtered_to_what_is_granted_with_bare_scaffolding_above()
    {
        var view = Read(Store(ReadResources), "alice");
        Assert.That(view.Name.LocalName, Is.EqualTo("cib"));
        Assert.That(view.HasAttributes, Is.False, "the cib element is scaffolding: its attributes are removed");
        Assert.That(view.Element("configuration")!.Elements().Select(e => e.Name.LocalName), Is.EqualTo(new[] { "resources" }));
        Assert.That(Ids(view), Is.EqualTo(new[] { "r1", "r1-meta", "r1-meta-role", "r2" }));
        Assert.That((string?)view.Descendants("primitive").First().Attribute("type"), Is.EqualTo("Dummy"));
        Assert.That(view.Element("status"), Is.Null);
    }

    [Test]
    public void A_read_only_user_cannot_write_and_the_cib_stays_byte_identical()
    {
        var store = Store(ReadResources);
        var before = store.Document.ToXmlString();
        var result = store.Modify(XElement.Parse("""<primitive id="r1" description="x"/>"""), As("alice"));
        Assert.That(result.Code, Is.EqualTo(CibResultCode.PermissionDenied));
        Assert.That(result.Detail, Does.Contain("primitive[@id='r1']"));
        Assert.That(store.Document.ToXmlString(), Is.EqualTo(before));
    }

    [Test]
    public void Write_implies_read_and_allows_changes_inside_the_granted_subtree_only()
    {
        var store = Store("""
            <acl_target id="bob"><role id="ops"/></acl_target>
            <acl_role id="ops"><acl_permission id="p1" kind="write" reference="r1"/></acl_role>
            """);
        Assert.That(Ids(Read(store, "bob")), Is.EqualTo(new[] { "r1", "r1-meta", "r1-meta-role" }));
        Assert.That(store.Modify(XElement.Parse("""<nvpair id="r1-meta-role" value="Stopped"/>"""), As("bob")).Succeeded, Is.True);
        Assert.That(store.Modify(XElement.Parse("""<primitive id="r2" description="x"/>"""), As("bob")).Code, Is.EqualTo(CibResultCode.PermissionDenied));
        Assert.That(store.Delete(XElement.Parse("""<primitive id="r2"/>"""), As("bob")).Code, Is.EqualTo(CibResultCode.PermissionDenied));
        Assert.That(store.Delete(XElement.Parse("""<nvpair id="r1-meta-role"/>"""), As("bob")).Succeeded, Is.True);
    }

    [Test]
    public void Deny_beats_write_beats_read_on_the_same_element()
    {
        var store = Store("""
            <acl_target id="dave"><role id="mixed"/></acl_target>
            <acl_role id="mixed">
              <acl_permission id="p1" kind="read" reference="r1"/>
              <acl_permission id="p2" kind="write" reference="r1"/>
              <acl_permission id="p3" kind="deny" reference="r1"/>
              <acl_permission id="p4" kind="read" reference="r2"/>
              <acl_permission id="p5" kind="write" reference="r2"/>
            </acl_role>
            """);
        var root = store.Document.Root;
        var access = CibAccess.For(root, "dave");
        var r1 = root.Descendants("primitive").First();
        var r2 = root.Descendants("primitive").Last();
        Assert.That(access.CanRead(r1), Is.False);
        Assert.That(access.CanWrite(r1), Is.False);
        Assert.That(access.CanRead(r2), Is.True);
        Assert.That(access.CanWrite(r2), Is.True);
    }

    [Test]
    public void The_most_specific_rule_wins_both_ways()
    {
        var store = Store("""
            <acl_target id="erin"><role id="nested"/></acl_target>
            <acl_role id="nested">
              <acl_permission id="p1" kind="deny" xpath="/cib/configuration/resources"/>
              <acl_permission id="p2" kind="write" reference="r1"/>
              <acl_permission id="p3" kind="deny" reference="r1-meta"/>
            </acl_role>
            """);
        var view = Read(store, "erin");
        Assert.That(Ids(view), Is.EqualTo(new[] { "r1" }), "r1 granted under a denied resources; its denied meta_attributes removed");
        Assert.That(store.Modify(XElement.Parse("""<primitive id="r1" description="ok"/>"""), As("erin")).Succeeded, Is.True);
        Assert.That(store.Modify(XElement.Parse("""<nvpair id="r1-meta-role" value="Stopped"/>"""), As("erin")).Code, Is.EqualTo(CibResultCode.PermissionDenied));
        Assert.That(store.Modify(XElement.Parse("""<primitive id="r2" description="no"/>"""), As("erin")).Code, Is.EqualTo(CibResultCode.PermissionDenied));
    }

    [Test]
    public void Object_type_with_attribute_selects_elements_having_that_attribute()
    {
        var store = Store("""
            <acl_target id="frank"><role id="roles"/></acl_target>
            <acl_role id="roles"><acl_permission id="p1" kind="read" object-type="nvpair" attribute="name"/></acl_role>
            """);
        var view = Read(store, "frank");
        Assert.That(Ids(view), Is.EqualTo(new[] { "opts", "opts-acl", "r1", "r1-meta", "r1-meta-role" }));
        Assert.That(view.Descendants("primitive").Single().Attributes().Select(a => a.Name.LocalName), Is.EqualTo(new[] { "id" }), "scaffolding keeps only the id");
    }

    [Test]
    public void Write_on_an_object_type_allows_creating_such_objects_but_nothing_else()
    {
        var store = Store("""
            <acl_target id="gina"><role id="creator"/></acl_target>
            <acl_role id="creator"><acl_permission id="p1" kind="write" object-type="primitive"/></acl_role>
            """);
        var primitive = XElement.Parse("""<primitive id="r3" class="ocf" provider="heartbeat" type="Dummy"/>""");
        Assert.That(store.Create(primitive, new CibCallOptions { Scope = "resources", User = "gina" }).Succeeded, Is.True);
        Assert.That(store.Create(XElement.Parse("""<rsc_location id="l1" rsc="r3" node="n1" score="10"/>"""), new CibCallOptions { Scope = "constraints", User = "gina" }).Code, Is.EqualTo(CibResultCode.PermissionDenied));
    }

    [Test]
    public void Groups_get_the_roles_of_their_acl_group()
    {
        var store = Store("""
            <acl_group id="operators"><role id="read-resources"/></acl_group>
            <acl_role id="read-resources"><acl_permission id="p1" kind="read" xpath="/cib/configuration/resources"/></acl_role>
            """);
        Assert.That(Ids(Read(store, "henry", "operators")), Does.Contain("r2"));
        Assert.That(store.Query(As("henry", "other")).Code, Is.EqualTo(CibResultCode.PermissionDenied));
    }

    [Test]
    public void An_acl_target_may_name_its_user_with_name()
    {
        var store = Store("""
            <acl_target id="t1" name="ivy"><role id="read-resources"/></acl_target>
            <acl_role id="read-resources"><acl_permission id="p1" kind="read" xpath="/cib/configuration/resources"/></acl_role>
            """);
        Assert.That(Ids(Read(store, "ivy")), Does.Contain("r1"));
    }

    [Test]
    public void The_1_2_syntax_with_own_rules_and_role_refs_works_the_same_way()
    {
        var store = Store(
            """
            <acl_role id="readers"><read id="rd1" tag="primitive"/></acl_role>
            <acl_user id="jack"><role_ref id="readers"/></acl_user>
            <acl_user id="kate"><write id="w1" ref="r2"/><deny id="d1" tag="meta_attributes"/><read id="rd2" xpath="//node"/></acl_user>
            """,
            validateWith: "pacemaker-1.2");
        Assert.That(Ids(Read(store, "jack")), Is.EqualTo(new[] { "r1", "r1-meta", "r1-meta-role", "r2" }));
        Assert.That(store.Modify(XElement.Parse("""<primitive id="r1" description="x"/>"""), As("jack")).Code, Is.EqualTo(CibResultCode.PermissionDenied));
        Assert.That(Ids(Read(store, "kate")), Is.EqualTo(new[] { "1", "r2" }));
        Assert.That(store.Modify(XElement.Parse("""<primitive id="r2" description="x"/>"""), As("kate")).Succeeded, Is.True);
    }

    [Test]
    public void A_rule_with_a_broken_xpath_grants_nothing_and_breaks_nothing()
    {
        var store = Store("""
            <acl_target id="liam"><role id="bad"/></acl_target>
            <acl_role id="bad"><acl_permission id="p1" kind="read" xpath="//[[["/><acl_permission id="p2" kind="read" reference="r2"/></acl_role>
            """);
        Assert.That(Ids(Read(store, "liam")), Is.EqualTo(new[] { "r2" }));
    }

    [Test]
    public void Acl_rules_are_listed_as_xpaths()
    {
        var store = Store("""
            <acl_target id="m"><role id="x"/></acl_target>
            <acl_role id="x">
              <acl_permission id="p1" kind="read" reference="r1"/>
              <acl_permission id="p2" kind="write" object-type="nvpair" attribute="value"/>
              <acl_permission id="p3" kind="deny" xpath="//status"/>
            </acl_role>
            """);
        var rules = CibAccess.For(store.Document.Root, "m").Rules;
        Assert.That(rules.Select(r => (r.Mode, r.XPath)), Is.EqualTo(new[]
        {
            (CibAclMode.Read, "//*[@id='r1']"),
            (CibAclMode.Write, "//nvpair[@value]"),
            (CibAclMode.Deny, "//status"),
        }));
    }
}
