using System.Xml.Linq;

namespace Clustering.Cib.Model;

/// <summary>A <c>node</c> of <c>configuration/nodes</c>.</summary>
public sealed class CibNode
{
    internal CibNode(XElement element)
    {
        Element = element;
        Id = (string?)element.Attribute("id") ?? "";
        Uname = (string?)element.Attribute("uname") ?? "";
        Type = (string?)element.Attribute("type") ?? "member";
        InstanceAttributeSets = CibAttributeSet.Of(element, "instance_attributes");
        UtilizationSets = CibAttributeSet.Of(element, "utilization");
        Attributes = CibAttributeSet.Flatten(InstanceAttributeSets);
        Utilization = CibAttributeSet.Flatten(UtilizationSets);
    }

    /// <summary>The node's element.</summary>
    public XElement Element { get; }

    /// <summary>The node id (Corosync's node id as text for cluster nodes).</summary>
    public string Id { get; }

    /// <summary>The node name.</summary>
    public string Uname { get; }

    /// <summary>The type: <c>member</c> (the default), <c>ping</c>, <c>remote</c>, or <c>normal</c> in old CIBs.</summary>
    public string Type { get; }

    /// <summary>The node's <c>instance_attributes</c> sets.</summary>
    public IReadOnlyList<CibAttributeSet> InstanceAttributeSets { get; }

    /// <summary>The node's <c>utilization</c> sets.</summary>
    public IReadOnlyList<CibAttributeSet> UtilizationSets { get; }

    /// <summary>The node attributes, first set first.</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; }

    /// <summary>The node's capacities (<c>utilization</c>), first set first.</summary>
    public IReadOnlyDictionary<string, string> Utilization { get; }
}
