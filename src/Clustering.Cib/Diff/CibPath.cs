using System.Text;
using System.Xml.Linq;

namespace Clustering.Cib.Diff;

/// <summary>
/// The paths of v2 patches: <c>/cib/configuration/resources/primitive[@id='r1']</c>. A segment is a tag, an optional
/// <c>[@id='...']</c>, and (only when siblings share tag and id, which Pacemaker does not distinguish) a 1-based
/// <c>[n]</c> among them. A segment without id selects the first child with that tag and no id, else the first with
/// that tag.
/// </summary>
internal static class CibPath
{
    public static string Of(XElement element)
    {
        var segments = new List<string>();
        for (var e = element; e is not null; e = e.Parent)
        {
            segments.Add(Segment(e));
        }

        segments.Reverse();
        return "/" + string.Join('/', segments);
    }

    private static string Segment(XElement e)
    {
        var id = (string?)e.Attribute("id");
        var text = new StringBuilder(e.Name.LocalName);
        if (id is not null)
        {
            text.Append("[@id=").Append(Quote(id)).Append(']');
        }

        if (e.Parent is { } parent)
        {
            var same = parent.Elements(e.Name).Where(s => (string?)s.Attribute("id") == id).ToList();
            if (same.Count > 1)
            {
                text.Append('[').Append(same.IndexOf(e) + 1).Append(']');
            }
        }

        return text.ToString();
    }

    private static string Quote(string value) => value.Contains('\'', StringComparison.Ordinal) ? $"\"{value}\"" : $"'{value}'";

    /// <summary>Finds the element a path names under the document whose root is <paramref name="root"/>, or <see langword="null"/>.</summary>
    public static XElement? Resolve(XElement root, string path)
    {
        var segments = Parse(path);
        if (segments is null || segments.Count == 0)
        {
            return null;
        }

        var first = segments[0];
        if (first.Name != root.Name.LocalName || (first.Id is not null && (string?)root.Attribute("id") != first.Id))
        {
            return null;
        }

        var current = root;
        foreach (var segment in segments.Skip(1))
        {
            var named = current.Elements().Where(e => e.Name.LocalName == segment.Name).ToList();
            XElement? next;
            if (segment.Id is not null)
            {
                var same = named.Where(e => (string?)e.Attribute("id") == segment.Id).ToList();
                next = segment.Index is { } i ? same.ElementAtOrDefault(i - 1) : same.FirstOrDefault();
            }
            else if (segment.Index is { } i)
            {
                next = named.Where(e => e.Attribute("id") is null).ElementAtOrDefault(i - 1);
            }
            else
            {
                next = named.FirstOrDefault(e => e.Attribute("id") is null) ?? named.FirstOrDefault();
            }

            if (next is null)
            {
                return null;
            }

            current = next;
        }

        return current;
    }

    private readonly record struct Step(string Name, string? Id, int? Index);

    private static List<Step>? Parse(string path)
    {
        if (!path.StartsWith('/'))
        {
            return null;
        }

        var steps = new List<Step>();
        var i = 1;
        while (i < path.Length)
        {
            var start = i;
            while (i < path.Length && path[i] != '/' && path[i] != '[')
            {
                i++;
            }

            var name = path[start..i];
            if (name.Length == 0)
            {
                return null;
            }

            string? id = null;
            int? index = null;
            while (i < path.Length && path[i] == '[')
            {
                if (path.AsSpan(i).StartsWith("[@id="))
                {
                    i += 5;
                    if (i >= path.Length || (path[i] != '\'' && path[i] != '"'))
                    {
                        return null;
                    }

                    var quote = path[i++];
                    var close = path.IndexOf(quote, i);
                    if (close < 0 || close + 1 >= path.Length || path[close + 1] != ']')
                    {
                        return null;
                    }

                    id = path[i..close];
                    i = close + 2;
                }
                else
                {
                    var close = path.IndexOf(']', i);
                    if (close < 0 || !int.TryParse(path.AsSpan(i + 1, close - i - 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) || n < 1)
                    {
                        return null;
                    }

                    index = n;
                    i = close + 1;
                }
            }

            steps.Add(new Step(name, id, index));
            if (i < path.Length)
            {
                if (path[i] != '/')
                {
                    return null;
                }

                i++;
            }
        }

        return steps;
    }
}
