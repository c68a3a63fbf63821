using System.Xml.Linq;

namespace Clustering.Cib.Internal;

/// <summary>Structural equality of CIB XML: element names, attributes in any order, children in order, text; comments and whitespace ignored.</summary>
internal static class XmlEquivalence
{
    public static bool Equivalent(XElement? a, XElement? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        if (a.Name != b.Name || !SameAttributes(a, b) || DirectText(a) != DirectText(b))
        {
            return false;
        }

        using var left = a.Elements().GetEnumerator();
        using var right = b.Elements().GetEnumerator();
        while (true)
        {
            var l = left.MoveNext();
            var r = right.MoveNext();
            if (l != r)
            {
                return false;
            }

            if (!l)
            {
                return true;
            }

            if (!Equivalent(left.Current, right.Current))
            {
                return false;
            }
        }
    }

    public static bool SameAttributes(XElement a, XElement b)
    {
        var count = 0;
        foreach (var attribute in a.Attributes())
        {
            if (attribute.IsNamespaceDeclaration)
            {
                continue;
            }

            count++;
            var other = b.Attribute(attribute.Name);
            if (other is null || !string.Equals(other.Value, attribute.Value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return count == b.Attributes().Count(x => !x.IsNamespaceDeclaration);
    }

    /// <summary>The element's own non-whitespace text (not its descendants'), or <see langword="null"/>.</summary>
    public static string? DirectText(XElement element)
    {
        string? text = null;
        foreach (var node in element.Nodes())
        {
            if (node is XText t && !string.IsNullOrWhiteSpace(t.Value))
            {
                text = text is null ? t.Value : text + t.Value;
            }
        }

        return text;
    }
}
