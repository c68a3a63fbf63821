using System.Globalization;
using System.Text;

namespace Clustering.Membership.Quorum;

/// <summary>
/// The text of <c>corosync-quorumtool -s</c> and <c>-l</c> for a <see cref="QuorumSnapshot"/>, byte for byte as the tool
/// prints it (Corosync 2.4 and 3.x share the layout): labels padded to column 18, the quorum and each flag followed by
/// a space, a blank line before the membership table, whose columns are right-aligned to width 10.
/// </summary>
public static class QuorumtoolReport
{
    /// <summary>Formats <c>corosync-quorumtool -s</c>.</summary>
    /// <param name="snapshot">The quorum state.</param>
    /// <param name="localNodeId">The node the report is printed on; marked <c>(local)</c>.</param>
    /// <param name="ringId">The ring id as the node prints it (Corosync 3: representative and sequence in hex, <c>1.d</c>; <see cref="Totem.TotemRingId"/>'s text).</param>
    /// <param name="date">The time printed on the <c>Date:</c> line.</param>
    /// <param name="names">Node names for the <c>Name</c> column; the node id is printed for nodes without one.</param>
    /// <param name="votesOf">Each node's votes; 1 when not given.</param>
    public static string Status(QuorumSnapshot snapshot, uint localNodeId, string ringId, DateTimeOffset date, IReadOnlyDictionary<uint, string>? names = null, Func<uint, int>? votesOf = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var text = new StringBuilder();
        text.Append("Quorum information\n------------------\n");
        // ctime(3) layout, as the real tool prints it: the day of the month padded to two characters.
        Line(text, "Date:", string.Create(CultureInfo.InvariantCulture, $"{date:ddd MMM} {date.Day,2} {date:HH:mm:ss yyyy}"));
        Line(text, "Quorum provider:", "corosync_votequorum");
        Line(text, "Nodes:", snapshot.Members.Count.ToString(CultureInfo.InvariantCulture));
        Line(text, "Node ID:", localNodeId.ToString(CultureInfo.InvariantCulture));
        Line(text, "Ring ID:", ringId);
        Line(text, "Quorate:", snapshot.Quorate ? "Yes" : "No");
        text.Append("\nVotequorum information\n----------------------\n");
        Line(text, "Expected votes:", snapshot.ExpectedVotes.ToString(CultureInfo.InvariantCulture));
        Line(text, "Highest expected:", snapshot.HighestExpected.ToString(CultureInfo.InvariantCulture));
        Line(text, "Total votes:", snapshot.TotalVotes.ToString(CultureInfo.InvariantCulture));
        Line(text, "Quorum:", snapshot.Quorum.ToString(CultureInfo.InvariantCulture) + (snapshot.Quorate ? "  " : " Activity blocked"));
        Line(text, "Flags:", snapshot.FlagsText.Length == 0 ? "" : snapshot.FlagsText + " ");
        AppendMembers(text, snapshot, localNodeId, names, votesOf);
        return text.ToString();
    }

    /// <summary>Formats <c>corosync-quorumtool -l</c>: the membership table alone.</summary>
    /// <param name="snapshot">The quorum state.</param>
    /// <param name="localNodeId">The node the report is printed on; marked <c>(local)</c>.</param>
    /// <param name="names">Node names for the <c>Name</c> column; the node id is printed for nodes without one.</param>
    /// <param name="votesOf">Each node's votes; 1 when not given.</param>
    public static string List(QuorumSnapshot snapshot, uint localNodeId, IReadOnlyDictionary<uint, string>? names = null, Func<uint, int>? votesOf = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var text = new StringBuilder();
        AppendMembers(text, snapshot, localNodeId, names, votesOf);
        return text.ToString();
    }

    private static void AppendMembers(StringBuilder text, QuorumSnapshot snapshot, uint localNodeId, IReadOnlyDictionary<uint, string>? names, Func<uint, int>? votesOf)
    {
        text.Append("\nMembership information\n----------------------\n");
        text.Append(CultureInfo.InvariantCulture, $"{"Nodeid",10} {"Votes",10} Name\n");
        foreach (var node in snapshot.Members)
        {
            var name = names is not null && names.TryGetValue(node, out var n) ? n : node.ToString(CultureInfo.InvariantCulture);
            var votes = votesOf?.Invoke(node) ?? 1;
            text.Append(CultureInfo.InvariantCulture, $"{node,10} {votes,10} {name}{(node == localNodeId ? " (local)" : "")}\n");
        }
    }

    private static void Line(StringBuilder text, string label, string value) =>
        text.Append(CultureInfo.InvariantCulture, $"{label,-18}{value}\n");
}
