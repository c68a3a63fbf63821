using System.Text;
using System.Xml.Linq;
using Clustering.Cib.Validation;

namespace Clustering.Cib.Tests;

/// <summary>Random damage to text and trees never raises anything but the typed errors.</summary>
public sealed class FuzzTests
{
    private static string Corpus(string name) => File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "Corpus", name));

    [Test]
    public void Random_byte_damage_gives_a_document_or_a_load_exception()
    {
        var random = new Random(20261201);
        var original = Encoding.UTF8.GetBytes(Corpus("cluster-1.2.xml"));
        var loaded = 0;
        for (var i = 0; i < 2000; i++)
        {
            var bytes = (byte[])original.Clone();
            var edits = 1 + random.Next(4);
            for (var e = 0; e < edits; e++)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            try
            {
                using var stream = new MemoryStream(bytes);
                _ = CibDocument.Load(stream);
                loaded++;
            }
            catch (CibLoadException e)
            {
                Assert.That(e.Reason, Is.Not.Empty);
            }
        }

        Assert.That(loaded, Is.InRange(1, 1999), "both outcomes should occur");
    }

    [Test]
    public void Random_trees_validate_without_exceptions()
    {
        var dir = Directory.CreateTempSubdirectory("fuzz-rng-");
        try
        {
            var mains = RelaxNgCases.WriteAll(dir.FullName);
            var schemas = mains.Values.Select(p => RelaxNgSchema.Load(p)).ToList();
            var random = new Random(7);
            string[] names = ["r", "a", "b", "d", "n", "item", "link", "int", "words", "em", "x", "y"];
            string[] values = ["", " ", "1", "-5", "abc", "a b", "true", "x-1", "2024-01-01T00:00:00Z", "\u00e9\u4e2d", "12-3"];
            for (var i = 0; i < 500; i++)
            {
                var root = RandomElement(random, names, values, 0);
                var doc = CibDocument.Parse(root.ToString());
                foreach (var schema in schemas)
                {
                    var result = schema.Validate(doc.Document);
                    Assert.That(result.Errors.All(e => e.Message.Length > 0 && e.Path.StartsWith('/')), Is.True);
                }
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static XElement RandomElement(Random random, string[] names, string[] values, int depth)
    {
        var element = new XElement(names[random.Next(names.Length)]);
        var attributes = random.Next(3);
        for (var a = 0; a < attributes; a++)
        {
            element.SetAttributeValue(names[random.Next(names.Length)], values[random.Next(values.Length)]);
        }

        var children = depth > 4 ? 0 : random.Next(4);
        for (var c = 0; c < children; c++)
        {
            if (random.Next(4) == 0)
            {
                element.Add(values[random.Next(values.Length)]);
            }
            else
            {
                element.Add(RandomElement(random, names, values, depth + 1));
            }
        }

        return element;
    }
}
