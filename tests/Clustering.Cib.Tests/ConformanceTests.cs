using System.Xml.Linq;
using Clustering.Cib.Validation;
using Clustering.TestSupport;

namespace Clustering.Cib.Tests;

/// <summary>
/// Our RELAX NG engine over the installed Pacemaker schemas against <c>xmllint --relaxng</c>: for the corpus
/// and for seeded mutations of it, both must give the same verdict on every document and schema.
/// </summary>
[Category("Conformance")]
public sealed class ConformanceTests
{
    private static readonly string[] Schemas = ["pacemaker-1.0", "pacemaker-1.2", "pacemaker-1.3", "pacemaker-3.5", "pacemaker-2.0", "pacemaker-2.5", "pacemaker-2.10", "pacemaker-3.0", "pacemaker-3.9", "pacemaker-next"];

    private static string CorpusDirectory => Path.Combine(TestContext.CurrentContext.TestDirectory, "Corpus");

    [Test]
    public void Our_verdict_equals_xmllint_on_the_corpus_and_its_mutations()
    {
        RealTools.Require("xmllint");
        if (!Directory.Exists(CibSchemaSetOptions.DefaultDirectory))
        {
            RealTools.Unavailable("Pacemaker's schemas are not installed (pacemaker-cli-utils)");
        }

        var set = CibSchemaSet.Open();
        var work = Directory.CreateTempSubdirectory("cib-conformance-");
        try
        {
            var files = new List<string>();
            foreach (var source in Directory.GetFiles(CorpusDirectory, "*.xml").Order(StringComparer.Ordinal))
            {
                var original = XDocument.Load(source);
                var name = Path.GetFileNameWithoutExtension(source);
                var copy = Path.Combine(work.FullName, name + ".xml");
                File.Copy(source, copy);
                files.Add(copy);
                var random = new Random(name.Length * 7919);
                for (var i = 0; i < 32; i++)
                {
                    var mutant = new XDocument(original);
                    var what = Mutations.Apply(mutant, random, i);
                    var path = Path.Combine(work.FullName, $"{name}.m{i:00}-{what}.xml");
                    mutant.Save(path);
                    files.Add(path);
                }
            }

            var mismatches = new List<string>();
            var compared = 0;
            var validCount = 0;
            foreach (var schemaName in Schemas.Where(set.Contains))
            {
                var schema = set.GetSchema(schemaName);
                var theirs = Xmllint(Path.Combine(set.Directory, schemaName + ".rng"), files);
                foreach (var file in files)
                {
                    var doc = CibDocument.Load(file);
                    var ours = schema.Validate(doc.Document);
                    compared++;
                    validCount += ours.IsValid ? 1 : 0;
                    bool streamedValid;
                    using (var stream = File.OpenRead(file))
                    {
                        streamedValid = set.ValidateStream(stream, schemaName).IsValid;
                    }

                    if (streamedValid != ours.IsValid)
                    {
                        mismatches.Add($"{schemaName} {Path.GetFileName(file)}: streamed validation says {(streamedValid ? "valid" : "invalid")}, the tree {(ours.IsValid ? "valid" : "invalid")}");
                    }

                    if (ours.IsValid != theirs[file].Valid)
                    {
                        mismatches.Add($"{schemaName} {Path.GetFileName(file)}: ours {(ours.IsValid ? "valid" : "invalid: " + string.Join(" | ", ours.Errors.Take(3)))}; xmllint {(theirs[file].Valid ? "valid" : "invalid: " + theirs[file].Output)}");
                    }
                }
            }

            TestContext.Out.WriteLine($"compared {compared} (document, schema) pairs, {validCount} valid");
            Assert.That(mismatches, Is.Empty, string.Join(Environment.NewLine, mismatches));
            Assert.That(compared, Is.GreaterThan(100));
            Assert.That(validCount, Is.InRange(compared / 20, compared - (compared / 20)), "the corpus must exercise both verdicts");
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [Test]
    public void Xmllint_agrees_with_the_verdicts_of_the_engine_cases()
    {
        RealTools.Require("xmllint");
        var work = Directory.CreateTempSubdirectory("rng-cases-xmllint-");
        try
        {
            var mains = RelaxNgCases.WriteAll(work.FullName);
            var disagreements = new List<string>();
            foreach (var group in RelaxNgCases.Documents.Select((c, i) => (c, i)).GroupBy(x => x.c.Schema))
            {
                var files = new List<string>();
                foreach (var (c, i) in group)
                {
                    var file = Path.Combine(work.FullName, $"doc{i:000}.xml");
                    File.WriteAllText(file, c.Document);
                    files.Add(file);
                }

                var watch = System.Diagnostics.Stopwatch.StartNew();
                var theirs = Xmllint(mains[group.Key], files);
                var xmllintTime = watch.Elapsed;
                var ours = RelaxNgSchema.Load(mains[group.Key]);
                TestContext.Out.WriteLine($"{group.Key}: xmllint {xmllintTime.TotalMilliseconds:F0} ms, ours loaded at {watch.Elapsed.TotalMilliseconds:F0} ms");
                foreach (var ((c, _), file) in group.Zip(files))
                {
                    var mine = ours.Validate(CibDocument.Load(file).Document).IsValid;
                    if (theirs[file].Valid != c.Valid || mine != c.Valid)
                    {
                        disagreements.Add($"{c.Schema} {c.Document}: expected {c.Valid}, xmllint {theirs[file].Valid} {theirs[file].Output}, ours {mine}");
                    }
                }
            }

            Assert.That(disagreements, Is.Empty, string.Join(Environment.NewLine, disagreements));
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static Dictionary<string, (bool Valid, string Output)> Xmllint(string schema, List<string> files)
    {
        var result = new Dictionary<string, (bool, string)>(StringComparer.Ordinal);
        foreach (var chunk in files.Chunk(100))
        {
            var run = RealTools.Run("xmllint", $"--noout --relaxng \"{schema}\" {string.Join(' ', chunk.Select(f => $"\"{f}\""))}", TimeSpan.FromSeconds(60));
            var lines = run.StandardError.Split('\n');
            foreach (var file in chunk)
            {
                var valid = lines.Contains($"{file} validates");
                var invalid = lines.Contains($"{file} fails to validate");
                Assert.That(valid ^ invalid, Is.True, $"xmllint said nothing clear about {file}: {run.StandardError}");
                var detail = string.Join(" | ", lines.Where(l => l.StartsWith(file + ":", StringComparison.Ordinal)).Take(3));
                result[file] = (valid, detail);
            }
        }

        return result;
    }
}
