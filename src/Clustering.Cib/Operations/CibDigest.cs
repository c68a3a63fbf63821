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
        CibText.Write(element, text, -1);
        text.Append('\n');
#pragma warning disable CA5351 // MD5 is what Pacemaker's digest is; it is an identifier, not a security control.
        var hash = MD5.HashData(Encoding.UTF8.GetBytes(text.ToString()));
#pragma warning restore CA5351
        return Convert.ToHexStringLower(hash);
    }

    private static readonly string[] Filtered = ["crm-debug-origin", "cib-last-written", "update-origin", "update-client", "update-user"];

    /// <summary>
    /// The versioned digest of <c>cibadmin --md5-sum-versioned</c> (<c>calculate_xml_versioned_digest</c>): when the
    /// root's <c>crm_feature_set</c> is 3.0.5 or later, the MD5 of the unformatted XML with the bookkeeping attributes
    /// (<c>crm-debug-origin</c>, <c>cib-last-written</c>, <c>update-origin</c>, <c>update-client</c>,
    /// <c>update-user</c>) left out at every level; otherwise the v1 digest of <see cref="Md5"/>.
    /// </summary>
    public static string Md5Versioned(XElement element)
    {
        ArgumentNullException.ThrowIfNull(element);
        if (!AtLeast((string?)element.Attribute("crm_feature_set"), [3, 0, 5]))
        {
            return Md5(element);
        }

        var filtered = new XElement(element);
        foreach (var e in filtered.DescendantsAndSelf())
        {
            foreach (var name in Filtered)
            {
                e.SetAttributeValue(name, null);
            }
        }

        var text = new StringBuilder(1024);
        CibText.Write(filtered, text, -1);
#pragma warning disable CA5351 // MD5 is what Pacemaker's digest is; it is an identifier, not a security control.
        return Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text.ToString())));
#pragma warning restore CA5351
    }

    private static bool AtLeast(string? version, int[] minimum)
    {
        if (version is null)
        {
            return false;
        }

        var parts = version.Split('.');
        for (var i = 0; i < minimum.Length; i++)
        {
            var value = i < parts.Length && int.TryParse(parts[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : 0;
            if (value != minimum[i])
            {
                return value > minimum[i];
            }
        }

        return true;
    }
}
