using System.Globalization;
using System.Xml.Linq;

namespace Clustering.Cib.Tests.Diff;

/// <summary>
/// A seeded generator of random CIB-shaped trees and of random edits to them. By default ids come from a small space
/// (siblings often share tag and id, some elements have none); with <c>uniqueIds</c> every object has its own id.
/// </summary>
internal sealed class RandomCib(int seed, bool uniqueIds = false)
{
    private static readonly string[] Tags = ["primitive", "group", "meta_attributes", "nvpair", "op", "rule", "node", "expression"];
    private static readonly string[] Attributes = ["name", "value", "class", "type", "score", "interval", "uname", "description"];

    private readonly Random _random = new(seed);
    private int _next;

    public XElement Cib()
    {
        var cib = new XElement("cib", new XAttribute("crm_feature_set", "3.16.1"), new XAttribute("admin_epoch", "0"), new XAttribute("epoch", _random.Next(1, 50).ToString(CultureInfo.InvariantCulture)), new XAttribute("num_updates", "0"), new XAttribute("validate-with", "pacemaker-1.2"));
        var configuration = new XElement("configuration");
        foreach (var section in new[] { "crm_config", "nodes", "resources", "constraints" })
        {
            var element = new XElement(section);
            Fill(element, 3);
            configuration.Add(element);
        }

        var status = new XElement("status");
        Fill(status, 2);
        cib.Add(configuration, status);
        return cib;
    }

    /// <summary>A copy of <paramref name="cib"/> with a few random edits and a newer version.</summary>
    public XElement Edit(XElement cib)
    {
        var copy = new XElement(cib);
        var edits = _random.Next(1, 8);
        for (var i = 0; i < edits; i++)
        {
            var all = copy.Descendants().Where(e => e.Parent != copy).ToList();
            if (all.Count == 0)
            {
                break;
            }

            var target = all[_random.Next(all.Count)];
            switch (_random.Next(7))
            {
                case 0:
                    target.SetAttributeValue(Attributes[_random.Next(Attributes.Length)], Value());
                    break;
                case 1:
                    target.Attributes().Where(a => a.Name != "id").ElementAtOrDefault(_random.Next(3))?.Remove();
                    break;
                case 2:
                    if (target.Parent!.Parent is not null)
                    {
                        target.Remove();
                    }

                    break;
                case 3:
                    var child = Element(2);
                    var siblings = target.Elements().ToList();
                    if (siblings.Count == 0)
                    {
                        target.Add(child);
                    }
                    else
                    {
                        siblings[_random.Next(siblings.Count)].AddBeforeSelf(child);
                    }

                    break;
                case 4:
                    var kids = target.Elements().ToList();
                    if (kids.Count > 1)
                    {
                        var moved = kids[_random.Next(kids.Count)];
                        moved.Remove();
                        var rest = target.Elements().ToList();
                        rest[_random.Next(rest.Count)].AddBeforeSelf(moved);
                    }

                    break;
                case 5:
                    target.SetAttributeValue("id", !uniqueIds && _random.Next(3) == 0 ? null : Id());
                    break;
                default:
                    var shuffled = target.Elements().OrderBy(_ => _random.Next()).ToList();
                    target.RemoveNodes();
                    target.Add(shuffled);
                    break;
            }
        }

        var epoch = long.Parse((string)cib.Attribute("epoch")!, CultureInfo.InvariantCulture);
        copy.SetAttributeValue("epoch", (epoch + 1).ToString(CultureInfo.InvariantCulture));
        return copy;
    }

    private void Fill(XElement parent, int depth)
    {
        var count = _random.Next(0, 5);
        for (var i = 0; i < count; i++)
        {
            parent.Add(Element(depth));
        }
    }

    private XElement Element(int depth)
    {
        var element = new XElement(Tags[_random.Next(Tags.Length)]);
        if (uniqueIds || _random.Next(5) != 0)
        {
            element.SetAttributeValue("id", Id());
        }

        var attributes = _random.Next(0, 4);
        for (var i = 0; i < attributes; i++)
        {
            element.SetAttributeValue(Attributes[_random.Next(Attributes.Length)], Value());
        }

        if (depth > 0)
        {
            Fill(element, depth - 1);
        }

        return element;
    }

    // A small id space, so that siblings often share a tag and id (which Pacemaker's own diff cannot tell apart).
    private string Id() => uniqueIds ? "o" + (++_next).ToString(CultureInfo.InvariantCulture) : "id" + _random.Next(12).ToString(CultureInfo.InvariantCulture);

    private string Value() => _random.Next(4) switch
    {
        0 => "",
        1 => "it's \"quoted\" <&>",
        _ => "v" + _random.Next(100).ToString(CultureInfo.InvariantCulture),
    };
}
