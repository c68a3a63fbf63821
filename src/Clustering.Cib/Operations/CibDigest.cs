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
}
