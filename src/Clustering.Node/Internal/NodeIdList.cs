namespace Clustering.Node.Internal;

/// <summary>Node ids formatted the way Corosync logs them, separated by spaces, only when a log line is written.</summary>
/// <param name="Ids">The ids.</param>
internal readonly record struct NodeIdList(IEnumerable<uint> Ids)
{
    public override string ToString() => string.Join(' ', Ids);
}
