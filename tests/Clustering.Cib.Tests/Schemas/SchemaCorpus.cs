using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Clustering.Cib.Tests.Schemas;

/// <summary>
/// The CIBs of our own writing for the 1.x grammars. Each file opens with a comment
/// <c>expect 1.0:valid|invalid 1.1:... 1.2:...</c> followed by why.
/// </summary>
internal static partial class SchemaCorpus
{
    public static readonly string[] Versions = ["pacemaker-1.0", "pacemaker-1.1", "pacemaker-1.2"];

    public static string Directory => Path.Combine(TestContext.CurrentContext.TestDirectory, "Schemas", "Corpus");

    public static string SharedDirectory => Path.Combine(TestContext.CurrentContext.TestDirectory, "Corpus");

    public static IEnumerable<string> Files()
        => System.IO.Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Schemas", "Corpus"), "*.xml").Order(StringComparer.Ordinal);

    /// <summary>The verdict the file's header comment expects for <paramref name="schema"/>.</summary>
    public static bool Expected(string file, string schema)
    {
        var header = XDocument.Load(file).Nodes().OfType<XComment>().FirstOrDefault()?.Value
            ?? throw new InvalidOperationException($"{file} has no expectation comment");
        var version = schema["pacemaker-".Length..];
        var match = Expectation().Matches(header).FirstOrDefault(m => m.Groups[1].Value == version)
            ?? throw new InvalidOperationException($"{file} states no expectation for {schema}");
        return match.Groups[2].Value == "valid";
    }

    /// <summary>The corpus files and seeded mutations of them (and of the shared corpus) written into <paramref name="work"/>.</summary>
    public static List<string> WithMutations(string work, int mutationsPerFile)
    {
        var files = new List<string>();
        var sources = Files().Concat(System.IO.Directory.GetFiles(SharedDirectory, "*.xml").Order(StringComparer.Ordinal));
        foreach (var source in sources)
        {
            var original = XDocument.Load(source);
            var name = Path.GetFileNameWithoutExtension(source);
            var copy = Path.Combine(work, name + ".xml");
            File.Copy(source, copy);
            files.Add(copy);
            var random = new Random(StableSeed(name));
            for (var i = 0; i < mutationsPerFile; i++)
            {
                var mutant = new XDocument(original);
                var what = Mutations.Apply(mutant, random, i);
                var path = Path.Combine(work, $"{name}.m{i:00}-{what}.xml");
                mutant.Save(path);
                files.Add(path);
            }
        }

        return files;
    }

    private static int StableSeed(string name)
    {
        var seed = 17;
        foreach (var c in name)
        {
            seed = unchecked((seed * 31) + c);
        }

        return seed;
    }

    [GeneratedRegex(@"(\d+\.\d+):(valid|invalid)")]
    private static partial Regex Expectation();
}
