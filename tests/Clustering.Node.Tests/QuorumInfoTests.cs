using Clustering.Membership.Quorum;
using Clustering.Node.Internal;

namespace Clustering.Node.Tests;

/// <summary>The votequorum node-information message: its fixed layout, and every malformed form refused.</summary>
public sealed class QuorumInfoTests
{
    [Test]
    public void A_message_round_trips_with_its_documented_layout()
    {
        var info = new QuorumInfo(2, 5, QuorumFlags.TwoNode | QuorumFlags.WaitForAll);
        var bytes = info.Encode();
        Assert.That(bytes, Is.EqualTo(new byte[] { 1, 1, 0, 0, 0, 2, 0, 0, 0, 5, 5 }));
        Assert.That(QuorumInfo.TryDecode(bytes, out var read), Is.True);
        Assert.That(read, Is.EqualTo(info));
    }

    [TestCase(new byte[0], TestName = "empty")]
    [TestCase(new byte[] { 1, 1, 0, 0, 0, 1, 0, 0, 0, 3 }, TestName = "one byte short")]
    [TestCase(new byte[] { 1, 1, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0 }, TestName = "one byte long")]
    [TestCase(new byte[] { 1, 2, 0, 0, 0, 1, 0, 0, 0, 3, 0 }, TestName = "unknown version")]
    [TestCase(new byte[] { 2, 1, 0, 0, 0, 1, 0, 0, 0, 3, 0 }, TestName = "another service")]
    [TestCase(new byte[] { 1, 1, 255, 255, 255, 255, 0, 0, 0, 3, 0 }, TestName = "negative votes")]
    [TestCase(new byte[] { 1, 1, 0, 0, 0, 1, 128, 0, 0, 0, 0 }, TestName = "negative expected votes")]
    public void Malformed_messages_are_refused(byte[] message) =>
        Assert.That(QuorumInfo.TryDecode(message, out _), Is.False);
}
