using System.Xml.Linq;
using System.Xml.XPath;
using Clustering.Cib.Internal;

namespace Clustering.Cib.Acl;

/// <summary>
/// What one user may read and write in a CIB under its ACLs, with Pacemaker's semantics: ACLs apply only when the
/// cluster option <c>enable-acl</c> is true and the user is not a superuser (<c>root</c>, <c>hacluster</c>, or none).
/// Every rule of every role of the user (1.2 <c>acl_user</c>, 2.x <c>acl_target</c>, and <c>acl_group</c> for their
/// groups) marks the elements its selector matches. An element's access is decided by the nearest element, itself or
/// an ancestor, that carries a mark: deny beats write beats read on the same element, a deeper mark beats a shallower
/// one, and no mark at all denies. Reads are filtered; a write that touches anything not writable is refused whole.
/// </summary>
public sealed class CibAccess
{
    private static readonly CibAccess Unrestricted = new(null, null);

    private readonly IReadOnlyList<CibAclRule>? _rules;
    private readonly Dictionary<XElement, Dictionary<XElement, CibAclMode>> _marks = [];

    private CibAccess(string? user, IReadOnlyList<CibAclRule>? rules)
    {
        User = user;
        _rules = rules;
    }

    /// <summary>The user this view is for, or <see langword="null"/> when unrestricted.</summary>
    public string? User { get; }

    /// <summary>Whether ACLs restrict this user (false: full access).</summary>
    public bool Restricted => _rules is not null;

    /// <summary>The rules that apply to the user, in the order the CIB lists them.</summary>
    public IReadOnlyList<CibAclRule> Rules => _rules ?? [];

    /// <summary>The superusers that ACLs never restrict.</summary>
    public static IReadOnlyList<string> Superusers { get; } = ["root", "hacluster"];

    /// <summary>Whether <paramref name="user"/> bypasses ACLs (<see langword="null"/>, empty, <c>root</c> or <c>hacluster</c>).</summary>
    public static bool IsSuperuser(string? user) => string.IsNullOrEmpty(user) || Superusers.Contains(user, StringComparer.Ordinal);

    /// <summary>Whether the <c>enable-acl</c> cluster option of <paramref name="cib"/> is true.</summary>
    public static bool AclsEnabled(XElement cib)
    {
        ArgumentNullException.ThrowIfNull(cib);
        var value = cib.Element("configuration")?.Element("crm_config")?.Descendants("nvpair")
            .LastOrDefault(n => (string?)n.Attribute("name") == "enable-acl")?.Attribute("value")?.Value;
        return value is not null && IsTrue(value);
    }

    /// <summary>The access of <paramref name="user"/> (member of <paramref name="groups"/>) to <paramref name="cib"/>, from the ACLs it holds.</summary>
    public static CibAccess For(XElement cib, string? user, IReadOnlyList<string>? groups = null)
    {
        ArgumentNullException.ThrowIfNull(cib);
        if (IsSuperuser(user) || !AclsEnabled(cib))
        {
            return Unrestricted;
        }

        return new CibAccess(user, CibAclRule.For(cib, user!, groups ?? []));
    }

    /// <summary>Whether the user may read <paramref name="element"/> (an element of the document this access was made for, or of a changed copy).</summary>
    public bool CanRead(XElement element) => Effective(element) is CibAclMode.Read or CibAclMode.Write;

    /// <summary>Whether the user may change <paramref name="element"/>.</summary>
    public bool CanWrite(XElement element) => Effective(element) == CibAclMode.Write;

    /// <summary>
    /// What the user sees of <paramref name="cib"/>: a copy where every element they may not read is removed, or kept as
    /// bare scaffolding (its id only) when a descendant is readable. <see langword="null"/> when nothing is readable.
    /// </summary>
    public XElement? FilterForRead(XElement cib)
    {
        ArgumentNullException.ThrowIfNull(cib);
        return Restricted ? Filter(cib) : new XElement(cib);
    }

    private XElement? Filter(XElement element)
    {
        if (CanRead(element))
        {
            var copy = new XElement(element.Name, element.Attributes());
            foreach (var node in element.Nodes())
            {
                if (node is XElement child)
                {
                    if (Filter(child) is { } kept)
                    {
                        copy.Add(kept);
                    }
                }
                else if (node is XText or XComment)
                {
                    copy.Add(node is XText t ? new XText(t) : new XComment((XComment)node));
                }
            }

            return copy;
        }

        var children = element.Elements().Select(Filter).Where(c => c is not null).ToList();
        if (children.Count == 0)
        {
            return null;
        }

        return new XElement(element.Name, element.Attribute("id") is { } id ? new XAttribute(id) : null, children);
    }

    /// <summary>
    /// Compares a CIB before and after an update and describes the first change the user may not make, or returns
    /// <see langword="null"/> when every change is allowed. Modified and deleted elements must be writable in
    /// <paramref name="before"/>, created ones in <paramref name="after"/>; bare scaffolding (an element with only an id,
    /// outside <c>acls</c>) may be created freely.
    /// </summary>
    public string? FirstDeniedChange(XElement before, XElement after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        return Restricted ? Compare(before, after) : null;
    }

    private string? Compare(XElement before, XElement after)
    {
        if ((!XmlEquivalence.SameAttributes(before, after) || XmlEquivalence.DirectText(before) != XmlEquivalence.DirectText(after)) && !CanWrite(before))
        {
            return $"modify of {Path(before)}";
        }

        var remaining = before.Elements().ToList();
        foreach (var child in after.Elements())
        {
            var id = CibXml.Id(child);
            var old = remaining.Find(e => e.Name == child.Name && CibXml.Id(e) == id);
            if (old is null)
            {
                var denied = CheckCreated(child);
                if (denied is not null)
                {
                    return denied;
                }

                continue;
            }

            remaining.Remove(old);
            var inner = Compare(old, child);
            if (inner is not null)
            {
                return inner;
            }
        }

        foreach (var gone in remaining)
        {
            if (!CanWrite(gone))
            {
                return $"delete of {Path(gone)}";
            }
        }

        return null;
    }

    private string? CheckCreated(XElement created)
    {
        if (!IsScaffolding(created) && !CanWrite(created))
        {
            return $"create of {Path(created)}";
        }

        foreach (var child in created.Elements())
        {
            var denied = CheckCreated(child);
            if (denied is not null)
            {
                return denied;
            }
        }

        return null;
    }

    private static bool IsScaffolding(XElement element)
        => element.Attributes().All(a => a.Name.LocalName == "id") && !element.AncestorsAndSelf("acls").Any();

    private static string Path(XElement element)
        => "/" + string.Join('/', element.AncestorsAndSelf().Reverse().Select(e => CibXml.Id(e) is { } id ? $"{e.Name.LocalName}[@id='{id}']" : e.Name.LocalName));

    private CibAclMode Effective(XElement element)
    {
        if (_rules is null)
        {
            return CibAclMode.Write;
        }

        var root = element.AncestorsAndSelf().Last();
        var marks = MarksFor(root);
        for (var e = element; e is not null; e = e.Parent)
        {
            if (marks.TryGetValue(e, out var mode))
            {
                return (mode & CibAclMode.Deny) != 0 ? CibAclMode.Deny : (mode & CibAclMode.Write) != 0 ? CibAclMode.Write : CibAclMode.Read;
            }
        }

        return CibAclMode.Deny;
    }

    private Dictionary<XElement, CibAclMode> MarksFor(XElement root)
    {
        if (_marks.TryGetValue(root, out var marks))
        {
            return marks;
        }

        marks = [];
        var document = root.Document ?? new XDocument(root);
        foreach (var rule in _rules!)
        {
            IEnumerable<object> selected;
            try
            {
                selected = document.XPathEvaluate(rule.XPath) as IEnumerable<object> ?? [];
            }
            catch (XPathException)
            {
                continue;
            }

            foreach (var node in selected)
            {
                var element = node switch
                {
                    XElement e => e,
                    XAttribute a => a.Parent,
                    _ => null,
                };
                if (element is not null)
                {
                    marks[element] = marks.GetValueOrDefault(element) | rule.Mode;
                }
            }
        }

        _marks[root] = marks;
        return marks;
    }

    internal static bool IsTrue(string value) => value.Trim().ToUpperInvariant() is "TRUE" or "ON" or "YES" or "Y" or "1";
}
