using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Clustering.Cib.Validation;

/// <summary>Error reports: where (line, position, element path) and what the schema expected there.</summary>
internal sealed partial class RelaxNgValidator
{
    private const int MaxExpected = 12;

    private void Report(in Where at, string message)
    {
        if (_errors.Count >= _maxErrors)
        {
            return;
        }

        if (at.Node is { } node)
        {
            var info = (IXmlLineInfo)node;
            _errors.Add(new RelaxNgValidationError(info.HasLineInfo() ? info.LineNumber : 0, info.HasLineInfo() ? info.LinePosition : 0, PathOf(node), message));
        }
        else
        {
            var frame = at.Live ? OpenFrame() : at.Frame;
            _errors.Add(new RelaxNgValidationError(at.Line, at.Position, frame?.Path() ?? "/", message));
        }
    }

    private static string PathOf(XObject node)
    {
        var chain = new List<string>();
        for (var e = node as XElement ?? node.Parent; e is not null; e = e.Parent)
        {
            chain.Add(Step(e.Name, e.Attribute("id")?.Value));
        }

        chain.Reverse();
        return "/" + string.Join('/', chain);
    }

    private static string Step(XName name, string? id)
    {
        var text = name.NamespaceName.Length == 0 ? name.LocalName : $"{{{name.NamespaceName}}}{name.LocalName}";
        return id is null ? text : $"{text}[@id='{id}']";
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..37] + "...";

    /// <summary>Reports a refused attribute; returns whether its name was expected (only the value is wrong).</summary>
    private bool ReportAttribute(Pattern p, XName elementName, in AttributeItem attribute)
    {
        var name = attribute.Name;
        var at = AttributeWhere(attribute);
        var candidates = new List<Pattern>();
        CollectAttributes(p, candidates, [], name);
        if (candidates.Count == 0)
        {
            Report(at, $"attribute {name.LocalName} is not allowed on <{elementName.LocalName}>");
            return false;
        }

        if (_attDuplicate && candidates.Exists(c => HasIdData(c.P1!, [])))
        {
            Report(at, $"ID '{ValueOf(attribute)}' of attribute {name.LocalName} is already used by another element");
            return true;
        }

        var expectations = new List<string>();
        foreach (var candidate in candidates)
        {
            DescribeValues(candidate.P1!, expectations, []);
        }

        Report(at, $"attribute {name.LocalName} has an invalid value '{Shorten(ValueOf(attribute))}'; expected {Join(expectations)}");
        return true;
    }

    private static string Expected(Pattern p, bool forEnd)
    {
        var items = new List<string>();
        CollectExpected(p, items, [], forEnd);
        return Join(items);
    }

    private static string Join(List<string> items)
    {
        if (items.Count == 0)
        {
            return "nothing more";
        }

        var distinct = items.Distinct(StringComparer.Ordinal).ToList();
        var shown = string.Join(", ", distinct.Take(MaxExpected));
        return distinct.Count > MaxExpected ? $"{shown}, ... ({distinct.Count - MaxExpected} more)" : shown;
    }

    private static void CollectExpected(Pattern p, List<string> items, HashSet<int> seen, bool forEnd)
    {
        if (!seen.Add(p.Id))
        {
            return;
        }

        switch (p.Kind)
        {
            case PatternKind.Choice or PatternKind.Interleave:
                CollectExpected(p.P1!, items, seen, forEnd);
                CollectExpected(p.P2!, items, seen, forEnd);
                break;
            case PatternKind.Group:
                CollectExpected(p.P1!, items, seen, forEnd);
                if (p.P1!.Nullable)
                {
                    CollectExpected(p.P2!, items, seen, forEnd);
                }

                break;
            case PatternKind.OneOrMore:
                CollectExpected(p.P1!, items, seen, forEnd);
                break;
            case PatternKind.After:
                CollectExpected(p.P1!, items, seen, forEnd);
                if (!forEnd && p.P1!.Nullable)
                {
                    items.Add("the end of the element");
                }

                break;
            case PatternKind.Element:
                items.Add(p.NameClass!.Describe(false));
                break;
            case PatternKind.Attribute:
                items.Add(p.NameClass!.Describe(true));
                break;
            case PatternKind.Text or PatternKind.Data or PatternKind.DataExcept or PatternKind.Value or PatternKind.List:
                items.Add("text");
                break;
            default:
                break;
        }
    }

    private static string ExpectedAttributes(Pattern p)
    {
        var items = new List<string>();
        CollectRequiredAttributes(p, items, []);
        return items.Count == 0 ? Expected(p, forEnd: false) : Join(items);
    }

    private static void CollectRequiredAttributes(Pattern p, List<string> items, HashSet<int> seen)
    {
        if (!seen.Add(p.Id))
        {
            return;
        }

        switch (p.Kind)
        {
            case PatternKind.After:
                CollectRequiredAttributes(p.P1!, items, seen);
                break;
            case PatternKind.Group or PatternKind.Interleave:
                CollectRequiredAttributes(p.P1!, items, seen);
                CollectRequiredAttributes(p.P2!, items, seen);
                break;
            case PatternKind.Choice when !p.Nullable:
                CollectRequiredAttributes(p.P1!, items, seen);
                CollectRequiredAttributes(p.P2!, items, seen);
                break;
            case PatternKind.OneOrMore:
                CollectRequiredAttributes(p.P1!, items, seen);
                break;
            case PatternKind.Attribute:
                items.Add(p.NameClass!.Describe(true));
                break;
            default:
                break;
        }
    }

    private static void CollectAttributes(Pattern p, List<Pattern> into, HashSet<int> seen, XName name)
    {
        if (!seen.Add(p.Id))
        {
            return;
        }

        switch (p.Kind)
        {
            case PatternKind.After or PatternKind.OneOrMore:
                CollectAttributes(p.P1!, into, seen, name);
                break;
            case PatternKind.Group or PatternKind.Interleave or PatternKind.Choice:
                CollectAttributes(p.P1!, into, seen, name);
                CollectAttributes(p.P2!, into, seen, name);
                break;
            case PatternKind.Attribute when p.NameClass!.Contains(name):
                into.Add(p);
                break;
            default:
                break;
        }
    }

    private static void DescribeValues(Pattern p, List<string> items, HashSet<int> seen)
    {
        if (!seen.Add(p.Id))
        {
            return;
        }

        switch (p.Kind)
        {
            case PatternKind.Choice or PatternKind.Group or PatternKind.Interleave:
                DescribeValues(p.P1!, items, seen);
                DescribeValues(p.P2!, items, seen);
                break;
            case PatternKind.OneOrMore or PatternKind.List:
                DescribeValues(p.P1!, items, seen);
                break;
            case PatternKind.Value:
                items.Add($"'{p.Literal}'");
                break;
            case PatternKind.Data or PatternKind.DataExcept:
                items.Add(string.Create(CultureInfo.InvariantCulture, $"a value of type {p.Datatype}{(p.Kind == PatternKind.DataExcept ? " (with exceptions)" : "")}"));
                break;
            case PatternKind.Text:
                items.Add("any text");
                break;
            case PatternKind.Empty:
                items.Add("an empty value");
                break;
            default:
                break;
        }
    }

    /// <summary>An element open in a streamed document: enough to name its path in an error.</summary>
    private sealed class ElementFrame(ElementFrame? parent, XName name, string? id)
    {
        public string Path()
        {
            var chain = new List<string>();
            for (var frame = this; frame is not null; frame = frame.Parent)
            {
                chain.Add(Step(frame.Name, frame.Id));
            }

            chain.Reverse();
            var sb = new StringBuilder();
            foreach (var step in chain)
            {
                sb.Append('/').Append(step);
            }

            return sb.ToString();
        }

        private ElementFrame? Parent { get; } = parent;

        private XName Name { get; } = name;

        private string? Id { get; } = id;
    }
}
