using System.Xml.Linq;

namespace Clustering.Cib.Model;

/// <summary>A <c>resource_set</c> of a constraint: resources referred to as a unit.</summary>
public sealed class CibResourceSet
{
    internal CibResourceSet(XElement element)
    {
        Element = element;
        Id = (string?)element.Attribute("id") ?? "";
        Sequential = !string.Equals((string?)element.Attribute("sequential"), "false", StringComparison.OrdinalIgnoreCase);
        Role = (string?)element.Attribute("role");
        ResourceIds = [.. element.Elements("resource_ref").Select(r => (string?)r.Attribute("id") ?? "")];
    }

    /// <summary>The set's element.</summary>
    public XElement Element { get; }

    /// <summary>The set id.</summary>
    public string Id { get; }

    /// <summary>Whether members are ordered or colocated among themselves (the default) rather than independent.</summary>
    public bool Sequential { get; }

    /// <summary>The role the set applies to, if any.</summary>
    public string? Role { get; }

    /// <summary>The ids of the <c>resource_ref</c> elements, in order.</summary>
    public IReadOnlyList<string> ResourceIds { get; }
}

/// <summary>A constraint of <c>configuration/constraints</c>.</summary>
public abstract class CibConstraint
{
    private protected CibConstraint(XElement element)
    {
        Element = element;
        Id = (string?)element.Attribute("id") ?? "";
        ResourceSets = [.. element.Elements("resource_set").Select(s => new CibResourceSet(s))];
        Score = CibScore.TryParse((string?)element.Attribute("score"), out var score) ? score : null;
    }

    /// <summary>The constraint's element (the raw XML for anything this view does not model).</summary>
    public XElement Element { get; }

    /// <summary>The constraint id.</summary>
    public string Id { get; }

    /// <summary>The <c>score</c> attribute parsed Pacemaker's way, when present and a score.</summary>
    public CibScore? Score { get; }

    /// <summary>The constraint's <c>resource_set</c> elements (empty for the two-resource form).</summary>
    public IReadOnlyList<CibResourceSet> ResourceSets { get; }

    /// <summary>
    /// Every reference to a resource (or tag) the constraint makes: the attribute naming it (<c>rsc</c>,
    /// <c>with-rsc</c>, <c>first</c>, <c>then</c>, or <c>resource_ref</c>) and the id.
    /// </summary>
    public IEnumerable<(string Attribute, string Id)> ResourceReferences()
    {
        foreach (var name in ReferenceAttributes)
        {
            if ((string?)Element.Attribute(name) is { } id)
            {
                yield return (name, id);
            }
        }

        foreach (var id in ResourceSets.SelectMany(s => s.ResourceIds))
        {
            yield return ("resource_ref", id);
        }
    }

    private protected abstract string[] ReferenceAttributes { get; }

    internal static CibConstraint? Create(XElement element) => element.Name.LocalName switch
    {
        "rsc_location" => new CibLocationConstraint(element),
        "rsc_colocation" => new CibColocationConstraint(element),
        "rsc_order" => new CibOrderConstraint(element),
        "rsc_ticket" => new CibTicketConstraint(element),
        _ => null,
    };
}

/// <summary>An <c>rsc_location</c>: where a resource may, should or must not run.</summary>
public sealed class CibLocationConstraint : CibConstraint
{
    internal CibLocationConstraint(XElement element)
        : base(element)
    {
        Resource = (string?)element.Attribute("rsc");
        ResourcePattern = (string?)element.Attribute("rsc-pattern");
        Node = (string?)element.Attribute("node");
        Role = (string?)element.Attribute("role");
        Rules = [.. element.Elements("rule").Select(r => new CibRule(r))];
    }

    /// <summary>The resource id, when given by <c>rsc</c>.</summary>
    public string? Resource { get; }

    /// <summary>The regular expression over resource ids, when given by <c>rsc-pattern</c>.</summary>
    public string? ResourcePattern { get; }

    /// <summary>The node name of the simple form (<c>node</c> with <c>score</c>).</summary>
    public string? Node { get; }

    /// <summary>The role it applies to, if any.</summary>
    public string? Role { get; }

    /// <summary>The rules of the rule form (read, not evaluated).</summary>
    public IReadOnlyList<CibRule> Rules { get; }

    private protected override string[] ReferenceAttributes => ["rsc"];
}

/// <summary>An <c>rsc_colocation</c>: keep a resource with (or away from) another.</summary>
public sealed class CibColocationConstraint : CibConstraint
{
    internal CibColocationConstraint(XElement element)
        : base(element)
    {
        Resource = (string?)element.Attribute("rsc");
        WithResource = (string?)element.Attribute("with-rsc");
        ResourceRole = (string?)element.Attribute("rsc-role");
        WithResourceRole = (string?)element.Attribute("with-rsc-role");
    }

    /// <summary>The dependent resource (placed relative to <see cref="WithResource"/>).</summary>
    public string? Resource { get; }

    /// <summary>The resource placed first.</summary>
    public string? WithResource { get; }

    /// <summary>The role of <see cref="Resource"/> it applies to, if any.</summary>
    public string? ResourceRole { get; }

    /// <summary>The role of <see cref="WithResource"/> it applies to, if any.</summary>
    public string? WithResourceRole { get; }

    private protected override string[] ReferenceAttributes => ["rsc", "with-rsc"];
}

/// <summary>An <c>rsc_order</c>: start (or promote, ...) one resource before another.</summary>
public sealed class CibOrderConstraint : CibConstraint
{
    internal CibOrderConstraint(XElement element)
        : base(element)
    {
        First = (string?)element.Attribute("first");
        Then = (string?)element.Attribute("then");
        FirstAction = (string?)element.Attribute("first-action") ?? "start";
        ThenAction = (string?)element.Attribute("then-action") ?? FirstAction;
        OrderKind = (string?)element.Attribute("kind");
        Symmetrical = (string?)element.Attribute("symmetrical") is not { } s || CibView.IsTrue(s);
    }

    /// <summary>The resource acted on first.</summary>
    public string? First { get; }

    /// <summary>The resource acted on after.</summary>
    public string? Then { get; }

    /// <summary>The action of <see cref="First"/> (default <c>start</c>).</summary>
    public string FirstAction { get; }

    /// <summary>The action of <see cref="Then"/> (default: the first action).</summary>
    public string ThenAction { get; }

    /// <summary>The <c>kind</c> (<c>Mandatory</c>, <c>Optional</c>, <c>Serialize</c>), if given.</summary>
    public string? OrderKind { get; }

    /// <summary>Whether the reverse order applies when stopping (default true).</summary>
    public bool Symmetrical { get; }

    private protected override string[] ReferenceAttributes => ["first", "then"];
}

/// <summary>An <c>rsc_ticket</c>, kept mostly raw: the resource, the ticket and the loss policy.</summary>
public sealed class CibTicketConstraint : CibConstraint
{
    internal CibTicketConstraint(XElement element)
        : base(element)
    {
        Resource = (string?)element.Attribute("rsc");
        Ticket = (string?)element.Attribute("ticket") ?? "";
        LossPolicy = (string?)element.Attribute("loss-policy");
    }

    /// <summary>The resource that depends on the ticket (absent with resource sets).</summary>
    public string? Resource { get; }

    /// <summary>The ticket name.</summary>
    public string Ticket { get; }

    /// <summary>What happens when the ticket is lost, if given.</summary>
    public string? LossPolicy { get; }

    private protected override string[] ReferenceAttributes => ["rsc"];
}
