using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace Clustering.Cib.Operations;

/// <summary>
/// Pacemaker's "v1" XML digest as <c>cibadmin --md5-sum</c> prints it and as the on-disk CIB digest is made:
/// the MD5 of a space, the element written without any formatting (attributes in document order, values escaped),
/// and a newline.
/// </summary>
public static class CibDigest
{
    /// <summary>The lower-case hexadecimal MD5 digest of <paramref name="element"/>.</summary>
    public static string Md5(XElement element)
    {
        ArgumentNullException.ThrowIfNull(element);
        var text = new StringBuilder(1024).Append(' ');
        Write(element, text);
        text.Append('\n');
#pragma warning disable CA5351 // MD5 is what Pacemaker's digest is; it is an identifier, not a security control.
        var hash = MD5.HashData(Encoding.UTF8.GetBytes(text.ToString()));
#pragma warning restore CA5351
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>The unformatted text Pacemaker digests (without the leading space and trailing newline).</summary>
    public static string Unformatted(XElement element)
    {
        ArgumentNullException.ThrowIfNull(element);
        var text = new StringBuilder(1024);
        Write(element, text);
        return text.ToString();
    }

    private static void Write(XElement element, StringBuilder text)
    {
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
            return;
        }

        text.Append('>');
        foreach (var child in children)
        {
            switch (child)
            {
                case XElement e:
                    Write(e, text);
                    break;
                case XComment c:
                    text.Append("<!--").Append(c.Value).Append("-->");
                    break;
                case XText t:
                    Escape(t.Value, text);
                    break;
                default:
                    break;
            }
        }

        text.Append("</").Append(element.Name.LocalName).Append('>');
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
                '\n' or '\r' or '\t' => text.Append("&#").Append(((int)c).ToString(CultureInfo.InvariantCulture)).Append(';'),
                _ => text.Append(c),
            };
        }
    }
}
