using System.Xml.Linq;
using System.Xml.XPath;
using Clustering.Cib.Acl;
using Clustering.Cib.Internal;

namespace Clustering.Cib.Operations;

public sealed partial class CibStore
{
    /// <summary>
    /// <c>cibadmin --query</c>: the whole CIB, the <see cref="CibCallOptions.Scope"/> section (an unknown scope gives the
    /// whole CIB), or what <see cref="CibCallOptions.XPath"/> selects (one match as itself, several wrapped in
    /// <c>&lt;xpath-query&gt;</c>). A missing section or no match is <see cref="CibResultCode.NoSuchDeviceOrAddress"/>.
    /// For a user under ACLs the answer is filtered: what they may not read is removed.
    /// </summary>
    public CibResult Query(CibCallOptions? options = null)
    {
        options ??= CibCallOptions.Default;
        XDocument view;
        lock (_gate)
        {
            var access = CibAccess.For(_current.Root!, options.User, options.Groups);
            if (access.Restricted)
            {
                var filtered = access.FilterForRead(_current.Root!);
                if (filtered is null)
                {
                    return CibResult.Failure(CibResultCode.PermissionDenied, $"user '{options.User}' may read nothing");
                }

                view = new XDocument(filtered);
            }
            else
            {
                view = _current;
            }

            return QueryIn(view, options);
        }
    }

    private static CibResult QueryIn(XDocument view, CibCallOptions options)
    {
        if (options.XPath is { } xpath)
        {
            List<XElement> matches;
            try
            {
                matches = Select(view, xpath);
            }
            catch (XPathException e)
            {
                return CibResult.Failure(CibResultCode.NoSuchDeviceOrAddress, $"invalid XPath '{xpath}': {e.Message}");
            }

            if (matches.Count == 0)
            {
                return CibResult.Failure(CibResultCode.NoSuchDeviceOrAddress, $"nothing matches '{xpath}'");
            }

            var copies = matches.Select(m => options.NoChildren ? CibXml.Shallow(m) : new XElement(m)).ToList();
            return CibResult.Success(copies.Count == 1 ? copies[0] : new XElement("xpath-query", copies));
        }

        var section = CibSections.Find(view.Root!, options.Scope);
        if (section is null)
        {
            return CibResult.Failure(CibResultCode.NoSuchDeviceOrAddress, $"the CIB has no {options.Scope} section");
        }

        return CibResult.Success(options.NoChildren ? CibXml.Shallow(section) : new XElement(section));
    }

    /// <summary>The elements an XPath selects (an attribute or text selects its element), in document order, each once.</summary>
    internal static List<XElement> Select(XDocument document, string xpath)
    {
        var result = new List<XElement>();
        var seen = new HashSet<XElement>();
        if (document.XPathEvaluate(xpath) is not IEnumerable<object> nodes)
        {
            return result;
        }

        foreach (var node in nodes)
        {
            var element = node switch
            {
                XElement e => e,
                XAttribute a => a.Parent,
                XNode n => n.Parent,
                _ => null,
            };
            if (element is not null && seen.Add(element))
            {
                result.Add(element);
            }
        }

        return result;
    }
}
