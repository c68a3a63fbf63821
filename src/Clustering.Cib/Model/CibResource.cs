using System.Xml.Linq;

namespace Clustering.Cib.Model;

/// <summary>The kinds of resource the CIB knows.</summary>
public enum CibResourceKind
{
    /// <summary>A <c>primitive</c>: one agent.</summary>
    Primitive,

    /// <summary>A <c>group</c> of primitives started in order on one node.</summary>
    Group,

    /// <summary>A <c>clone</c>, promotable when its <c>promotable</c> meta attribute is true.</summary>
    Clone,

    /// <summary>A <c>master</c>: the pre-2.0 spelling of a promotable clone.</summary>
    Master,

    /// <summary>A <c>bundle</c> (containers; only its id and meta attributes are read).</summary>
    Bundle,
}

/// <summary>A resource of <c>configuration/resources</c> (or a child of a group, clone or master).</summary>
public abstract class CibResource
{
    private protected CibResource(XElement element, CibResource? parent)
    {
        Element = element;
        Parent = parent;
        Id = (string?)element.Attribute("id") ?? "";
        MetaAttributeSets = CibAttributeSet.Of(element, "meta_attributes");
        MetaAttributes = CibAttributeSet.Flatten(MetaAttributeSets);
        InstanceAttributeSets = CibAttributeSet.Of(element, "instance_attributes");
        InstanceAttributes = CibAttributeSet.Flatten(InstanceAttributeSets);
    }

    /// <summary>The resource's element.</summary>
    public XElement Element { get; }

    /// <summary>The resource id.</summary>
    public string Id { get; }

    /// <summary>The group, clone or master holding it, or <see langword="null"/> at top level.</summary>
    public CibResource? Parent { get; }

    /// <summary>What kind of resource it is.</summary>
    public abstract CibResourceKind Kind { get; }

    /// <summary>The <c>meta_attributes</c> sets.</summary>
    public IReadOnlyList<CibAttributeSet> MetaAttributeSets { get; }

    /// <summary>The meta attributes (<c>target-role</c>, <c>is-managed</c>, ...), first set first.</summary>
    public IReadOnlyDictionary<string, string> MetaAttributes { get; }

    /// <summary>The <c>instance_attributes</c> sets.</summary>
    public IReadOnlyList<CibAttributeSet> InstanceAttributeSets { get; }

    /// <summary>The instance attributes (the agent's parameters), first set first.</summary>
    public IReadOnlyDictionary<string, string> InstanceAttributes { get; }

    /// <summary>The resources directly inside this one (none for a primitive).</summary>
    public virtual IReadOnlyList<CibResource> Children => [];

    /// <summary>This resource and every resource inside it, depth first.</summary>
    public IEnumerable<CibResource> DescendantsAndSelf()
    {
        yield return this;
        foreach (var child in Children)
        {
            foreach (var d in child.DescendantsAndSelf())
            {
                yield return d;
            }
        }
    }

    internal static CibResource? Create(XElement element, CibResource? parent) => element.Name.LocalName switch
    {
        "primitive" => new CibPrimitive(element, parent),
        "group" => new CibGroup(element, parent),
        "clone" => new CibClone(element, parent, CibResourceKind.Clone),
        "master" => new CibClone(element, parent, CibResourceKind.Master),
        "bundle" => new CibBundle(element, parent),
        _ => null,
    };
}

/// <summary>A <c>primitive</c>: one resource agent with its parameters and operations.</summary>
public sealed class CibPrimitive : CibResource
{
    internal CibPrimitive(XElement element, CibResource? parent)
        : base(element, parent)
    {
        Class = (string?)element.Attribute("class");
        Provider = (string?)element.Attribute("provider");
        Type = (string?)element.Attribute("type");
        Template = (string?)element.Attribute("template");
        UtilizationSets = CibAttributeSet.Of(element, "utilization");
        Utilization = CibAttributeSet.Flatten(UtilizationSets);
        Operations = [.. element.Elements("operations").Elements("op").Select(o => new CibOperation(o))];
    }

    /// <inheritdoc />
    public override CibResourceKind Kind => CibResourceKind.Primitive;

    /// <summary>The agent class: <c>ocf</c>, <c>lsb</c>, <c>systemd</c>, <c>service</c>, <c>stonith</c>, ... (<see langword="null"/> when it comes from a template).</summary>
    public string? Class { get; }

    /// <summary>The OCF provider (<c>heartbeat</c>, <c>pacemaker</c>, ...), for class <c>ocf</c>.</summary>
    public string? Provider { get; }

    /// <summary>The agent name.</summary>
    public string? Type { get; }

    /// <summary>The template it takes class, provider and type from, if any.</summary>
    public string? Template { get; }

    /// <summary>The agent as Pacemaker names it: <c>class:provider:type</c> or <c>class:type</c>.</summary>
    public string Agent => Provider is null ? $"{Class}:{Type}" : $"{Class}:{Provider}:{Type}";

    /// <summary>Whether it is a fencing device (class <c>stonith</c>).</summary>
    public bool IsStonith => Class == "stonith";

    /// <summary>The <c>utilization</c> sets.</summary>
    public IReadOnlyList<CibAttributeSet> UtilizationSets { get; }

    /// <summary>What the resource consumes of a node's capacities, first set first.</summary>
    public IReadOnlyDictionary<string, string> Utilization { get; }

    /// <summary>The <c>op</c> elements of its <c>operations</c>.</summary>
    public IReadOnlyList<CibOperation> Operations { get; }
}

/// <summary>A <c>group</c>: primitives kept together and started in order.</summary>
public sealed class CibGroup : CibResource
{
    internal CibGroup(XElement element, CibResource? parent)
        : base(element, parent)
        => Members = [.. element.Elements().Select(e => Create(e, this)).OfType<CibResource>()];

    /// <inheritdoc />
    public override CibResourceKind Kind => CibResourceKind.Group;

    /// <summary>The members in start order.</summary>
    public IReadOnlyList<CibResource> Members { get; }

    /// <inheritdoc />
    public override IReadOnlyList<CibResource> Children => Members;
}

/// <summary>A <c>clone</c> or <c>master</c>: one resource run as several instances.</summary>
public sealed class CibClone : CibResource
{
    internal CibClone(XElement element, CibResource? parent, CibResourceKind kind)
        : base(element, parent)
    {
        Kind = kind;
        Child = element.Elements().Select(e => Create(e, this)).OfType<CibResource>().FirstOrDefault();
    }

    /// <inheritdoc />
    public override CibResourceKind Kind { get; }

    /// <summary>The cloned primitive or group (<see langword="null"/> in a malformed CIB).</summary>
    public CibResource? Child { get; }

    /// <summary>Whether instances can be promoted: a <c>master</c>, or a clone with meta attribute <c>promotable=true</c>.</summary>
    public bool IsPromotable => Kind == CibResourceKind.Master
        || (MetaAttributes.TryGetValue("promotable", out var p) && CibView.IsTrue(p));

    /// <inheritdoc />
    public override IReadOnlyList<CibResource> Children => Child is null ? [] : [Child];
}

/// <summary>A <c>bundle</c>: read for its id, meta attributes and the primitive it may hold.</summary>
public sealed class CibBundle : CibResource
{
    internal CibBundle(XElement element, CibResource? parent)
        : base(element, parent)
        => Child = element.Elements("primitive").Select(e => (CibResource)new CibPrimitive(e, this)).FirstOrDefault();

    /// <inheritdoc />
    public override CibResourceKind Kind => CibResourceKind.Bundle;

    /// <summary>The primitive run inside the containers, if any.</summary>
    public CibResource? Child { get; }

    /// <inheritdoc />
    public override IReadOnlyList<CibResource> Children => Child is null ? [] : [Child];
}

/// <summary>An <c>op</c> of a primitive (or of <c>op_defaults</c>' scope).</summary>
public sealed class CibOperation
{
    internal CibOperation(XElement element)
    {
        Element = element;
        Id = (string?)element.Attribute("id") ?? "";
        Name = (string?)element.Attribute("name") ?? "";
        Interval = (string?)element.Attribute("interval") ?? "0";
        Timeout = (string?)element.Attribute("timeout");
        Role = (string?)element.Attribute("role");
        OnFail = (string?)element.Attribute("on-fail");
    }

    /// <summary>The op's element.</summary>
    public XElement Element { get; }

    /// <summary>The op id.</summary>
    public string Id { get; }

    /// <summary>The action: <c>monitor</c>, <c>start</c>, <c>stop</c>, <c>promote</c>, ...</summary>
    public string Name { get; }

    /// <summary>The interval as written (<c>0</c> when absent), such as <c>10s</c> or <c>PT1M</c>.</summary>
    public string Interval { get; }

    /// <summary>The timeout as written, if any.</summary>
    public string? Timeout { get; }

    /// <summary>The role it applies to, if any.</summary>
    public string? Role { get; }

    /// <summary>The <c>on-fail</c> policy, if any.</summary>
    public string? OnFail { get; }
}
