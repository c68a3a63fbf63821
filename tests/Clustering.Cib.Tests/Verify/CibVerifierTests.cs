using Clustering.Cib.Model;
using Clustering.Cib.Validation;
using Clustering.Cib.Verify;
using Clustering.TestSupport;

namespace Clustering.Cib.Tests.Verify;

public sealed class CibVerifierTests
{
    private static CibDocument Cib(string schema, string resources, string constraints = "", string stonith = "false", string extra = "")
        => CibDocument.Parse($"""
            <cib validate-with="{schema}" admin_epoch="0" epoch="1" num_updates="0">
              <configuration>
                <crm_config>
                  <cluster_property_set id="opts"><nvpair id="opts-stonith" name="stonith-enabled" value="{stonith}"/></cluster_property_set>
                </crm_config>
                <nodes><node id="1" uname="n1"/></nodes>
                <resources>{resources}</resources>
                <constraints>{constraints}</constraints>
                {extra}
              </configuration>
              <status/>
            </cib>
            """);

    private const string Ip = """<primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2"/>""";

    private static CibVerifyOptions Installed()
    {
        if (!Directory.Exists(CibSchemaSetOptions.DefaultDirectory))
        {
            RealTools.Unavailable("Pacemaker's schemas are not installed in /usr/share/pacemaker");
        }

        return new CibVerifyOptions();
    }

    [Test]
    public void A_sound_configuration_is_clean()
    {
        var result = CibVerifier.Verify(Cib("none", Ip, """<rsc_location id="l" rsc="ip" node="n1" score="10"/>"""));
        Assert.That(result.IsClean, Is.True, string.Join("\n", result.Findings));
        Assert.That(result.SchemaValidationDisabled, Is.True);
        Assert.That(result.Findings, Is.Empty);
    }

    [TestCase("""<rsc_location id="c" rsc="ghost" node="n1" score="10"/>""", "unpack_location_tags", "ghost")]
    [TestCase("""<rsc_colocation id="c" rsc="ip" with-rsc="ghost" score="INFINITY"/>""", "unpack_colocation_tags", "ghost")]
    [TestCase("""<rsc_colocation id="c" rsc="ghost" with-rsc="ip" score="INFINITY"/>""", "unpack_colocation_tags", "ghost")]
    [TestCase("""<rsc_order id="c" first="ghost" then="ip"/>""", "unpack_order_tags", "ghost")]
    [TestCase("""<rsc_order id="c" first="ip" then="ghost"/>""", "unpack_order_tags", "ghost")]
    [TestCase("""<rsc_location id="c" rsc="opts-stonith" node="n1" score="10"/>""", "unpack_location_tags", "opts-stonith")]
    public void Constraints_naming_no_resource_are_errors(string constraint, string source, string missing)
    {
        var result = CibVerifier.Verify(Cib("none", Ip, constraint));
        var finding = result.Findings.Single();
        Assert.That(finding.Severity, Is.EqualTo(CibFindingSeverity.Error));
        Assert.That(finding.Code, Is.EqualTo("dangling-reference"));
        Assert.That(finding.ToString(), Is.EqualTo($"({source}) \terror: Ignoring constraint 'c' because '{missing}' is not a valid resource or tag"));
        Assert.That(finding.LineNumber, Is.GreaterThan(0));
        Assert.That(result.HasErrors, Is.True);
    }

    [TestCase("rsc_order", "order")]
    [TestCase("rsc_colocation", "colocation")]
    [TestCase("rsc_location", "location")]
    [TestCase("rsc_ticket", "rsc_ticket")]
    public void Resource_sets_naming_no_resource_are_errors(string element, string kind)
    {
        var extra = element switch
        {
            "rsc_colocation" => """ score="INFINITY" """,
            "rsc_ticket" => """ ticket="tk" """,
            _ => " ",
        };
        var constraint = $"""<{element} id="c"{extra}><resource_set id="s"><resource_ref id="ip"/><resource_ref id="ghost"/></resource_set></{element}>""";
        var result = CibVerifier.Verify(Cib("none", Ip, constraint));
        Assert.That(result.Findings.Select(f => f.ToString()), Is.EqualTo(new[]
        {
            "(pcmk__expand_tags_in_sets) \terror: Ignoring resource sets for constraint 'c' because 'ghost' is not a valid resource or tag",
            $"(unpack_{kind}_set) \terror: s: No resource found for ghost",
        }));
    }

    [Test]
    public void A_template_is_a_valid_target()
    {
        var resources = """<template id="tpl" class="ocf" provider="heartbeat" type="IPaddr2"/><primitive id="ip" template="tpl"/>""";
        var result = CibVerifier.Verify(Cib("none", resources, """<rsc_location id="l" rsc="tpl" node="n1" score="10"/>"""));
        Assert.That(result.Findings, Is.Empty);
    }

    [Test]
    public void The_resource_inside_a_clone_is_not_a_valid_target()
    {
        var resources = """<clone id="c"><primitive id="p" class="lsb" type="p"/></clone>""" + Ip;
        var result = CibVerifier.Verify(Cib("none", resources, """<rsc_colocation id="cc" rsc="ip" with-rsc="p" score="10"/>"""));
        Assert.That(result.Findings.Single().Message, Is.EqualTo("Ignoring constraint 'cc' because 'p' is not a valid resource or tag"));
    }

    [Test]
    public void Tags_and_nested_resources_are_valid_targets()
    {
        var resources = """<group id="g"><primitive id="m" class="lsb" type="m"/></group><clone id="c"><primitive id="p" class="lsb" type="p"/></clone>""";
        var constraints = """<rsc_order id="o" first="m" then="c"/><rsc_colocation id="col" rsc="g" with-rsc="c" score="1"/><rsc_location id="l" rsc="t" node="n1" score="1"/>""";
        var result = CibVerifier.Verify(Cib("none", resources, constraints, extra: """<tags><tag id="t"><obj_ref id="m"/></tag></tags>"""));
        Assert.That(result.Findings, Is.Empty);
    }

    [Test]
    public void A_location_on_an_unknown_node_is_only_a_notice()
    {
        var result = CibVerifier.Verify(Cib("none", Ip, """<rsc_location id="l" rsc="ip" node="n9" score="10"/>"""));
        Assert.That(result.Findings.Single().Severity, Is.EqualTo(CibFindingSeverity.Notice));
        Assert.That(result.Findings.Single().Message, Does.Contain("'n9'"));
        Assert.That(result.IsClean, Is.True);
    }

    [Test]
    public void Duplicate_ids_unknown_classes_and_missing_providers_are_warnings()
    {
        var resources = """
            <primitive id="a" class="bogus" type="x"/>
            <primitive id="b" class="ocf" type="Dummy"/>
            <primitive id="opts" class="lsb" type="foo"/>
            """;
        var result = CibVerifier.Verify(Cib("none", resources));
        Assert.That(result.Findings.Select(f => (f.Severity, f.Code)), Is.EquivalentTo(new[]
        {
            (CibFindingSeverity.Warning, "duplicate-id"),
            (CibFindingSeverity.Warning, "unknown-class"),
            (CibFindingSeverity.Warning, "missing-provider"),
        }));
        Assert.That(result.HasWarnings, Is.True);
        Assert.That(result.HasErrors, Is.False);
        Assert.That(result.Findings.Single(f => f.Code == "duplicate-id").Message, Does.Contain("Duplicate id 'opts'"));
        Assert.That(result.Findings.Single(f => f.Code == "unknown-class").Message, Does.Contain("unknown class 'bogus'"));
    }

    [TestCase("ocf")]
    [TestCase("lsb")]
    [TestCase("systemd")]
    [TestCase("service")]
    [TestCase("stonith")]
    [TestCase("heartbeat")]
    [TestCase("nagios")]
    [TestCase("upstart")]
    public void Every_known_class_is_accepted(string resourceClass)
    {
        var provider = resourceClass == "ocf" ? """ provider="heartbeat" """ : " ";
        var result = CibVerifier.Verify(Cib("none", $"""<primitive id="r" class="{resourceClass}"{provider}type="t"/>"""));
        Assert.That(result.Findings, Is.Empty);
    }

    [TestCase("true", false, true)]
    [TestCase("true", true, false)]
    [TestCase("false", false, false)]
    [TestCase(null, false, true)]
    public void Stonith_enabled_without_a_fencing_resource_is_an_error(string? enabled, bool withDevice, bool expectError)
    {
        var resources = Ip + (withDevice ? """<primitive id="f" class="stonith" type="fence_ipmilan"/>""" : "");
        var document = Cib("none", resources, stonith: enabled ?? "x");
        if (enabled is null)
        {
            document.Root.Descendants("nvpair").Single().Remove();
        }

        var result = CibVerifier.Verify(document);
        Assert.That(result.Findings.Any(f => f.Code == "no-stonith"), Is.EqualTo(expectError));
        if (expectError)
        {
            Assert.That(result.Findings.Select(f => f.ToString()), Does.Contain("(unpack_resources) \terror: Resource start-up disabled since no STONITH resources have been defined"));
        }
    }

    [Test]
    public void Schema_errors_stop_the_semantic_checks_as_in_crm_verify()
    {
        var result = CibVerifier.Verify(Cib("pacemaker-1.2", Ip, """<rsc_location id="l" rsc="ghost" node="n1" score="10"/>""", stonith: "true"), Installed());
        Assert.That(result.Schema, Is.EqualTo("pacemaker-1.2"));
        Assert.That(result.SchemaErrors.Select(e => e.Message), Has.Some.Contains("ghost"));
        Assert.That(result.Findings.Single().ToString(), Is.EqualTo("(main) \terror: CIB did not pass schema validation"));
        Assert.That(result.HasErrors, Is.True);
    }

    [Test]
    public void A_valid_configuration_is_checked_after_the_schema()
    {
        var result = CibVerifier.Verify(Cib("pacemaker-1.2", Ip, stonith: "true"), Installed());
        Assert.That(result.SchemaErrors, Is.Empty);
        Assert.That(result.Findings.Select(f => f.Code), Is.EqualTo(new[] { "no-stonith", "no-stonith", "no-stonith" }));
    }

    [Test]
    public void An_unknown_schema_fails_validation()
    {
        var result = CibVerifier.Verify(Cib("pacemaker-9.9", Ip), Installed());
        Assert.That(result.SchemaErrors, Is.Empty);
        Assert.That(result.Findings.Select(f => f.ToString()), Is.EqualTo(new[]
        {
            "(validate_with) \terror: unknown schema 'pacemaker-9.9' (not in /usr/share/pacemaker)",
            "(main) \terror: CIB did not pass schema validation",
        }));
        Assert.That(result.HasErrors, Is.True);
    }

    [Test]
    public void A_builder_cib_verifies_clean_against_its_schema()
    {
        var cib = new CibBuilder("pacemaker-1.2")
            .Node("1", "n1")
            .Primitive("fence", "stonith", null, "fence_ipmilan")
            .Primitive("ip", "ocf", "heartbeat", "IPaddr2")
            .Location("l", "ip", "n1", CibScore.Infinity)
            .Build();
        var result = CibVerifier.Verify(cib, Installed());
        Assert.That(result.IsClean, Is.True, string.Join("\n", result.SchemaErrors.Select(e => e.ToString()).Concat(result.Findings.Select(f => f.ToString()))));
    }
}
