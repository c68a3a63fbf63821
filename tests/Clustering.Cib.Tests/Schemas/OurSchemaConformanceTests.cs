using Clustering.Cib.Schemas;
using Clustering.Cib.Validation;
using Clustering.TestSupport;

namespace Clustering.Cib.Tests.Schemas;

/// <summary>
/// Our grammars against Pacemaker's: on our corpus, the shared corpus and seeded mutations of both, our engine with
/// OUR pacemaker-1.0 and pacemaker-1.2 gives the verdict <c>xmllint --relaxng</c> gives with the INSTALLED
/// Pacemaker grammars of those names. pacemaker-1.1 has no installed file; there xmllint runs our own grammar, so
/// the grammar is checked to mean the same to libxml2 as to our engine.
/// </summary>
[Category("Conformance")]
public sealed class OurSchemaConformanceTests
{
    private const int MutationsPerFile = 32;

    [TestCase("pacemaker-1.0")]
    [TestCase("pacemaker-1.2")]
    public void Our_grammar_agrees_with_xmllint_on_pacemakers_grammar(string schemaName)
    {
        RealTools.Require("xmllint");
        var installed = Path.Combine(CibSchemaSetOptions.DefaultDirectory, schemaName + ".rng");
        if (!File.Exists(installed))
        {
            RealTools.Unavailable($"Pacemaker's {installed} is not installed (pacemaker-cli-utils)");
        }

        Compare(schemaName, installed);
    }

    [Test]
    public void Xmllint_reads_our_pacemaker_1_1_as_our_engine_does()
    {
        RealTools.Require("xmllint");
        Compare("pacemaker-1.1", Path.Combine(EmbeddedCibSchemas.Directory, "pacemaker-1.1.rng"));
    }

    private static void Compare(string schemaName, string referenceGrammar)
    {
        var ours = CibSchemaSet.OpenEmbedded().GetSchema(schemaName);
        var work = Directory.CreateTempSubdirectory("our-schema-conformance-");
        try
        {
            var files = SchemaCorpus.WithMutations(work.FullName, MutationsPerFile);
            files.AddRange(SchemaCorpus.WithVersionEdits(work.FullName));
            var theirs = Xmllint.Validate(referenceGrammar, files);
            var mismatches = new List<string>();
            var valid = 0;
            foreach (var file in files)
            {
                var mine = ours.Validate(CibDocument.Load(file).Document);
                valid += mine.IsValid ? 1 : 0;
                if (mine.IsValid != theirs[file].Valid)
                {
                    mismatches.Add($"{Path.GetFileName(file)}: ours {(mine.IsValid ? "valid" : "invalid: " + string.Join(" | ", mine.Errors.Take(2)))}; xmllint {(theirs[file].Valid ? "valid" : "invalid: " + theirs[file].Output)}");
                }
            }

            TestContext.Out.WriteLine($"{schemaName}: {files.Count} documents, {valid} valid, {mismatches.Count} disagreements");
            Assert.That(mismatches, Is.Empty, string.Join(Environment.NewLine, mismatches));
            Assert.That(files, Has.Count.GreaterThan(500));
            Assert.That(valid, Is.InRange(40, files.Count - 40), "the documents must exercise both verdicts");
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }
}

/// <summary>Runs <c>xmllint --noout --relaxng</c> over many files and reads its per-file verdicts.</summary>
internal static class Xmllint
{
    public static Dictionary<string, (bool Valid, string Output)> Validate(string schema, IReadOnlyList<string> files)
    {
        var result = new Dictionary<string, (bool, string)>(StringComparer.Ordinal);
        foreach (var chunk in files.Chunk(100))
        {
            var run = RealTools.Run("xmllint", $"--noout --relaxng \"{schema}\" {string.Join(' ', chunk.Select(f => $"\"{f}\""))}", TimeSpan.FromSeconds(120));
            var lines = run.StandardError.Split('\n');
            foreach (var file in chunk)
            {
                var valid = lines.Contains($"{file} validates");
                var invalid = lines.Contains($"{file} fails to validate");
                Assert.That(valid ^ invalid, Is.True, $"xmllint said nothing clear about {file}: {run.StandardError}");
                result[file] = (valid, string.Join(" | ", lines.Where(l => l.StartsWith(file + ":", StringComparison.Ordinal)).Take(2)));
            }
        }

        return result;
    }
}
