using System.Globalization;
using System.Xml.Linq;

namespace Clustering.Cib.Internal;

/// <summary>The tree mechanics of cibadmin's operations, after Pacemaker's <c>update_xml_child</c>, <c>replace_xml_child</c>, <c>add_cib_object</c> and <c>expand_plus_plus</c>.</summary>
internal static class CibXml
{
    /// <summary>Pacemaker's INFINITY score: the cap of <c>++</c> and <c>+=</c> expansion.</summary>
    public const int Infinity = 1_000_000;

    public static string? Id(XElement element) => (string?)element.Attribute("id");

    /// <summary>
    /// Finds the first element, depth first from <paramref name="root"/> (itself included), with the update's tag and id
    /// (both absent also match), and merges <paramref name="update"/> into it. Returns whether one was found.
    /// </summary>
    public static bool MergeFirstMatch(XElement root, XElement update)
    {
        var target = FirstMatch(root, update);
        if (target is null)
        {
            return false;
        }

        Merge(target, update);
        return true;
    }

    private static XElement? FirstMatch(XElement element, XElement update)
    {
        if (element.Name == update.Name && string.Equals(Id(element), Id(update), StringComparison.Ordinal))
        {
            return element;
        }

        foreach (var child in element.Elements())
        {
            var found = FirstMatch(child, update);
            if (found is not null)
            {
                return found;
            }
        }

        return null;
    }

    /// <summary>Copies the update's attributes (with <c>++</c>/<c>+=</c> expansion) and merges its children by tag and id, creating missing ones. Never deletes.</summary>
    public static void Merge(XElement target, XElement update)
    {
        foreach (var attribute in update.Attributes())
        {
            if (!attribute.IsNamespaceDeclaration)
            {
                SetExpanded(target, attribute.Name, attribute.Value);
            }
        }

        foreach (var child in update.Elements())
        {
            var existing = FindChild(target, child);
            if (existing is null)
            {
                existing = new XElement(child.Name);
                target.Add(existing);
            }

            Merge(existing, child);
        }
    }

    private static XElement? FindChild(XElement parent, XElement like)
    {
        var id = Id(like);
        if (id is not null)
        {
            return parent.Elements(like.Name).FirstOrDefault(e => Id(e) == id);
        }

        var idRef = (string?)like.Attribute("id-ref");
        if (idRef is not null)
        {
            return parent.Elements(like.Name).FirstOrDefault(e => (string?)e.Attribute("id-ref") == idRef);
        }

        return parent.Elements(like.Name).FirstOrDefault();
    }

    /// <summary>
    /// Sets an attribute, expanding <c>NAME++</c> (old value + 1) and <c>NAME+=N</c> (old value + N) when the attribute
    /// exists; a non-numeric old value counts as 0 and the result is kept within ±INFINITY (1000000).
    /// </summary>
    public static void SetExpanded(XElement target, XName name, string value)
    {
        var old = (string?)target.Attribute(name);
        var local = name.LocalName;
        if (old is not null && value.Length > local.Length + 1 && value.StartsWith(local, StringComparison.Ordinal) && value[local.Length] == '+')
        {
            var op = value[local.Length + 1];
            long? increment = op switch
            {
                '+' when value.Length == local.Length + 2 => 1,
                '=' => Score(value[(local.Length + 2)..]),
                _ => null,
            };
            if (increment is { } inc)
            {
                var result = Math.Clamp(Score(old) + inc, -Infinity, Infinity);
                target.SetAttributeValue(name, result.ToString(CultureInfo.InvariantCulture));
                return;
            }
        }

        target.SetAttributeValue(name, value);
    }

    /// <summary>Pacemaker's <c>char2score</c>: INFINITY words, else the leading integer, else 0; capped at ±INFINITY.</summary>
    public static long Score(string text)
    {
        var t = text.Trim();
        if (t is "INFINITY" or "+INFINITY")
        {
            return Infinity;
        }

        if (t == "-INFINITY")
        {
            return -Infinity;
        }

        var end = 0;
        if (end < t.Length && (t[end] == '-' || t[end] == '+'))
        {
            end++;
        }

        while (end < t.Length && char.IsAsciiDigit(t[end]))
        {
            end++;
        }

        return long.TryParse(t.AsSpan(0, end), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)
            ? Math.Clamp(v, -Infinity, Infinity)
            : 0;
    }

    /// <summary>
    /// Pacemaker's <c>replace_xml_child</c>: the first descendant of <paramref name="root"/> (not itself), depth first,
    /// whose tag matches case-insensitively and whose id equals the update's (any id when the update has none); for a
    /// delete every attribute of the update must also match (values compared case-insensitively). The match is removed,
    /// or replaced by a copy of <paramref name="update"/>. Returns whether one was found.
    /// </summary>
    public static bool ReplaceOrDeleteFirst(XElement root, XElement update, bool deleteOnly)
    {
        foreach (var child in root.Elements().ToList())
        {
            if (Matches(child, update, deleteOnly))
            {
                if (deleteOnly)
                {
                    child.Remove();
                }
                else
                {
                    child.ReplaceWith(new XElement(update));
                }

                return true;
            }

            if (ReplaceOrDeleteFirst(child, update, deleteOnly))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Matches(XElement candidate, XElement update, bool deleteOnly)
    {
        if (!string.Equals(candidate.Name.LocalName, update.Name.LocalName, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var id = Id(update);
        if (id is not null && !string.Equals(Id(candidate), id, StringComparison.Ordinal))
        {
            return false;
        }

        if (deleteOnly)
        {
            foreach (var attribute in update.Attributes())
            {
                var mine = (string?)candidate.Attribute(attribute.Name);
                if (mine is null || !string.Equals(mine, attribute.Value, StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>A copy of <paramref name="element"/> with its attributes and without children.</summary>
    public static XElement Shallow(XElement element) => new(element.Name, element.Attributes());
}
