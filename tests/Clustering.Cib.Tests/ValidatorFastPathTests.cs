using System.Xml.Linq;
using Clustering.Cib.Validation;

namespace Clustering.Cib.Tests;

/// <summary>
/// The validator's fast paths agree with the general ones: <see cref="Datatype.Allows"/> (no allocation for strings,
/// NCName, ID, IDREF and integer) decides as <see cref="Datatype.TryParse"/> does, and the per-pattern name map
/// answers like a dictionary past the size where it turns into one.
/// </summary>
public sealed class ValidatorFastPathTests
{
    private static readonly string[] Inputs =
    [
        "", " ", "\t\n", "a", " a ", "\ta\n", "a b", "a  b", "1", "-1", "+1", " 42 ", "+", "-", "1.0", "1e3", "０１",
        "x1", "_x", "1x", "a:b", ":a", "a-b.c", "é", "a\u00b7b", "\u0300a", "99999999999999999999999999", "- 1", "1 2",
        "id-1", "rsc_ip", "g100-r0-stop", "a\u00a0b",
    ];

    [TestCase("", "string")]
    [TestCase("", "token")]
    [TestCase(Datatype.XsdLibrary, "string")]
    [TestCase(Datatype.XsdLibrary, "token")]
    [TestCase(Datatype.XsdLibrary, "normalizedString")]
    [TestCase(Datatype.XsdLibrary, "anyURI")]
    [TestCase(Datatype.XsdLibrary, "NCName")]
    [TestCase(Datatype.XsdLibrary, "ID")]
    [TestCase(Datatype.XsdLibrary, "IDREF")]
    [TestCase(Datatype.XsdLibrary, "ENTITY")]
    [TestCase(Datatype.XsdLibrary, "integer")]
    [TestCase(Datatype.XsdLibrary, "nonNegativeInteger")]
    [TestCase(Datatype.XsdLibrary, "IDREFS")]
    public void Allows_decides_as_TryParse_does(string library, string name)
    {
        var type = Datatype.Create(library, name, [], out var error)!;
        Assert.That(error, Is.Null);
        foreach (var input in Inputs)
        {
            Assert.That(type.Allows(input), Is.EqualTo(type.TryParse(input, out _)), $"{name} '{input}'");
        }
    }

    [Test]
    public void Allows_with_facets_checks_them()
    {
        var type = Datatype.Create(Datatype.XsdLibrary, "integer", [("minInclusive", "10")], out _)!;
        Assert.Multiple(() =>
        {
            Assert.That(type.Allows("10"), Is.True);
            Assert.That(type.Allows("9"), Is.False);
            Assert.That(type.Allows(" 11 "), Is.True);
        });
    }

    [Test]
    public void The_name_map_finds_every_name_before_and_after_it_grows_into_a_dictionary()
    {
        var map = default(NameMap<string>);
        var names = Enumerable.Range(0, 40).Select(i => XName.Get($"n{i}")).ToList();
        for (var i = 0; i < names.Count; i++)
        {
            Assert.That(map.Set(names[i], $"v{i}"), Is.True, "a new name");
            for (var j = 0; j <= i; j++)
            {
                Assert.That(map.TryGetValue(names[j], out var value), Is.True);
                Assert.That(value, Is.EqualTo($"v{j}"));
            }

            Assert.That(map.TryGetValue(XName.Get("absent"), out _), Is.False);
        }

        Assert.That(map.Set(names[3], "again"), Is.False, "a replaced name");
        Assert.That(map.TryGetValue(names[3], out var replaced) ? replaced : null, Is.EqualTo("again"));
        Assert.That(map.TryGetValue(XName.Get("n3", "urn:other"), out _), Is.False, "another namespace is another name");
    }
}
