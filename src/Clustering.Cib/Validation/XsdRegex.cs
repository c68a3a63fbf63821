using System.Text;

namespace Clustering.Cib.Validation;

/// <summary>Turns an XML Schema regular expression (implicitly anchored, with \i and \c) into a .NET one.</summary>
internal static class XsdRegex
{
    public static string ToDotNet(string xsd)
    {
        var sb = new StringBuilder("^(?:");
        var inClass = 0;
        for (var i = 0; i < xsd.Length; i++)
        {
            var c = xsd[i];
            if (c == '\\' && i + 1 < xsd.Length)
            {
                var n = xsd[++i];
                sb.Append(n switch
                {
                    'i' => inClass > 0 ? @"_:A-Za-z\p{L}" : @"[_:A-Za-z\p{L}]",
                    'I' => @"[^_:A-Za-z\p{L}]",
                    'c' => inClass > 0 ? @"\-._:A-Za-z0-9\p{L}\p{Nd}" : @"[\-._:A-Za-z0-9\p{L}\p{Nd}]",
                    'C' => @"[^\-._:A-Za-z0-9\p{L}\p{Nd}]",
                    _ => "\\" + n,
                });
                continue;
            }

            switch (c)
            {
                case '[':
                    inClass++;
                    sb.Append(c);
                    break;
                case ']':
                    inClass = Math.Max(0, inClass - 1);
                    sb.Append(c);
                    break;
                case '^' when inClass == 0 || (i > 0 && xsd[i - 1] != '['):
                    sb.Append(@"\^");
                    break;
                case '$':
                    sb.Append(@"\$");
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }

        return sb.Append(@")\z").ToString();
    }
}
