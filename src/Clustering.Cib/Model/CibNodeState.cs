using System.Globalization;
using System.Xml.Linq;

namespace Clustering.Cib.Model;

/// <summary>A <c>node_state</c> of <c>status</c>: what the cluster knows of a node now.</summary>
public sealed class CibNodeState
{
    internal CibNodeState(XElement element)
    {
        Element = element;
        Id = (string?)element.Attribute("id") ?? "";
        Uname = (string?)element.Attribute("uname") ?? "";
        InCluster = CibView.IsTrue((string?)element.Attribute("in_ccm") ?? "false") || long.TryParse((string?)element.Attribute("in_ccm"), NumberStyles.None, CultureInfo.InvariantCulture, out var t) && t > 0;
        Crmd = (string?)element.Attribute("crmd");
        Join = (string?)element.Attribute("join");
        Expected = (string?)element.Attribute("expected");
        TransientAttributes = CibAttributeSet.Flatten(element.Elements("transient_attributes").SelectMany(t => CibAttributeSet.Of(t, "instance_attributes")));
        Resources = [.. element.Elements("lrm").Elements("lrm_resources").Elements("lrm_resource").Select(r => new CibLrmResource(r))];
    }

    /// <summary>The node_state's element.</summary>
    public XElement Element { get; }

    /// <summary>The node id.</summary>
    public string Id { get; }

    /// <summary>The node name.</summary>
    public string Uname { get; }

    /// <summary>Whether the node is a member of the membership (<c>in_ccm</c> true, or a timestamp in Pacemaker 2.1.7+).</summary>
    public bool InCluster { get; }

    /// <summary>The controller state: <c>online</c>/<c>offline</c>, or a timestamp in newer versions.</summary>
    public string? Crmd { get; }

    /// <summary>The join state (<c>member</c>, <c>down</c>, ...).</summary>
    public string? Join { get; }

    /// <summary>The expected state (<c>member</c>, <c>down</c>).</summary>
    public string? Expected { get; }

    /// <summary>The transient node attributes (<c>fail-count-*</c>, <c>master-*</c>, ...).</summary>
    public IReadOnlyDictionary<string, string> TransientAttributes { get; }

    /// <summary>The resource history of the node (<c>lrm_resource</c>).</summary>
    public IReadOnlyList<CibLrmResource> Resources { get; }
}

/// <summary>An <c>lrm_resource</c>: one resource's operation history on one node.</summary>
public sealed class CibLrmResource
{
    internal CibLrmResource(XElement element)
    {
        Element = element;
        Id = (string?)element.Attribute("id") ?? "";
        Class = (string?)element.Attribute("class");
        Provider = (string?)element.Attribute("provider");
        Type = (string?)element.Attribute("type");
        Operations = [.. element.Elements("lrm_rsc_op").Select(o => new CibLrmOperation(o))];
    }

    /// <summary>The element.</summary>
    public XElement Element { get; }

    /// <summary>The resource id.</summary>
    public string Id { get; }

    /// <summary>The agent class.</summary>
    public string? Class { get; }

    /// <summary>The OCF provider.</summary>
    public string? Provider { get; }

    /// <summary>The agent type.</summary>
    public string? Type { get; }

    /// <summary>The recorded operations.</summary>
    public IReadOnlyList<CibLrmOperation> Operations { get; }
}

/// <summary>An <c>lrm_rsc_op</c>: the last result of one operation.</summary>
public sealed class CibLrmOperation
{
    internal CibLrmOperation(XElement element)
    {
        Element = element;
        Id = (string?)element.Attribute("id") ?? "";
        Operation = (string?)element.Attribute("operation") ?? "";
        Interval = Int((string?)element.Attribute("interval")) ?? 0;
        CallId = Int((string?)element.Attribute("call-id"));
        ReturnCode = Int((string?)element.Attribute("rc-code"));
        Status = Int((string?)element.Attribute("op-status"));
    }

    /// <summary>The element.</summary>
    public XElement Element { get; }

    /// <summary>The op id, such as <c>db_monitor_10000</c> or <c>db_last_0</c>.</summary>
    public string Id { get; }

    /// <summary>The action (<c>start</c>, <c>monitor</c>, ...).</summary>
    public string Operation { get; }

    /// <summary>The interval in milliseconds (0 for one-shot actions).</summary>
    public long Interval { get; }

    /// <summary>The executor's call id, if recorded.</summary>
    public long? CallId { get; }

    /// <summary>The agent's return code (<c>rc-code</c>), if recorded.</summary>
    public long? ReturnCode { get; }

    /// <summary>The execution status (<c>op-status</c>), if recorded.</summary>
    public long? Status { get; }

    private static long? Int(string? text)
        => long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : null;
}
