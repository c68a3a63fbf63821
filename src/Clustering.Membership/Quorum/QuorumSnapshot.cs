using System.Text;

namespace Clustering.Membership.Quorum;

/// <summary>The quorum state of one partition at one moment, as <c>corosync-quorumtool -s</c> shows it.</summary>
/// <param name="Quorate">Whether this partition has quorum.</param>
/// <param name="ExpectedVotes">Votes the cluster is expected to have now.</param>
/// <param name="HighestExpected">The highest expected votes seen; quorum is computed from it.</param>
/// <param name="TotalVotes">Votes of the nodes present.</param>
/// <param name="Quorum">Votes needed for quorum.</param>
/// <param name="Flags">Features in force, and <see cref="QuorumFlags.Quorate"/>.</param>
/// <param name="Members">The node ids present, ascending.</param>
/// <param name="WaitingForAll">wait_for_all still holds quorum back: all expected votes have not yet been seen together.</param>
public sealed record QuorumSnapshot(
    bool Quorate,
    int ExpectedVotes,
    int HighestExpected,
    int TotalVotes,
    int Quorum,
    QuorumFlags Flags,
    IReadOnlyList<uint> Members,
    bool WaitingForAll)
{
    /// <summary>The flag words in corosync-quorumtool's order and spelling, e.g. <c>2Node Quorate WaitForAll</c>.</summary>
    public string FlagsText
    {
        get
        {
            var text = new StringBuilder();
            void Add(QuorumFlags flag, string word)
            {
                if (Flags.HasFlag(flag))
                {
                    text.Append(text.Length > 0 ? " " : "").Append(word);
                }
            }

            Add(QuorumFlags.TwoNode, "2Node");
            Add(QuorumFlags.Quorate, "Quorate");
            Add(QuorumFlags.WaitForAll, "WaitForAll");
            Add(QuorumFlags.LastManStanding, "LastManStanding");
            Add(QuorumFlags.AutoTieBreaker, "AutoTieBreaker");
            return text.ToString();
        }
    }
}
