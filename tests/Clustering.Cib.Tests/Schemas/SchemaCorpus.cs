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

    /// <summary>
    /// Edits at the boundaries between 1.0, 1.1 and 1.2 (each names what it does), applied to every corpus file
    /// where they find their target, so that xmllint judges our grammars exactly where the versions differ.
    /// </summary>
    public static readonly (string Name, Func<XDocument, bool> Edit)[] VersionEdits =
    [
        ("untype-node", d => Each(d, "node", e => e.Parent?.Name == "nodes", e => e.Attribute("type")?.Remove())),
        ("node-score", d => Each(d, "node", e => e.Parent?.Name == "nodes", e => e.SetAttributeValue("score", "5"))),
        ("node-utilization", d => Each(d, "node", e => e.Parent?.Name == "nodes", e => e.Add(new XElement("utilization", new XAttribute("id", "u-" + (string?)e.Attribute("id")))))),
        ("systemd-class", d => Each(d, "primitive", e => (string?)e.Attribute("class") == "lsb", e => e.SetAttributeValue("class", "systemd"))),
        ("nagios-class", d => Each(d, "primitive", e => (string?)e.Attribute("class") == "heartbeat", e => e.SetAttributeValue("class", "nagios"))),
        ("restart-container", d => Each(d, "op", _ => true, e => e.SetAttributeValue("on-fail", "restart-container"))),
        ("require-all", d => Each(d, "resource_set", e => e.Attribute("id") is not null, e => e.SetAttributeValue("require-all", "true"))),
        ("location-role", d => Each(d, "rsc_location", e => e.Attribute("rsc") is not null, e => e.SetAttributeValue("role", "Started"))),
        ("update-origin", d => Each(d, "cib", _ => true, e => e.SetAttributeValue("update-origin", "alpha"))),
        ("drop-status", d => Each(d, "status", _ => true, e => e.Remove())),
        ("add-status", d => Each(d, "cib", e => e.Element("status") is null, e => e.Add(new XElement("status")))),
        ("ticket", d => Each(d, "constraints", e => e.Parent?.Name == "configuration" && d.Descendants("primitive").Any(), e => e.Add(new XElement("rsc_ticket", new XAttribute("id", "edit-ticket"), new XAttribute("rsc", (string)d.Descendants("primitive").First().Attribute("id")!), new XAttribute("ticket", "t"))))),
        ("fencing-topology", d => Each(d, "configuration", e => e.Element("fencing-topology") is null, e => e.Add(new XElement("fencing-topology", new XElement("fencing-level", new XAttribute("id", "edit-level"), new XAttribute("target", "alpha"), new XAttribute("index", "1"), new XAttribute("devices", "x")))))),
        ("acls", d => Each(d, "configuration", e => e.Element("acls") is null, e => e.Add(new XElement("acls", new XElement("acl_role", new XAttribute("id", "edit-role"), new XElement("read", new XAttribute("id", "edit-read"), new XAttribute("xpath", "/cib"))))))),
        ("domains", d => Each(d, "configuration", e => e.Element("domains") is null, e => e.Add(new XElement("domains", new XElement("domain", new XAttribute("id", "edit-domain"), new XElement("node", new XAttribute("name", "alpha"), new XAttribute("score", "1"))))))),
        ("rsc-instance", d => Each(d, "rsc_colocation", e => e.Attribute("rsc") is not null, e => e.SetAttributeValue("rsc-instance", "1"))),
        ("then-instance", d => Each(d, "rsc_order", e => e.Attribute("then") is not null, e => e.SetAttributeValue("then-instance", "0"))),
        ("template", d => Each(d, "resources", _ => true, e => e.Add(new XElement("template", new XAttribute("id", "edit-template"), new XAttribute("class", "ocf"), new XAttribute("provider", "heartbeat"), new XAttribute("type", "Dummy"))))),
    ];

    /// <summary>Our corpus with each of <see cref="VersionEdits"/> that applies, written into <paramref name="work"/>.</summary>
    public static List<string> WithVersionEdits(string work)
    {
        var files = new List<string>();
        foreach (var source in Files())
        {
            var name = Path.GetFileNameWithoutExtension(source);
            foreach (var (editName, edit) in VersionEdits)
            {
                var doc = XDocument.Load(source);
                if (edit(doc))
                {
                    var path = Path.Combine(work, $"{name}.v-{editName}.xml");
                    doc.Save(path);
                    files.Add(path);
                }
            }
        }

        return files;
    }

    private static bool Each(XDocument doc, string element, Func<XElement, bool> where, Action<XElement> edit)
    {
        var targets = doc.Descendants(element).Where(where).ToList();
        foreach (var target in targets)
        {
            edit(target);
        }

        return targets.Count > 0;
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
