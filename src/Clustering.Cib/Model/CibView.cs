using System.Xml.Linq;

namespace Clustering.Cib.Model;

/// <summary>
/// A typed, read-only view of a CIB: nodes, resources, constraints, cluster properties, defaults and status.
/// The XML stays the source of truth: the view is a snapshot taken when it is created, every item keeps its
/// element, and a missing section simply gives an empty list.
/// </summary>
public sealed class CibView
{
    private readonly Dictionary<string, CibResource> _resourcesById;

    private CibView(XElement root)
    {
        var configuration = root.Element("configuration");
        Nodes = [.. (configuration?.Element("nodes")?.Elements("node") ?? []).Select(n => new CibNode(n))];
        Resources = [.. (configuration?.Element("resources")?.Elements() ?? []).Select(e => CibResource.Create(e, null)).OfType<CibResource>()];
        AllResources = [.. Resources.SelectMany(r => r.DescendantsAndSelf())];
        _resourcesById = new Dictionary<string, CibResource>(StringComparer.Ordinal);
        foreach (var resource in AllResources)
        {
            _resourcesById.TryAdd(resource.Id, resource);
        }

        Constraints = [.. (configuration?.Element("constraints")?.Elements() ?? []).Select(CibConstraint.Create).OfType<CibConstraint>()];
        ClusterPropertySets = CibAttributeSet.Of(configuration?.Element("crm_config"), "cluster_property_set");
        ClusterProperties = CibAttributeSet.Flatten(ClusterPropertySets);
        ResourceDefaults = CibAttributeSet.Flatten(CibAttributeSet.Of(configuration?.Element("rsc_defaults"), "meta_attributes"));
        OperationDefaults = CibAttributeSet.Flatten(CibAttributeSet.Of(configuration?.Element("op_defaults"), "meta_attributes"));
        NodeStates = [.. (root.Element("status")?.Elements("node_state") ?? []).Select(s => new CibNodeState(s))];
    }

    /// <summary>The configured nodes.</summary>
    public IReadOnlyList<CibNode> Nodes { get; }

    /// <summary>The top-level resources, in document order.</summary>
    public IReadOnlyList<CibResource> Resources { get; }

    /// <summary>Every resource, the members of groups and clones included, depth first.</summary>
    public IReadOnlyList<CibResource> AllResources { get; }

    /// <summary>The primitives, wherever they are.</summary>
    public IEnumerable<CibPrimitive> Primitives => AllResources.OfType<CibPrimitive>();

    /// <summary>The constraints (<c>rsc_location</c>, <c>rsc_colocation</c>, <c>rsc_order</c>, <c>rsc_ticket</c>) in document order.</summary>
    public IReadOnlyList<CibConstraint> Constraints { get; }

    /// <summary>The <c>cluster_property_set</c> elements of <c>crm_config</c>.</summary>
    public IReadOnlyList<CibAttributeSet> ClusterPropertySets { get; }

    /// <summary>The cluster options (<c>stonith-enabled</c>, <c>no-quorum-policy</c>, <c>placement-strategy</c>, ...), first set first.</summary>
    public IReadOnlyDictionary<string, string> ClusterProperties { get; }

    /// <summary>The resource defaults (<c>rsc_defaults</c> meta attributes), first set first.</summary>
    public IReadOnlyDictionary<string, string> ResourceDefaults { get; }

    /// <summary>The operation defaults (<c>op_defaults</c> meta attributes), first set first.</summary>
    public IReadOnlyDictionary<string, string> OperationDefaults { get; }

    /// <summary>The <c>node_state</c> elements of <c>status</c>.</summary>
    public IReadOnlyList<CibNodeState> NodeStates { get; }

    /// <summary>The <c>stonith-enabled</c> option; Pacemaker's default is true.</summary>
    public bool StonithEnabled => Property("stonith-enabled") is not { } v || IsTrue(v);

    /// <summary>The <c>enable-acl</c> option; default false.</summary>
    public bool AclEnabled => Property("enable-acl") is { } v && IsTrue(v);

    /// <summary>The <c>no-quorum-policy</c> option; default <c>stop</c>.</summary>
    public string NoQuorumPolicy => Property("no-quorum-policy") ?? "stop";

    /// <summary>The <c>placement-strategy</c> option; default <c>default</c>.</summary>
    public string PlacementStrategy => Property("placement-strategy") ?? "default";

    /// <summary>Builds the view of a document.</summary>
    public static CibView From(CibDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return new CibView(document.Root);
    }

    /// <summary>A cluster option's value, or <see langword="null"/> when it is not set.</summary>
    public string? Property(string name) => ClusterProperties.TryGetValue(name, out var value) ? value : null;

    /// <summary>The resource of that id at any depth, or <see langword="null"/>.</summary>
    public CibResource? FindResource(string id) => _resourcesById.GetValueOrDefault(id);

    /// <summary>The node of that name (<c>uname</c>) or id, or <see langword="null"/>.</summary>
    public CibNode? FindNode(string nameOrId)
        => Nodes.FirstOrDefault(n => n.Uname == nameOrId) ?? Nodes.FirstOrDefault(n => n.Id == nameOrId);

    /// <summary>Pacemaker's <c>crm_is_true</c>: <c>true</c>, <c>on</c>, <c>yes</c>, <c>y</c> or <c>1</c>, in any case.</summary>
    public static bool IsTrue(string? value)
        => value is not null && value.Trim().ToUpperInvariant() is "TRUE" or "ON" or "YES" or "Y" or "1";
}
