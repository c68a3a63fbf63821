using System.Xml.Linq;

namespace Clustering.Cib.Operations;

/// <summary>
/// The sections cibadmin's <c>--scope</c> names, and where they live in the CIB (Pacemaker's
/// <c>pcmk_cib_xpath_for</c>). An unknown scope addresses the whole CIB, as the real tool does.
/// </summary>
public static class CibSections
{
    private static readonly string[] ConfigurationChildren =
    [
        "crm_config", "nodes", "resources", "constraints", "rsc_defaults", "op_defaults", "acls", "fencing-topology", "tags", "alerts",
    ];

    /// <summary>Every scope name this type knows.</summary>
    public static IReadOnlyList<string> Known { get; } = ["configuration", "status", .. ConfigurationChildren];

    /// <summary>Whether <paramref name="scope"/> is a known section name.</summary>
    public static bool IsKnown(string? scope) => scope is not null && Known.Contains(scope, StringComparer.Ordinal);

    /// <summary>The name of the element that holds <paramref name="scope"/> (<c>configuration</c> for its children, <c>cib</c> for configuration and status), or <see langword="null"/> for an unknown scope.</summary>
    public static string? ParentOf(string? scope) => scope switch
    {
        "configuration" or "status" => "cib",
        _ when IsKnown(scope) => "configuration",
        _ => null,
    };

    /// <summary>The element <paramref name="scope"/> names in <paramref name="cib"/>: the root for a <see langword="null"/> or unknown scope, <see langword="null"/> when a known section is missing.</summary>
    public static XElement? Find(XElement cib, string? scope)
    {
        ArgumentNullException.ThrowIfNull(cib);
        if (!IsKnown(scope))
        {
            return cib;
        }

        return ParentOf(scope) == "cib" ? cib.Element(scope!) : cib.Element("configuration")?.Element(scope!);
    }

    /// <summary>Finds the section, creating it (and <c>configuration</c>) when missing; the root for an unknown scope.</summary>
    internal static XElement FindOrCreate(XElement cib, string? scope)
    {
        var found = Find(cib, scope);
        if (found is not null)
        {
            return found;
        }

        XElement parent = cib;
        if (ParentOf(scope) == "configuration")
        {
            parent = cib.Element("configuration") ?? AddChild(cib, "configuration");
        }

        return AddChild(parent, scope!);
    }

    private static XElement AddChild(XElement parent, string name)
    {
        var child = new XElement(name);
        parent.Add(child);
        return child;
    }
}
