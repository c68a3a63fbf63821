using System.Xml.Linq;

namespace Clustering.Cib.Tests;

/// <summary>Seeded damage to a CIB, the kinds of mistakes people and programs make when they edit one.</summary>
internal static class Mutations
{
    private static readonly string[] RefAttributes = ["rsc", "with-rsc", "first", "then"];
    private static readonly string[] EnumAttributes = ["type", "class", "kind", "boolean-op", "operation", "score-attribute", "role", "requires", "on-fail"];

    /// <summary>Applies mutation number <paramref name="index"/> (cycling through the kinds) and names it.</summary>
    public static string Apply(XDocument doc, Random random, int index)
    {
        var elements = doc.Root!.DescendantsAndSelf().ToList();
        switch (index % 8)
        {
            case 0:
            {
                var withId = elements.Where(e => e.Attribute("id") is not null).ToList();
                Pick(withId, random).Attribute("id")!.Remove();
                return "drop-id";
            }

            case 1:
            {
                var candidates = elements.SelectMany(e => e.Attributes()).Where(a => EnumAttributes.Contains(a.Name.LocalName)).ToList();
                if (candidates.Count == 0)
                {
                    goto case 5;
                }

                Pick(candidates, random).Value = "bogus-value";
                return "bad-enum";
            }

            case 2:
            {
                var withId = elements.Where(e => e.Attribute("id") is not null && e.Parent is not null).ToList();
                var a = Pick(withId, random);
                var b = Pick(withId, random);
                if (a == b)
                {
                    b = withId[(withId.IndexOf(a) + 1) % withId.Count];
                }

                a.SetAttributeValue("id", b.Attribute("id")!.Value);
                return "duplicate-id";
            }

            case 3:
            {
                var refs = elements.SelectMany(e => e.Attributes()).Where(a => RefAttributes.Contains(a.Name.LocalName)).ToList();
                if (refs.Count == 0)
                {
                    goto case 4;
                }

                Pick(refs, random).Value = "no-such-resource";
                return "dangling-idref";
            }

            case 4:
            {
                var parent = Pick(elements, random);
                parent.Add(new XElement("bogus", new XAttribute("id", $"bogus{index}")));
                return "unknown-element";
            }

            case 5:
            {
                var movable = elements.Where(e => e.Parent is not null && e.Parent.Parent is not null).ToList();
                var moved = Pick(movable, random);
                var target = Pick(elements.Where(e => !e.AncestorsAndSelf().Contains(moved) && e != moved.Parent).ToList(), random);
                moved.Remove();
                target.Add(moved);
                return "wrong-nesting";
            }

            case 6:
            {
                var removable = elements.Where(e => e.Parent is not null).ToList();
                Pick(removable, random).Remove();
                return "drop-element";
            }

            default:
            {
                var attrs = elements.SelectMany(e => e.Attributes()).Where(a => a.Name.LocalName is "score" or "interval" or "value" or "epoch" or "admin_epoch" or "num_updates" or "uname" or "id").ToList();
                Pick(attrs, random).Value = random.Next(3) switch { 0 => "", 1 => "12abc", _ => "two words" };
                return "bad-value";
            }
        }
    }

    private static T Pick<T>(List<T> items, Random random) => items[random.Next(items.Count)];
}
