using System.Diagnostics;
using Clustering.Cib.Validation;
using Clustering.TestSupport;

namespace Clustering.Cib.Tests;

/// <summary>A generated 1 MB CIB against the installed pacemaker-1.2: same verdict as xmllint, and fast.</summary>
[Category("Conformance")]
public sealed class LargeCibTests
{
    [Test]
    public void A_one_megabyte_cib_validates_like_xmllint_and_faster()
    {
        RealTools.Require("xmllint");
        if (!Directory.Exists(CibSchemaSetOptions.DefaultDirectory))
        {
            RealTools.Unavailable("Pacemaker's schemas are not installed (pacemaker-cli-utils)");
        }

        var set = CibSchemaSet.Open();
        var schema = set.GetSchema("pacemaker-1.2");
        var path = Path.Combine(Path.GetTempPath(), $"large-cib-{Guid.NewGuid():N}.xml");
        try
        {
            CibGenerator.Generate(1 << 20).Save(path);
            var cib = CibDocument.Load(path);
            Assert.That(schema.Validate(cib.Document).IsValid, Is.True, "warm-up run");
            var watch = Stopwatch.StartNew();
            var cpuStart = ThreadCpuClock.Now;
            const int runs = 5;
            for (var i = 0; i < runs; i++)
            {
                var result = schema.Validate(cib.Document);
                Assert.That(result.IsValid, Is.True, string.Join(Environment.NewLine, result.Errors.Take(5)));
            }

            var ours = watch.Elapsed / runs;
            var oursCpu = (ThreadCpuClock.Now - cpuStart) / runs;
            watch.Restart();
            var xmllint = RealTools.Run("xmllint", $"--noout --relaxng {set.Directory}/pacemaker-1.2.rng {path}", TimeSpan.FromSeconds(60));
            var theirs = watch.Elapsed;
            Assert.That(xmllint.ExitCode, Is.Zero, xmllint.StandardError);
            TestContext.Out.WriteLine($"{new FileInfo(path).Length} bytes: ours {ours.TotalMilliseconds:F1} ms per validation (loaded tree; {oursCpu.TotalMilliseconds:F1} ms CPU), xmllint process {theirs.TotalMilliseconds:F0} ms");

            // CPU time: the wall clock of a loaded machine also counts the waits for a core.
            Assert.That(oursCpu, Is.LessThan(TimeSpan.FromSeconds(2)));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
