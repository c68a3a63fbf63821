namespace Clustering.Node.Admin;

/// <summary>A quorum report as the node printed it (<c>corosync-quorumtool -s</c> or <c>-l</c> text) and whether the partition is quorate.</summary>
/// <param name="Quorate">Whether the node's partition is quorate (<c>quorumtool -s</c> exits 0, else 2).</param>
/// <param name="Text">The report, newline-terminated lines.</param>
public sealed record AdminQuorumReport(bool Quorate, string Text);
