using Clustering.Membership.Quorum;
using Clustering.Membership.Totem;

namespace Clustering.Membership.Tests.Quorum;

public sealed class QuorumtoolReportTests
{
    [Test]
    public void Status_has_corosync_quorumtools_shape()
    {
        var vq = new VoteQuorum(new VoteQuorumOptions
        {
            NodeVotes = new Dictionary<uint, int> { [739312183] = 1, [739312184] = 1 },
            TwoNode = true,
            WaitForAll = false,
        });
        vq.OnMembership([739312183, 739312184], TimeSpan.Zero);
        var text = QuorumtoolReport.Status(vq.Current, 739312183, new TotemRingId(739312183, 3316).ToString(),
            new DateTimeOffset(2018, 12, 6, 10, 6, 45, TimeSpan.Zero),
            new Dictionary<uint, string> { [739312183] = "c1", [739312184] = "c2" });

        // A two-node output line for line as corosync-quorumtool's printf calls make it (3.x ring id in hex; the quorum
        // and every flag are followed by a space).
        Assert.That(text, Is.EqualTo(string.Join('\n',
            "Quorum information",
            "------------------",
            "Date:             Thu Dec  6 10:06:45 2018",
            "Quorum provider:  corosync_votequorum",
            "Nodes:            2",
            "Node ID:          739312183",
            "Ring ID:          2c110237.cf4",
            "Quorate:          Yes",
            "",
            "Votequorum information",
            "----------------------",
            "Expected votes:   2",
            "Highest expected: 2",
            "Total votes:      2",
            "Quorum:           1  ",
            "Flags:            2Node Quorate ",
            "",
            "Membership information",
            "----------------------",
            "    Nodeid      Votes Name",
            " 739312183          1 c1 (local)",
            " 739312184          1 c2",
            "")));
    }

    [Test]
    public void A_partition_without_quorum_says_activity_blocked()
    {
        var vq = new VoteQuorum(new VoteQuorumOptions { ExpectedVotes = 3 });
        vq.OnMembership([1], TimeSpan.Zero);
        var text = QuorumtoolReport.Status(vq.Current, 1, "1/8", DateTimeOffset.UnixEpoch);
        Assert.That(text, Does.Contain("Quorate:          No\n"));
        Assert.That(text, Does.Contain("Quorum:           2 Activity blocked\n"));
        Assert.That(QuorumtoolReport.List(vq.Current, 1), Does.StartWith("\nMembership information\n"));
        Assert.That(QuorumtoolReport.List(vq.Current, 1), Does.EndWith("         1          1 1 (local)\n"));
    }
}
