using Clustering.Cib.Model;
using Clustering.Cib.Validation;
using Clustering.TestSupport;

namespace Clustering.Cib.Tests.Model;

public sealed class CibBuilderTests
{
    private static CibBuilder Sample(string schema) => new CibBuilder(schema)
        .Version(0, 3, 1)
        .Property("stonith-enabled", "true")
        .Property("placement-strategy", "utilization")
        .ResourceDefault("resource-stickiness", "100")
        .OperationDefault("timeout", "30s")
        .Node("1", "n1", n => n.Attribute("rack", "r1").Utilization("cpu", "8").Utilization("memory", "16384"))
        .Node("2", "n2")
        .Primitive("fence", "stonith", null, "fence_ipmilan", p => p.Param("ip", "10.0.0.100").Op("monitor", "60s"))
        .Primitive("ip", "ocf", "heartbeat", "IPaddr2", p => p
            .Param("ip", "10.0.0.10")
            .Meta("target-role", "Started")
            .Utilization("cpu", "1")
            .Op("monitor", "10s", "20s")
            .Op("start", "0s", "40s"))
        .Group("web", g => g
            .Primitive("fs", "ocf", "heartbeat", "Filesystem", p => p.Param("device", "/dev/sdb1"))
            .Primitive("apache", "systemd", null, "apache2")
            .Meta("target-role", "Started"))
        .Clone("dlm-clone", c => c.Primitive("dlm", "ocf", "pacemaker", "controld").Meta("interleave", "true"))
        .Clone("db-clone", c => c
            .Primitive("db", "ocf", "heartbeat", "pgsql", p => p.Op("monitor", "15s", role: "Slave").Op("monitor", "10s", role: "Master"))
            .Promotable())
        .Location("ip-prefers-n1", "ip", "n1", new CibScore(50))
        .Location("web-avoids-n2", "web", "n2", CibScore.MinusInfinity)
        .Colocation("web-with-ip", "web", "ip", CibScore.Infinity)
        .Order("ip-then-web", "ip", "web", "Mandatory")
        .Order("dlm-then-web", "dlm-clone", "web");

    private static CibSchemaSet Schemas()
    {
        if (!Directory.Exists(CibSchemaSetOptions.DefaultDirectory))
        {
            RealTools.Unavailable("Pacemaker's schemas are not installed in /usr/share/pacemaker (apt-get install pacemaker-cli-utils)");
        }

        return CibSchemaSet.Open();
    }

    public static IEnumerable<string> SchemaNames() => ["pacemaker-1.2", "pacemaker-3.0", "newest-3.x"];

    [TestCaseSource(nameof(SchemaNames))]
    public void The_output_validates_against_the_installed_schema(string name)
    {
        var schemas = Schemas();
        if (name == "newest-3.x")
        {
            name = schemas.Versions.Last(v => v.StartsWith("pacemaker-3.", StringComparison.Ordinal));
        }

        if (!schemas.Contains(name))
        {
            RealTools.Unavailable($"{name} is not installed");
        }

        var cib = Sample(name).Build();
        var result = schemas.Validate(cib);
        Assert.That(result.Errors.Select(e => e.ToString()), Is.Empty, cib.ToXmlString());
        Assert.That(cib.ValidateWith, Is.EqualTo(name));
    }

    [Test]
    public void The_output_reads_back_through_the_view()
    {
        var cib = Sample("pacemaker-3.0").Build();
        var view = CibView.From(cib);
        Assert.That((cib.AdminEpoch, cib.Epoch, cib.NumUpdates), Is.EqualTo(((long?)0, (long?)3, (long?)1)));
        Assert.That(view.PlacementStrategy, Is.EqualTo("utilization"));
        Assert.That(view.StonithEnabled, Is.True);
        Assert.That(view.ResourceDefaults["resource-stickiness"], Is.EqualTo("100"));
        Assert.That(view.OperationDefaults["timeout"], Is.EqualTo("30s"));
        Assert.That(view.FindNode("n1")!.Utilization["memory"], Is.EqualTo("16384"));
        Assert.That(view.FindNode("n1")!.Attributes["rack"], Is.EqualTo("r1"));
        var ip = (CibPrimitive)view.FindResource("ip")!;
        Assert.That(ip.Agent, Is.EqualTo("ocf:heartbeat:IPaddr2"));
        Assert.That(ip.InstanceAttributes["ip"], Is.EqualTo("10.0.0.10"));
        Assert.That(ip.Utilization["cpu"], Is.EqualTo("1"));
        Assert.That(ip.Operations.Select(o => o.Id), Is.EqualTo(new[] { "ip-monitor-interval-10s", "ip-start-interval-0s" }));
        Assert.That(((CibGroup)view.FindResource("web")!).Members.Select(m => m.Id), Is.EqualTo(new[] { "fs", "apache" }));
        var db = (CibClone)view.FindResource("db-clone")!;
        Assert.That((db.Kind, db.IsPromotable), Is.EqualTo((CibResourceKind.Clone, true)));
        Assert.That(view.Constraints.Select(c => c.Id), Is.EqualTo(new[] { "ip-prefers-n1", "web-avoids-n2", "web-with-ip", "ip-then-web", "dlm-then-web" }));
        Assert.That(view.Constraints[1].Score, Is.EqualTo(CibScore.MinusInfinity));
    }

    [Test]
    public void Promotable_clones_are_masters_before_schema_3()
    {
        var view = CibView.From(Sample("pacemaker-1.2").Build());
        var db = (CibClone)view.FindResource("db-clone")!;
        Assert.That((db.Kind, db.IsPromotable), Is.EqualTo((CibResourceKind.Master, true)));
        Assert.That(db.MetaAttributes.ContainsKey("promotable"), Is.False);
    }

    [Test]
    public void Bad_input_is_refused_with_a_clear_error()
    {
        Assert.That(() => new CibBuilder("1.2"), Throws.ArgumentException.With.Message.Contains("not a schema name"));
        Assert.That(() => new CibBuilder().Primitive("a b", "ocf", "heartbeat", "Dummy"), Throws.ArgumentException.With.Message.Contains("not a valid id"));
        Assert.That(() => new CibBuilder().Primitive("x", "ocf", null, "Dummy"), Throws.ArgumentException.With.Message.Contains("needs a provider"));
        Assert.That(() => new CibBuilder().Primitive("x", "lsb", "heartbeat", "foo"), Throws.ArgumentException.With.Message.Contains("only ocf"));
        Assert.That(
            () => new CibBuilder().Primitive("x", "lsb", null, "foo").Group("x", g => g.Primitive("y", "lsb", null, "y")),
            Throws.ArgumentException.With.Message.Contains("id 'x' is already used"));
        Assert.That(() => new CibBuilder().Node("1", "a").Node("1", "b"), Throws.ArgumentException.With.Message.Contains("node id '1' is already used"));
        Assert.That(() => new CibBuilder().Group("g", _ => { }), Throws.ArgumentException.With.Message.Contains("no members"));
        Assert.That(() => new CibBuilder().Clone("c", _ => { }), Throws.ArgumentException.With.Message.Contains("no primitive or group"));
        Assert.That(
            () => new CibBuilder().Clone("c", c => c.Primitive("a", "lsb", null, "a").Primitive("b", "lsb", null, "b")),
            Throws.InvalidOperationException.With.Message.Contains("already has a child"));
        Assert.That(() => new CibBuilder().Order("o", "a", "b", "Sometimes"), Throws.ArgumentException.With.Message.Contains("Sometimes"));
        Assert.That(
            () => new CibBuilder().Primitive("a", "lsb", null, "a").Colocation("c", "a", "ghost", CibScore.Infinity).Build(),
            Throws.InvalidOperationException.With.Message.Contains("'ghost', which was not added"));
    }

    [Test]
    public void Constraints_may_refer_to_group_members_and_clones()
    {
        var cib = new CibBuilder("pacemaker-1.2")
            .Group("g", g => g.Primitive("m", "lsb", null, "m"))
            .Clone("c", c => c.Primitive("p", "lsb", null, "p"))
            .Order("o", "c", "m")
            .Ticket("t", "g", "ticket-a", "stop")
            .Build();
        Assert.That(CibView.From(cib).Constraints.Select(c => c.Id), Is.EqualTo(new[] { "o", "t" }));
    }
}
