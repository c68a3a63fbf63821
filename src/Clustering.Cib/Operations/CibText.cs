using System.Text;
using System.Xml.Linq;

namespace Clustering.Cib.Operations;

/// <summary>
/// XML text as Pacemaker's tools write it (<c>pcmk__xml_string</c>): no declaration, <c>&lt;name a="v"/&gt;</c> for
/// empty elements, attributes in document order with <c>&amp; &lt; &gt; " '</c> escaped, a newline or carriage return written as <c>\n</c>/<c>\r</c> and a tab as four spaces (as Pacemaker 2.1 does), and
/// either no formatting at all (as digests use) or two-space indentation with one element per line.
/// </summary>
public static class CibText
{
    /// <summary>The element as text, indented (two spaces per level, no trailing newline) or unformatted.</summary>
    public static string Format(XElement element, bool indent = true)
    {
        ArgumentNullException.ThrowIfNull(element);
        var text = new StringBuilder(1024);
        Write(element, text, indent ? 0 : -1);
        if (indent && text.Length > 0 && text[^1] == '\n')
        {
            text.Length--;
        }

        return text.ToString();
    }

    internal static void Write(XElement element, StringBuilder text, int depth)
    {
        if (depth >= 0)
        {
            text.Append(' ', depth * 2);
        }

        text.Append('<').Append(element.Name.LocalName);
        foreach (var attribute in element.Attributes())
        {
            if (attribute.IsNamespaceDeclaration)
            {
                continue;
            }

            text.Append(' ').Append(attribute.Name.LocalName).Append("=\"");
            Escape(attribute.Value, text);
            text.Append('"');
        }

        var children = element.Nodes().Where(n => n is XElement or XComment || (n is XText t && !string.IsNullOrWhiteSpace(t.Value))).ToList();
        if (children.Count == 0)
        {
            text.Append("/>");
            NewLine(text, depth);
            return;
        }

        var textOnly = children.All(c => c is XText);
        text.Append('>');
        if (!textOnly)
        {
            NewLine(text, depth);
        }

        foreach (var child in children)
        {
            switch (child)
            {
                case XElement e:
                    Write(e, text, depth >= 0 ? depth + 1 : -1);
                    break;
                case XComment c:
                    if (depth >= 0)
                    {
                        text.Append(' ', (depth + 1) * 2);
                    }

                    text.Append("<!--").Append(c.Value).Append("-->");
                    NewLine(text, depth);
                    break;
                case XText t:
                    Escape(t.Value, text);
                    break;
                default:
                    break;
            }
        }

        if (depth >= 0 && !textOnly)
        {
            text.Append(' ', depth * 2);
        }

        text.Append("</").Append(element.Name.LocalName).Append('>');
        NewLine(text, depth);
    }

    private static void NewLine(StringBuilder text, int depth)
    {
        if (depth >= 0)
        {
            text.Append('\n');
        }
    }

    private static void Escape(string value, StringBuilder text)
    {
        foreach (var c in value)
        {
            _ = c switch
            {
                '&' => text.Append("&amp;"),
                '<' => text.Append("&lt;"),
                '>' => text.Append("&gt;"),
                '"' => text.Append("&quot;"),
                '\'' => text.Append("&apos;"),
                '\n' => text.Append("\\n"),
                '\r' => text.Append("\\r"),
                '\t' => text.Append("    "),
                _ => text.Append(c),
            };
        }
    }
}
