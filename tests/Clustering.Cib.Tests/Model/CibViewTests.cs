using Clustering.Cib.Model;

namespace Clustering.Cib.Tests.Model;

public sealed class CibViewTests
{
    internal const string Cib = """
        <cib validate-with="pacemaker-1.2" admin_epoch="0" epoch="5" num_updates="2">
          <configuration>
            <crm_config>
              <cluster_property_set id="cib-bootstrap-options">
                <nvpair id="o-stonith" name="stonith-enabled" value="no"/>
                <nvpair id="o-ps" name="placement-strategy" value="balanced"/>
                <nvpair id="o-acl" name="enable-acl" value="on"/>
              </cluster_property_set>
              <cluster_property_set id="later">
                <nvpair id="o-stonith2" name="stonith-enabled" value="true"/>
                <nvpair id="o-nqp" name="no-quorum-policy" value="ignore"/>
              </cluster_property_set>
            </crm_config>
            <nodes>
              <node id="1" uname="n1" type="member">
                <instance_attributes id="n1-attrs"><nvpair id="n1-a" name="rack" value="r1"/></instance_attributes>
                <utilization id="n1-util"><nvpair id="n1-cpu" name="cpu" value="8"/></utilization>
              </node>
              <node id="2" uname="n2"/>
            </nodes>
            <resources>
              <primitive id="fence" class="stonith" type="fence_ipmilan"/>
              <primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2">
                <instance_attributes id="ip-params"><nvpair id="ip-ip" name="ip" value="10.0.0.1"/></instance_attributes>
                <meta_attributes id="ip-meta"><nvpair id="ip-role" name="target-role" value="Started"/></meta_attributes>
                <utilization id="ip-util"><nvpair id="ip-cpu" name="cpu" value="1"/></utilization>
                <operations>
                  <op id="ip-mon" name="monitor" interval="10s" timeout="20s"/>
                  <op id="ip-start" name="start" interval="0" on-fail="restart"/>
                </operations>
              </primitive>
              <group id="web">
                <primitive id="fs" class="ocf" provider="heartbeat" type="Filesystem"/>
                <primitive id="apache" class="systemd" type="apache2"/>
              </group>
              <clone id="dlm-clone">
                <meta_attributes id="dlm-meta"><nvpair id="dlm-inter" name="interleave" value="true"/></meta_attributes>
                <primitive id="dlm" class="ocf" provider="pacemaker" type="controld"/>
              </clone>
              <master id="db-ms">
                <primitive id="db" class="ocf" provider="heartbeat" type="pgsql"/>
              </master>
            </resources>
            <constraints>
              <rsc_location id="loc" rsc="ip" node="n1" score="+INFINITY"/>
              <rsc_location id="loc-rule" rsc="web">
                <rule id="loc-rule-r" score="-INFINITY"><expression id="e" attribute="rack" operation="eq" value="r2"/></rule>
              </rsc_location>
              <rsc_colocation id="col" rsc="web" with-rsc="ip" score="INFINITY" rsc-role="Started"/>
              <rsc_order id="ord" first="ip" then="web" kind="Optional" symmetrical="false"/>
              <rsc_order id="ord-set">
                <resource_set id="set1" sequential="false"><resource_ref id="fs"/><resource_ref id="apache"/></resource_set>
              </rsc_order>
              <rsc_ticket id="tkt" rsc="db-ms" ticket="site-a" loss-policy="stop"/>
            </constraints>
            <rsc_defaults>
              <meta_attributes id="rsc-options"><nvpair id="rsc-stick" name="resource-stickiness" value="100"/></meta_attributes>
            </rsc_defaults>
            <op_defaults>
              <meta_attributes id="op-options"><nvpair id="op-timeout" name="timeout" value="30s"/></meta_attributes>
            </op_defaults>
          </configuration>
          <status>
            <node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member">
              <transient_attributes id="1"><instance_attributes id="status-1"><nvpair id="status-1-fc" name="fail-count-ip#monitor_10000" value="2"/></instance_attributes></transient_attributes>
              <lrm id="1">
                <lrm_resources>
                  <lrm_resource id="ip" class="ocf" provider="heartbeat" type="IPaddr2">
                    <lrm_rsc_op id="ip_last_0" operation="start" interval="0" call-id="7" rc-code="0" op-status="0"/>
                    <lrm_rsc_op id="ip_monitor_10000" operation="monitor" interval="10000" call-id="8" rc-code="7" op-status="0"/>
                  </lrm_resource>
                </lrm_resources>
              </lrm>
            </node_state>
            <node_state id="2" uname="n2" in_ccm="false" crmd="offline"/>
          </status>
        </cib>
        """;

    private CibView _view = null!;

    [SetUp]
    public void SetUp() => _view = CibView.From(CibDocument.Parse(Cib));

    [Test]
    public void Nodes_carry_attributes_and_utilization()
    {
        Assert.That(_view.Nodes.Select(n => n.Uname), Is.EqualTo(new[] { "n1", "n2" }));
        var n1 = _view.FindNode("n1")!;
        Assert.That(n1.Id, Is.EqualTo("1"));
        Assert.That(n1.Attributes["rack"], Is.EqualTo("r1"));
        Assert.That(n1.Utilization["cpu"], Is.EqualTo("8"));
        Assert.That(_view.FindNode("2")!.Type, Is.EqualTo("member"), "type defaults to member");
        Assert.That(_view.FindNode("n9"), Is.Null);
    }

    [Test]
    public void Primitives_have_agent_parameters_meta_operations_and_utilization()
    {
        var ip = (CibPrimitive)_view.FindResource("ip")!;
        Assert.That(ip.Agent, Is.EqualTo("ocf:heartbeat:IPaddr2"));
        Assert.That(ip.InstanceAttributes["ip"], Is.EqualTo("10.0.0.1"));
        Assert.That(ip.MetaAttributes["target-role"], Is.EqualTo("Started"));
        Assert.That(ip.Utilization["cpu"], Is.EqualTo("1"));
        Assert.That(ip.Operations.Select(o => (o.Name, o.Interval)), Is.EqualTo(new[] { ("monitor", "10s"), ("start", "0") }));
        Assert.That(ip.Operations[0].Timeout, Is.EqualTo("20s"));
        Assert.That(ip.Operations[1].OnFail, Is.EqualTo("restart"));
        Assert.That(((CibPrimitive)_view.FindResource("apache")!).Agent, Is.EqualTo("systemd:apache2"));
        Assert.That(((CibPrimitive)_view.FindResource("fence")!).IsStonith, Is.True);
    }

    [Test]
    public void Groups_clones_and_masters_nest_their_children()
    {
        Assert.That(_view.Resources.Select(r => r.Kind), Is.EqualTo(new[]
        {
            CibResourceKind.Primitive, CibResourceKind.Primitive, CibResourceKind.Group, CibResourceKind.Clone, CibResourceKind.Master,
        }));
        var web = (CibGroup)_view.FindResource("web")!;
        Assert.That(web.Members.Select(m => m.Id), Is.EqualTo(new[] { "fs", "apache" }));
        Assert.That(web.Members[0].Parent, Is.SameAs(web));
        var dlm = (CibClone)_view.FindResource("dlm-clone")!;
        Assert.That(dlm.Child!.Id, Is.EqualTo("dlm"));
        Assert.That(dlm.IsPromotable, Is.False);
        Assert.That(dlm.MetaAttributes["interleave"], Is.EqualTo("true"));
        Assert.That(((CibClone)_view.FindResource("db-ms")!).IsPromotable, Is.True);
        Assert.That(_view.AllResources.Select(r => r.Id), Is.EqualTo(new[] { "fence", "ip", "web", "fs", "apache", "dlm-clone", "dlm", "db-ms", "db" }));
        Assert.That(_view.Primitives.Count(), Is.EqualTo(6));
    }

    [Test]
    public void A_clone_with_promotable_meta_is_promotable()
    {
        var view = CibView.From(CibDocument.Parse("""
            <cib><configuration><resources><clone id="c">
              <meta_attributes id="m"><nvpair id="p" name="promotable" value="yes"/></meta_attributes>
              <primitive id="x" class="ocf" provider="pacemaker" type="Stateful"/>
            </clone></resources></configuration></cib>
            """));
        Assert.That(((CibClone)view.FindResource("c")!).IsPromotable, Is.True);
    }

    [Test]
    public void Constraints_are_typed_with_scores_and_references()
    {
        Assert.That(_view.Constraints.Select(c => c.GetType().Name), Is.EqualTo(new[]
        {
            nameof(CibLocationConstraint), nameof(CibLocationConstraint), nameof(CibColocationConstraint),
            nameof(CibOrderConstraint), nameof(CibOrderConstraint), nameof(CibTicketConstraint),
        }));
        var loc = (CibLocationConstraint)_view.Constraints[0];
        Assert.That((loc.Resource, loc.Node, loc.Score), Is.EqualTo(("ip", "n1", (CibScore?)CibScore.Infinity)));
        var rule = (CibLocationConstraint)_view.Constraints[1];
        var r = rule.Rules.Single();
        Assert.That((r.Id, r.Score, r.BooleanOperation), Is.EqualTo(("loc-rule-r", (CibScore?)CibScore.MinusInfinity, "and")));
        Assert.That(r.Expressions.Single(), Is.EqualTo(new CibRuleExpression("e", "rack", "eq", "r2")));
        Assert.That(rule.Score, Is.Null);
        var col = (CibColocationConstraint)_view.Constraints[2];
        Assert.That((col.Resource, col.WithResource, col.ResourceRole), Is.EqualTo(("web", "ip", "Started")));
        Assert.That(col.ResourceReferences(), Is.EqualTo(new[] { ("rsc", "web"), ("with-rsc", "ip") }));
        var ord = (CibOrderConstraint)_view.Constraints[3];
        Assert.That((ord.First, ord.Then, ord.OrderKind, ord.Symmetrical, ord.FirstAction), Is.EqualTo(("ip", "web", "Optional", false, "start")));
        var set = (CibOrderConstraint)_view.Constraints[4];
        Assert.That(set.ResourceSets.Single().Sequential, Is.False);
        Assert.That(set.ResourceReferences().Select(r => r.Id), Is.EqualTo(new[] { "fs", "apache" }));
        var ticket = (CibTicketConstraint)_view.Constraints[5];
        Assert.That((ticket.Resource, ticket.Ticket, ticket.LossPolicy), Is.EqualTo(("db-ms", "site-a", "stop")));
        Assert.That(ticket.Element.Name.LocalName, Is.EqualTo("rsc_ticket"), "the raw element is kept");
    }

    [Test]
    public void Properties_take_the_first_set_that_names_them()
    {
        Assert.That(_view.Property("stonith-enabled"), Is.EqualTo("no"));
        Assert.That(_view.StonithEnabled, Is.False);
        Assert.That(_view.AclEnabled, Is.True);
        Assert.That(_view.PlacementStrategy, Is.EqualTo("balanced"));
        Assert.That(_view.NoQuorumPolicy, Is.EqualTo("ignore"));
        Assert.That(_view.ClusterPropertySets.Select(s => s.Id), Is.EqualTo(new[] { "cib-bootstrap-options", "later" }));
        Assert.That(_view.ResourceDefaults["resource-stickiness"], Is.EqualTo("100"));
        Assert.That(_view.OperationDefaults["timeout"], Is.EqualTo("30s"));
    }

    [Test]
    public void Defaults_apply_when_properties_are_absent()
    {
        var view = CibView.From(CibDocument.Parse("<cib/>"));
        Assert.That(view.StonithEnabled, Is.True);
        Assert.That(view.AclEnabled, Is.False);
        Assert.That(view.NoQuorumPolicy, Is.EqualTo("stop"));
        Assert.That(view.PlacementStrategy, Is.EqualTo("default"));
        Assert.That(view.Nodes, Is.Empty);
        Assert.That(view.Resources, Is.Empty);
        Assert.That(view.Constraints, Is.Empty);
        Assert.That(view.NodeStates, Is.Empty);
    }

    [Test]
    public void Status_has_node_states_and_operation_history()
    {
        Assert.That(_view.NodeStates.Select(s => (s.Uname, s.InCluster, s.Crmd)), Is.EqualTo(new[] { ("n1", true, (string?)"online"), ("n2", false, "offline") }));
        var n1 = _view.NodeStates[0];
        Assert.That(n1.TransientAttributes["fail-count-ip#monitor_10000"], Is.EqualTo("2"));
        var ip = n1.Resources.Single();
        Assert.That((ip.Id, ip.Class, ip.Provider, ip.Type), Is.EqualTo(("ip", (string?)"ocf", (string?)"heartbeat", (string?)"IPaddr2")));
        Assert.That(ip.Operations.Select(o => (o.Operation, o.Interval, o.ReturnCode)), Is.EqualTo(new[] { ("start", 0L, (long?)0), ("monitor", 10000L, 7) }));
        Assert.That(ip.Operations[1].CallId, Is.EqualTo(8));
    }

    [Test]
    public void The_view_reads_the_xml_it_was_made_from()
    {
        var document = CibDocument.Parse(Cib);
        var view = CibView.From(document);
        Assert.That(view.FindResource("ip")!.Element.Document, Is.SameAs(document.Document));
    }
}
