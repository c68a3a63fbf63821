using System.Xml.Linq;

namespace Clustering.Cib.Acl;

/// <summary>
/// One ACL rule that applies to a user, turned into an XPath as Pacemaker does: <c>xpath</c> as written;
/// <c>ref</c>/<c>reference</c> as <c>//TAG-or-*[@id='REF']</c>; <c>tag</c>/<c>object-type</c> as <c>//TAG</c>; an
/// <c>attribute</c> adds <c>[@ATTR]</c>. The rule covers the matched elements' whole subtrees.
/// </summary>
/// <param name="Id">The id of the rule element (<c>read</c>/<c>write</c>/<c>deny</c> or <c>acl_permission</c>).</param>
/// <param name="Mode">What it grants or refuses.</param>
/// <param name="XPath">The elements it covers.</param>
public sealed record CibAclRule(string? Id, CibAclMode Mode, string XPath)
{
    /// <summary>The rules of <paramref name="user"/> in <paramref name="cib"/>: 1.2 <c>acl_user</c> (own rules or <c>role_ref</c>s) and 2.x <c>acl_target</c> and <c>acl_group</c> (<c>role</c>s), in document order.</summary>
    public static IReadOnlyList<CibAclRule> For(XElement cib, string user, IReadOnlyList<string> groups)
    {
        ArgumentNullException.ThrowIfNull(cib);
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(groups);
        var acls = cib.Element("configuration")?.Element("acls");
        var rules = new List<CibAclRule>();
        if (acls is null)
        {
            return rules;
        }

        var roles = acls.Elements("acl_role").Where(r => r.Attribute("id") is not null)
            .GroupBy(r => (string)r.Attribute("id")!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

        foreach (var entry in acls.Elements())
        {
            var name = (string?)entry.Attribute("name") ?? (string?)entry.Attribute("id");
            var applies = entry.Name.LocalName switch
            {
                "acl_user" or "acl_target" => name == user,
                "acl_group" => name is not null && groups.Contains(name, StringComparer.Ordinal),
                _ => false,
            };
            if (!applies)
            {
                continue;
            }

            foreach (var child in entry.Elements())
            {
                if (child.Name.LocalName is "role_ref" or "role")
                {
                    if ((string?)child.Attribute("id") is { } roleId && roles.TryGetValue(roleId, out var role))
                    {
                        foreach (var rule in role.Elements())
                        {
                            Add(rule, rules);
                        }
                    }
                }
                else
                {
                    Add(child, rules);
                }
            }
        }

        return rules;
    }

    private static void Add(XElement rule, List<CibAclRule> rules)
    {
        var kind = rule.Name.LocalName == "acl_permission" ? (string?)rule.Attribute("kind") : rule.Name.LocalName;
        var mode = kind switch
        {
            "read" => CibAclMode.Read,
            "write" => CibAclMode.Write,
            "deny" => CibAclMode.Deny,
            _ => CibAclMode.None,
        };
        if (mode == CibAclMode.None)
        {
            return;
        }

        var xpath = (string?)rule.Attribute("xpath");
        var reference = (string?)rule.Attribute("reference") ?? (string?)rule.Attribute("ref");
        var tag = (string?)rule.Attribute("object-type") ?? (string?)rule.Attribute("tag");
        var attribute = (string?)rule.Attribute("attribute");
        string? selector = null;
        if (!string.IsNullOrEmpty(xpath))
        {
            selector = xpath;
        }
        else if (!string.IsNullOrEmpty(reference))
        {
            selector = $"//{(string.IsNullOrEmpty(tag) ? "*" : tag)}[@id={Literal(reference)}]";
        }
        else if (!string.IsNullOrEmpty(tag))
        {
            selector = $"//{tag}";
        }

        if (selector is null)
        {
            return;
        }

        if (!string.IsNullOrEmpty(attribute) && string.IsNullOrEmpty(xpath))
        {
            selector += $"[@{attribute}]";
        }

        rules.Add(new CibAclRule((string?)rule.Attribute("id"), mode, selector));
    }

    private static string Literal(string value) => value.Contains('\'', StringComparison.Ordinal) ? $"\"{value}\"" : $"'{value}'";
}
