using System.Xml;
using System.Xml.Linq;
using Clustering.Cib.Validation;

namespace Clustering.Cib.Model;

/// <summary>
/// Writes a CIB configuration in C#: nodes, primitives, groups, clones, constraints, cluster properties,
/// defaults and utilization, with ids generated the way Pacemaker's tools name them. The output names its
/// schema in <c>validate-with</c> and is shaped to validate against it: a promotable clone is written as a
/// <c>master</c> for schemas before 3.0 and as a <c>clone</c> with <c>promotable=true</c> from 3.0 on.
/// Ids are checked as they are added (XML names, no duplicates); constraints are checked against the resources
/// at <see cref="Build"/>.
/// </summary>
/// <example>
/// <code>
/// var cib = new CibBuilder("pacemaker-3.9")
///     .Property("stonith-enabled", "false")
///     .Node("1", "node1", n => n.Utilization("cpu", "8"))
///     .Primitive("ip", "ocf", "heartbeat", "IPaddr2", p => p.Param("ip", "10.0.0.10").Op("monitor", "10s"))
///     .Location("ip-on-node1", "ip", "node1", CibScore.Infinity)
///     .Build();
/// </code>
/// </example>
public sealed class CibBuilder
{
    /// <summary>The schema written when none is given.</summary>
    public const string DefaultSchema = "pacemaker-3.0";

    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly HashSet<string> _resourceIds = new(StringComparer.Ordinal);
    private readonly HashSet<string> _nodeIds = new(StringComparer.Ordinal);
    private readonly List<XElement> _properties = [];
    private readonly List<XElement> _rscDefaults = [];
    private readonly List<XElement> _opDefaults = [];
    private readonly List<XElement> _nodes = [];
    private readonly List<XElement> _resources = [];
    private readonly List<XElement> _constraints = [];
    private readonly List<(string Constraint, string Resource)> _references = [];
    private long _adminEpoch;
    private long _epoch = 1;
    private long _numUpdates;

    /// <summary>Starts a CIB for <see cref="DefaultSchema"/>.</summary>
    public CibBuilder()
        : this(DefaultSchema)
    {
    }

    /// <summary>Starts a CIB whose <c>validate-with</c> is <paramref name="validateWith"/> (<c>pacemaker-X.Y</c> or <c>pacemaker-next</c>).</summary>
    /// <exception cref="ArgumentException">The name is not a Pacemaker schema name.</exception>
    public CibBuilder(string validateWith)
    {
        ArgumentException.ThrowIfNullOrEmpty(validateWith);
        var version = CibSchemaSet.ParseVersion(validateWith)
            ?? throw new ArgumentException($"'{validateWith}' is not a schema name such as pacemaker-1.2 or pacemaker-3.9", nameof(validateWith));
        ValidateWith = validateWith;
        UsesPromotableClones = version.Major >= 3;
    }

    /// <summary>The schema the CIB names.</summary>
    public string ValidateWith { get; }

    /// <summary>Whether promotable clones are written as <c>clone</c> with <c>promotable=true</c> (schemas 3.0 and later) rather than <c>master</c>.</summary>
    public bool UsesPromotableClones { get; }

    /// <summary>Sets the version counters of the root (default 0, 1, 0).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A counter is negative.</exception>
    public CibBuilder Version(long adminEpoch, long epoch, long numUpdates)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(adminEpoch);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        ArgumentOutOfRangeException.ThrowIfNegative(numUpdates);
        (_adminEpoch, _epoch, _numUpdates) = (adminEpoch, epoch, numUpdates);
        return this;
    }

    /// <summary>Sets a cluster option in <c>cib-bootstrap-options</c> (<c>stonith-enabled</c>, <c>no-quorum-policy</c>, <c>placement-strategy</c>, ...).</summary>
    public CibBuilder Property(string name, string value)
    {
        _properties.Add(NvPair("cib-bootstrap-options", name, value));
        return this;
    }

    /// <summary>Sets a resource default (<c>rsc_defaults</c>, such as <c>resource-stickiness</c>).</summary>
    public CibBuilder ResourceDefault(string name, string value)
    {
        _rscDefaults.Add(NvPair("rsc-options", name, value));
        return this;
    }

    /// <summary>Sets an operation default (<c>op_defaults</c>, such as <c>timeout</c>).</summary>
    public CibBuilder OperationDefault(string name, string value)
    {
        _opDefaults.Add(NvPair("op-options", name, value));
        return this;
    }

    /// <summary>Adds a node with its attributes and capacities.</summary>
    /// <param name="id">The node id (Corosync's node id for cluster nodes).</param>
    /// <param name="uname">The node name.</param>
    /// <param name="configure">Adds attributes and utilization.</param>
    public CibBuilder Node(string id, string uname, Action<CibNodeBuilder>? configure = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentException.ThrowIfNullOrEmpty(uname);
        if (!_nodeIds.Add(id))
        {
            throw new ArgumentException($"node id '{id}' is already used", nameof(id));
        }

        // Node ids are Corosync node numbers, not XML ids; the sets inside are named nodes-ID-... as crm_attribute names them.
        var element = new XElement("node", new XAttribute("id", id), new XAttribute("uname", uname));
        var node = new CibNodeBuilder(this, element, id, Sanitize("nodes-" + id));
        configure?.Invoke(node);
        node.Flush();
        _nodes.Add(element);
        return this;
    }

    /// <summary>Adds a top-level primitive.</summary>
    /// <param name="id">The resource id.</param>
    /// <param name="resourceClass">The agent class: <c>ocf</c>, <c>lsb</c>, <c>systemd</c>, <c>service</c>, <c>stonith</c>, ...</param>
    /// <param name="provider">The OCF provider (required for <c>ocf</c>, otherwise <see langword="null"/>).</param>
    /// <param name="type">The agent name.</param>
    /// <param name="configure">Adds parameters, meta attributes, utilization and operations.</param>
    public CibBuilder Primitive(string id, string resourceClass, string? provider, string type, Action<CibPrimitiveBuilder>? configure = null)
    {
        _resources.Add(BuildPrimitive(id, resourceClass, provider, type, configure));
        return this;
    }

    /// <summary>Adds a group; its members are added by <paramref name="configure"/>.</summary>
    /// <exception cref="ArgumentException">The group ends up without members.</exception>
    public CibBuilder Group(string id, Action<CibGroupBuilder> configure)
    {
        _resources.Add(BuildGroup(id, configure));
        return this;
    }

    /// <summary>Adds a clone (promotable when <see cref="CibCloneBuilder.Promotable"/> is called) of one primitive or group.</summary>
    /// <exception cref="ArgumentException">The clone ends up without exactly one child.</exception>
    public CibBuilder Clone(string id, Action<CibCloneBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Claim(id);
        _resourceIds.Add(id);
        var clone = new CibCloneBuilder(this, id);
        configure(clone);
        _resources.Add(clone.ToElement());
        return this;
    }

    /// <summary>Adds an <c>rsc_location</c> preferring (or avoiding, with a negative score) a node for a resource.</summary>
    public CibBuilder Location(string id, string resource, string node, CibScore score)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        _constraints.Add(new XElement("rsc_location", new XAttribute("id", Claim(id)), Ref(id, resource, "rsc"), new XAttribute("node", node), new XAttribute("score", score.ToString())));
        return this;
    }

    /// <summary>Adds an <c>rsc_colocation</c> placing <paramref name="resource"/> relative to <paramref name="withResource"/>.</summary>
    public CibBuilder Colocation(string id, string resource, string withResource, CibScore score)
    {
        _constraints.Add(new XElement(
            "rsc_colocation",
            new XAttribute("id", Claim(id)),
            Ref(id, resource, "rsc"),
            Ref(id, withResource, "with-rsc"),
            new XAttribute("score", score.ToString())));
        return this;
    }

    /// <summary>Adds an <c>rsc_order</c> starting <paramref name="first"/> before <paramref name="then"/>.</summary>
    /// <param name="id">The constraint id.</param>
    /// <param name="first">The resource started first.</param>
    /// <param name="then">The resource started after.</param>
    /// <param name="kind"><c>Mandatory</c> (the default when <see langword="null"/>), <c>Optional</c> or <c>Serialize</c>.</param>
    public CibBuilder Order(string id, string first, string then, string? kind = null)
    {
        if (kind is not (null or "Mandatory" or "Optional" or "Serialize"))
        {
            throw new ArgumentException($"order kind '{kind}' is not Mandatory, Optional or Serialize", nameof(kind));
        }

        var element = new XElement("rsc_order", new XAttribute("id", Claim(id)), Ref(id, first, "first"), Ref(id, then, "then"));
        if (kind is not null)
        {
            element.Add(new XAttribute("kind", kind));
        }

        _constraints.Add(element);
        return this;
    }

    /// <summary>Adds an <c>rsc_ticket</c> making a resource depend on a ticket.</summary>
    /// <param name="id">The constraint id.</param>
    /// <param name="resource">The dependent resource.</param>
    /// <param name="ticket">The ticket name.</param>
    /// <param name="lossPolicy"><c>stop</c>, <c>demote</c>, <c>fence</c> or <c>freeze</c>; none when <see langword="null"/>.</param>
    public CibBuilder Ticket(string id, string resource, string ticket, string? lossPolicy = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(ticket);
        var element = new XElement("rsc_ticket", new XAttribute("id", Claim(id)), Ref(id, resource, "rsc"), new XAttribute("ticket", ticket));
        if (lossPolicy is not null)
        {
            element.Add(new XAttribute("loss-policy", lossPolicy));
        }

        _constraints.Add(element);
        return this;
    }

    /// <summary>Writes the CIB: configuration sections in Pacemaker's order and an empty <c>status</c>.</summary>
    /// <exception cref="InvalidOperationException">A constraint names a resource that was not added.</exception>
    public CibDocument Build()
    {
        foreach (var (constraint, resource) in _references)
        {
            if (!_resourceIds.Contains(resource))
            {
                throw new InvalidOperationException($"constraint '{constraint}' refers to resource '{resource}', which was not added");
            }
        }

        var configuration = new XElement(
            "configuration",
            new XElement("crm_config", Set("cluster_property_set", "cib-bootstrap-options", _properties)),
            new XElement("nodes", _nodes.Select(n => new XElement(n))),
            new XElement("resources", _resources.Select(r => new XElement(r))),
            new XElement("constraints", _constraints.Select(c => new XElement(c))));
        if (_rscDefaults.Count > 0)
        {
            configuration.Add(new XElement("rsc_defaults", Set("meta_attributes", "rsc-options", _rscDefaults)));
        }

        if (_opDefaults.Count > 0)
        {
            configuration.Add(new XElement("op_defaults", Set("meta_attributes", "op-options", _opDefaults)));
        }

        var root = new XElement(
            "cib",
            new XAttribute("validate-with", ValidateWith),
            new XAttribute("admin_epoch", _adminEpoch),
            new XAttribute("epoch", _epoch),
            new XAttribute("num_updates", _numUpdates),
            configuration,
            new XElement("status"));
        return CibDocument.FromXDocument(new XDocument(root));
    }

    internal string Claim(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        try
        {
            XmlConvert.VerifyNCName(id);
        }
        catch (XmlException e)
        {
            throw new ArgumentException($"'{id}' is not a valid id (ids are XML names: a letter or '_' first, no spaces or colons)", nameof(id), e);
        }

        if (!_ids.Add(id))
        {
            throw new ArgumentException($"id '{id}' is already used", nameof(id));
        }

        return id;
    }

    internal XElement NvPair(string setId, string name, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        return new XElement("nvpair", new XAttribute("id", Claim(Sanitize($"{setId}-{name}"))), new XAttribute("name", name), new XAttribute("value", value));
    }

    internal XElement BuildPrimitive(string id, string resourceClass, string? provider, string type, Action<CibPrimitiveBuilder>? configure)
    {
        ArgumentException.ThrowIfNullOrEmpty(resourceClass);
        ArgumentException.ThrowIfNullOrEmpty(type);
        if (resourceClass == "ocf" && string.IsNullOrEmpty(provider))
        {
            throw new ArgumentException("an ocf resource needs a provider (heartbeat, pacemaker, ...)", nameof(provider));
        }

        if (resourceClass != "ocf" && provider is not null)
        {
            throw new ArgumentException($"only ocf resources have a provider, not class '{resourceClass}'", nameof(provider));
        }

        var element = new XElement("primitive", new XAttribute("id", Claim(id)), new XAttribute("class", resourceClass));
        if (provider is not null)
        {
            element.Add(new XAttribute("provider", provider));
        }

        element.Add(new XAttribute("type", type));
        _resourceIds.Add(id);
        var primitive = new CibPrimitiveBuilder(this, element, id);
        configure?.Invoke(primitive);
        primitive.Flush();
        return element;
    }

    internal XElement BuildGroup(string id, Action<CibGroupBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var element = new XElement("group", new XAttribute("id", Claim(id)));
        _resourceIds.Add(id);
        var group = new CibGroupBuilder(this, element, id);
        configure(group);
        if (!element.Elements("primitive").Any())
        {
            throw new ArgumentException($"group '{id}' has no members", nameof(configure));
        }

        group.Flush();
        return element;
    }

    internal static XElement? Set(string kind, string id, List<XElement> pairs)
        => pairs.Count == 0 ? null : new XElement(kind, new XAttribute("id", id), pairs.Select(p => new XElement(p)));

    internal static string Sanitize(string id)
    {
        var chars = id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray();
        return char.IsAsciiLetter(chars[0]) || chars[0] == '_' ? new string(chars) : "_" + new string(chars);
    }

    private XAttribute Ref(string constraint, string resource, string attribute)
    {
        ArgumentException.ThrowIfNullOrEmpty(resource);
        _references.Add((constraint, resource));
        return new XAttribute(attribute, resource);
    }
}

/// <summary>Adds name/value sets to an element being built (shared by node and resource builders).</summary>
public abstract class CibAttributesBuilder
{
    private readonly Dictionary<string, List<XElement>> _sets = new(StringComparer.Ordinal);

    private protected CibAttributesBuilder(CibBuilder owner, XElement element, string id, string? setPrefix = null)
    {
        Owner = owner;
        Element = element;
        Id = id;
        SetPrefix = setPrefix ?? id;
    }

    /// <summary>The id of the node or resource being built.</summary>
    public string Id { get; }

    private protected CibBuilder Owner { get; }

    private protected string SetPrefix { get; }

    private protected XElement Element { get; }

    /// <summary>Adds a capacity (node) or a consumption (resource) to its <c>utilization</c>.</summary>
    public CibAttributesBuilder Utilization(string name, string value) => Add("utilization", name, value);

    private protected CibAttributesBuilder Add(string kind, string name, string value)
    {
        var setId = $"{SetPrefix}-{kind}";
        if (!_sets.TryGetValue(kind, out var pairs))
        {
            _sets[kind] = pairs = [];
            Owner.Claim(setId);
        }

        pairs.Add(Owner.NvPair(setId, name, value));
        return this;
    }

    internal void Flush()
    {
        var sets = new List<XElement>();
        foreach (var kind in (string[])["meta_attributes", "instance_attributes", "utilization"])
        {
            if (_sets.TryGetValue(kind, out var pairs))
            {
                sets.Add(new XElement(kind, new XAttribute("id", $"{SetPrefix}-{kind}"), pairs));
            }
        }

        // Sets come first in every element that has them before operations or children.
        Element.AddFirst(sets);
    }
}

/// <summary>Configures a node: attributes and utilization.</summary>
public sealed class CibNodeBuilder : CibAttributesBuilder
{
    internal CibNodeBuilder(CibBuilder owner, XElement element, string id, string setPrefix)
        : base(owner, element, id, setPrefix)
    {
    }

    /// <summary>Adds a node attribute (<c>instance_attributes</c>).</summary>
    public CibNodeBuilder Attribute(string name, string value)
    {
        Add("instance_attributes", name, value);
        return this;
    }

    /// <summary>Adds a node capacity (<c>utilization</c>).</summary>
    public new CibNodeBuilder Utilization(string name, string value)
    {
        Add("utilization", name, value);
        return this;
    }
}

/// <summary>Configures a primitive: parameters, meta attributes, utilization and operations.</summary>
public sealed class CibPrimitiveBuilder : CibAttributesBuilder
{
    private XElement? _operations;

    internal CibPrimitiveBuilder(CibBuilder owner, XElement element, string id)
        : base(owner, element, id)
    {
    }

    /// <summary>Adds an agent parameter (<c>instance_attributes</c>).</summary>
    public CibPrimitiveBuilder Param(string name, string value)
    {
        Add("instance_attributes", name, value);
        return this;
    }

    /// <summary>Adds a meta attribute (<c>target-role</c>, <c>resource-stickiness</c>, ...).</summary>
    public CibPrimitiveBuilder Meta(string name, string value)
    {
        Add("meta_attributes", name, value);
        return this;
    }

    /// <summary>Adds what the resource consumes of a node's capacity (<c>utilization</c>).</summary>
    public new CibPrimitiveBuilder Utilization(string name, string value)
    {
        Add("utilization", name, value);
        return this;
    }

    /// <summary>Adds an operation; its id is <c>ID-NAME-interval-INTERVAL</c> as Pacemaker's tools write it.</summary>
    /// <param name="name">The action: <c>monitor</c>, <c>start</c>, <c>stop</c>, ...</param>
    /// <param name="interval">The interval, such as <c>10s</c>, or <c>0s</c> for one-shot actions.</param>
    /// <param name="timeout">The timeout, or <see langword="null"/> for the default.</param>
    /// <param name="role">The role it applies to (for promotable clones), or <see langword="null"/>.</param>
    public CibPrimitiveBuilder Op(string name, string interval, string? timeout = null, string? role = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(interval);
        var suffix = role is null ? "" : "-" + role;
        var op = new XElement("op", new XAttribute("id", Owner.Claim($"{Id}-{name}-interval-{interval}{suffix}")), new XAttribute("name", name), new XAttribute("interval", interval));
        if (timeout is not null)
        {
            op.Add(new XAttribute("timeout", timeout));
        }

        if (role is not null)
        {
            op.Add(new XAttribute("role", role));
        }

        if (_operations is null)
        {
            _operations = new XElement("operations");
            Element.Add(_operations);
        }

        _operations.Add(op);
        return this;
    }
}

/// <summary>Configures a group: its members, in start order, and its meta attributes.</summary>
public sealed class CibGroupBuilder : CibAttributesBuilder
{
    internal CibGroupBuilder(CibBuilder owner, XElement element, string id)
        : base(owner, element, id)
    {
    }

    /// <summary>Adds a member primitive.</summary>
    public CibGroupBuilder Primitive(string id, string resourceClass, string? provider, string type, Action<CibPrimitiveBuilder>? configure = null)
    {
        Element.Add(Owner.BuildPrimitive(id, resourceClass, provider, type, configure));
        return this;
    }

    /// <summary>Adds a meta attribute of the group.</summary>
    public CibGroupBuilder Meta(string name, string value)
    {
        Add("meta_attributes", name, value);
        return this;
    }
}

/// <summary>Configures a clone: its one child (a primitive or a group), its meta attributes, and whether it is promotable.</summary>
public sealed class CibCloneBuilder : CibAttributesBuilder
{
    private XElement? _child;
    private bool _promotable;

    internal CibCloneBuilder(CibBuilder owner, string id)
        : base(owner, new XElement("clone", new XAttribute("id", id)), id)
    {
    }

    /// <summary>Sets the cloned primitive.</summary>
    /// <exception cref="InvalidOperationException">The clone already has a child.</exception>
    public CibCloneBuilder Primitive(string id, string resourceClass, string? provider, string type, Action<CibPrimitiveBuilder>? configure = null)
    {
        EnsureNoChild();
        _child = Owner.BuildPrimitive(id, resourceClass, provider, type, configure);
        return this;
    }

    /// <summary>Sets the cloned group.</summary>
    /// <exception cref="InvalidOperationException">The clone already has a child.</exception>
    public CibCloneBuilder Group(string id, Action<CibGroupBuilder> configure)
    {
        EnsureNoChild();
        _child = Owner.BuildGroup(id, configure);
        return this;
    }

    /// <summary>Adds a meta attribute (<c>clone-max</c>, <c>clone-node-max</c>, <c>interleave</c>, ...).</summary>
    public CibCloneBuilder Meta(string name, string value)
    {
        Add("meta_attributes", name, value);
        return this;
    }

    /// <summary>Makes instances promotable: a <c>master</c> before schema 3.0, <c>promotable=true</c> from 3.0 on.</summary>
    public CibCloneBuilder Promotable()
    {
        if (!_promotable && Owner.UsesPromotableClones)
        {
            Add("meta_attributes", "promotable", "true");
        }

        _promotable = true;
        return this;
    }

    internal XElement ToElement()
    {
        if (_child is null)
        {
            throw new ArgumentException($"clone '{Id}' has no primitive or group to clone");
        }

        Element.Add(_child);
        Flush();
        if (_promotable && !Owner.UsesPromotableClones)
        {
            Element.Name = "master";
        }

        return Element;
    }

    private void EnsureNoChild()
    {
        if (_child is not null)
        {
            throw new InvalidOperationException($"clone '{Id}' already has a child");
        }
    }
}
