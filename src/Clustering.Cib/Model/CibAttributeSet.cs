using System.Xml.Linq;

namespace Clustering.Cib.Model;

/// <summary>One <c>nvpair</c> of a name/value set.</summary>
/// <param name="Id">The nvpair's id (empty when absent, as in some old CIBs).</param>
/// <param name="Name">The name.</param>
/// <param name="Value">The value, or <see langword="null"/> when the nvpair has none.</param>
public sealed record CibNvPair(string Id, string Name, string? Value);

/// <summary>
/// A name/value set: <c>instance_attributes</c>, <c>meta_attributes</c>, <c>utilization</c> or
/// <c>cluster_property_set</c>, with its nvpairs in document order. Rules inside the set are not evaluated;
/// <see cref="HasRules"/> says whether there are any.
/// </summary>
public sealed class CibAttributeSet
{
    internal CibAttributeSet(XElement element)
    {
        Element = element;
        Id = (string?)element.Attribute("id") ?? "";
        IdRef = (string?)element.Attribute("id-ref");
        Kind = element.Name.LocalName;
        Score = CibScore.TryParse((string?)element.Attribute("score"), out var s) ? s : null;
        HasRules = element.Elements("rule").Any();
        Pairs = [.. element.Elements("nvpair").Select(p => new CibNvPair(
            (string?)p.Attribute("id") ?? "",
            (string?)p.Attribute("name") ?? "",
            (string?)p.Attribute("value")))];
    }

    /// <summary>The set's element (the XML stays the source of truth).</summary>
    public XElement Element { get; }

    /// <summary>The set's id (empty when it only refers to another set).</summary>
    public string Id { get; }

    /// <summary>The id of the set this one refers to, when it is an <c>id-ref</c>.</summary>
    public string? IdRef { get; }

    /// <summary>The element name: <c>instance_attributes</c>, <c>meta_attributes</c>, <c>utilization</c>, ...</summary>
    public string Kind { get; }

    /// <summary>The set's precedence score when it has one.</summary>
    public CibScore? Score { get; }

    /// <summary>Whether the set holds <c>rule</c> elements (which this view does not evaluate).</summary>
    public bool HasRules { get; }

    /// <summary>The nvpairs in document order.</summary>
    public IReadOnlyList<CibNvPair> Pairs { get; }

    /// <summary>The value of the first nvpair named <paramref name="name"/>, or <see langword="null"/>.</summary>
    public string? this[string name] => Pairs.FirstOrDefault(p => p.Name == name)?.Value;

    internal static IReadOnlyList<CibAttributeSet> Of(XElement? parent, string kind)
        => parent is null ? [] : [.. parent.Elements(kind).Select(e => new CibAttributeSet(e))];

    /// <summary>The merged view of several sets: the first set that names an attribute wins, as when Pacemaker unpacks sets without rules by order.</summary>
    internal static IReadOnlyDictionary<string, string> Flatten(IEnumerable<CibAttributeSet> sets)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var set in sets)
        {
            foreach (var pair in set.Pairs)
            {
                if (pair.Value is not null)
                {
                    result.TryAdd(pair.Name, pair.Value);
                }
            }
        }

        return result;
    }
}
