using System.Globalization;
using Clustering.Cib.Model;
using Clustering.Cib.Validation;
using Clustering.Cib.Verify;
using Clustering.TestSupport;

namespace Clustering.Cib.Tests.Model;

/// <summary>
/// Random configurations written with the builder: they validate against the installed schemas (by our engine, and
/// by <c>xmllint --relaxng</c> in the Conformance category), read back through the view as written, and verify clean.
/// </summary>
public sealed class CibBuilderPropertyTests
{
    private static readonly (string Class, string? Provider, string Type)[] Agents =
    [
        ("ocf", "heartbeat", "IPaddr2"), ("ocf", "pacemaker", "Dummy"), ("lsb", null, "nginx"), ("systemd", null, "postgresql"),
        ("service", null, "cron"), ("ocf", "heartbeat", "Filesystem"),
    ];

    /// <summary>A random configuration; <paramref name="primitiveIds"/> gets the ids of every resource made.</summary>
    internal static CibBuilder Random(string schema, int seed, List<string> primitiveIds)
    {
        var random = new Random(seed);
        var builder = new CibBuilder(schema).Property("stonith-enabled", "true").Property("no-quorum-policy", "stop");
        var nodes = random.Next(1, 6);
        for (var n = 1; n <= nodes; n++)
        {
            var cpus = random.Next(1, 64).ToString(CultureInfo.InvariantCulture);
            builder.Node(n.ToString(CultureInfo.InvariantCulture), $"node{n}", b => b.Utilization("cpu", cpus).Attribute("zone", $"z{n % 2}"));
        }

        builder.Primitive("fence", "stonith", null, "fence_ipmilan", p => p.Op("monitor", "60s"));
        var resources = new List<string>();
        var count = random.Next(1, 12);
        for (var i = 0; i < count; i++)
        {
            var agent = Agents[random.Next(Agents.Length)];
            void Configure(CibPrimitiveBuilder p)
            {
                if (random.Next(2) == 0)
                {
                    p.Param("p1", "v" + random.Next(100).ToString(CultureInfo.InvariantCulture));
                }

                if (random.Next(2) == 0)
                {
                    p.Meta("target-role", "Started");
                }

                if (random.Next(2) == 0)
                {
                    p.Utilization("cpu", random.Next(1, 4).ToString(CultureInfo.InvariantCulture));
                }

                if (random.Next(2) == 0)
                {
                    p.Op("monitor", $"{random.Next(5, 60)}s", "20s");
                }
            }

            var id = $"r{i}";
            switch (random.Next(4))
            {
                case 0:
                    builder.Group(id, g => g.Primitive(id + "a", agent.Class, agent.Provider, agent.Type, Configure).Primitive(id + "b", "lsb", null, "x"));
                    primitiveIds.AddRange([id + "a", id + "b"]);
                    break;
                case 1:
                    builder.Clone(id, c =>
                    {
                        c.Primitive(id + "c", agent.Class, agent.Provider, agent.Type, Configure).Meta("interleave", "true");
                        if (random.Next(2) == 0)
                        {
                            c.Promotable();
                        }
                    });
                    primitiveIds.Add(id + "c");
                    break;
                default:
                    builder.Primitive(id, agent.Class, agent.Provider, agent.Type, Configure);
                    break;
            }

            resources.Add(id);
            primitiveIds.Add(id);
        }

        for (var i = 0; i < resources.Count; i++)
        {
            var a = resources[random.Next(resources.Count)];
            var b = resources[random.Next(resources.Count)];
            var score = new CibScore(random.Next(-3, 4) * 500_000);
            switch (random.Next(3))
            {
                case 0:
                    builder.Location($"loc{i}", a, $"node{random.Next(1, nodes + 1)}", score);
                    break;
                case 1 when a != b:
                    builder.Colocation($"col{i}", a, b, score);
                    break;
                case 2 when a != b:
                    builder.Order($"ord{i}", a, b, random.Next(2) == 0 ? null : "Optional");
                    break;
            }
        }

        return builder;
    }

    private static CibSchemaSet Schemas()
    {
        if (!File.Exists("/usr/share/pacemaker/pacemaker-1.2.rng"))
        {
            RealTools.Unavailable("Pacemaker's schemas are not installed in /usr/share/pacemaker");
        }

        return CibSchemaSet.Open();
    }

    private static string Newest3(CibSchemaSet schemas) => schemas.Versions.Last(v => v.StartsWith("pacemaker-3.", StringComparison.Ordinal));

    [Test]
    public void Random_configurations_validate_and_verify_clean()
    {
        var schemas = Schemas();
        foreach (var schema in new[] { "pacemaker-1.2", Newest3(schemas) })
        {
            for (var seed = 0; seed < 40; seed++)
            {
                var ids = new List<string>();
                var cib = Random(schema, seed, ids).Build();
                var validation = schemas.Validate(cib);
                Assert.That(validation.Errors.Select(e => e.ToString()), Is.Empty, $"{schema} seed {seed}:\n{cib}");
                var verify = CibVerifier.Verify(cib, new CibVerifyOptions { Schemas = schemas });
                Assert.That(verify.IsClean, Is.True, $"{schema} seed {seed}: {string.Join("\n", verify.Findings)}");
                var view = CibView.From(cib);
                Assert.That(ids.All(id => view.FindResource(id) is not null), Is.True, $"seed {seed}");
                Assert.That(view.Primitives.Count(p => p.IsStonith), Is.EqualTo(1));
            }
        }
    }

    [Test]
    [Category("Conformance")]
    public void Xmllint_agrees_that_builder_output_is_valid()
    {
        var xmllint = RealTools.Require("xmllint");
        var schemas = Schemas();
        var dir = Directory.CreateTempSubdirectory("cib-builder-");
        try
        {
            foreach (var schema in new[] { "pacemaker-1.2", Newest3(schemas) })
            {
                for (var seed = 0; seed < 5; seed++)
                {
                    var file = Path.Combine(dir.FullName, $"{schema}-{seed}.xml");
                    Random(schema, seed, []).Build().Save(file);
                    var result = RealTools.Run(xmllint, $"--noout --relaxng /usr/share/pacemaker/{schema}.rng {file}", TimeSpan.FromSeconds(60));
                    Assert.That(result.ExitCode, Is.Zero, $"{schema} seed {seed}: {result.StandardError}");
                }
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Test]
    public void The_view_never_throws_on_damaged_cibs()
    {
        var random = new Random(7);
        for (var i = 0; i < 400; i++)
        {
            var doc = CibGenerator.Generate(20_000, seed: i);
            var mutation = Mutations.Apply(doc, random, i);
            var view = CibView.From(CibDocument.FromXDocument(doc));
            Assert.That(() => (view.AllResources.Count, view.Constraints.Count, view.StonithEnabled, view.NodeStates.Count), Throws.Nothing, mutation);
            doc.Root!.SetAttributeValue("validate-with", "none");
            var result = CibVerifier.Verify(CibDocument.FromXDocument(doc));
            Assert.That(result.SchemaValidationDisabled, Is.True, mutation);
        }
    }
}
