using System.Net;
using Clustering.Transport.Framing;
using Clustering.Transport.Redundancy;
using Clustering.Transport.Rings;
using Clustering.Transport.Security;

namespace Clustering.Transport.Tests.Redundancy;

/// <summary>
/// Wire format 2 in <c>rrp_mode: active</c>: a frame is sealed once and the same bytes go on every ring with only the
/// ring number changed; the copy authenticates on either ring, a copy moved to another ring is a redundant copy (or,
/// arriving twice on the same ring, a replay), and a forged one is still dropped.
/// </summary>
[TestFixture(true)]
[TestFixture(false)]
[CancelAfter(60_000)]
public sealed class RingSetSealOnceTests(bool secauth)
{
    [Test]
    public async Task TheCopiesOnBothRingsDifferOnlyInTheRingNumber()
    {
        await using var cluster = new RingSetTests.Cluster(RrpMode.Active, secauth, ringCount: 2, nodes: 2);
        var tap0 = cluster.Network.CreateRing(0, new IPEndPoint(IPAddress.Parse("127.0.0.97"), 5405));
        var tap1 = cluster.Network.CreateRing(1, new IPEndPoint(IPAddress.Parse("127.0.1.97"), 5405));
        await using var _ = tap0;
        await using var __ = tap1;

        await cluster.Nodes[0].SendToAllAsync(FrameType.Multicast, new byte[1024]);
        var onRing0 = await ReadOneAsync(tap0);
        var onRing1 = await ReadOneAsync(tap1);

        Assert.That(onRing0[FrameLayout.RingOffset], Is.Zero);
        Assert.That(onRing1[FrameLayout.RingOffset], Is.EqualTo(1));
        onRing1[FrameLayout.RingOffset] = 0;
        Assert.That(onRing1, Is.EqualTo(onRing0), "one sealed frame (same IV, same ciphertext, same tag) on both rings");

        var delivered = await RingSetTests.Cluster.ReceiveAsync(cluster.Nodes[1], 1);
        Assert.That(delivered[0].Payload, Has.Length.EqualTo(1024));
        await RingSetTests.Cluster.WaitUntilAsync(() => cluster.Nodes[1].Statistics.RedundantCopies == 1);
        Assert.That(cluster.Nodes[1].Statistics.TotalDropped, Is.Zero);
    }

    [Test]
    public async Task ACopyMovedToTheOtherRingAuthenticatesThereOnceAndIsReplayedAfter()
    {
        await using var cluster = new RingSetTests.Cluster(RrpMode.Active, secauth, ringCount: 2, nodes: 1);
        var receiver = cluster.Nodes[0];
        var tap0 = cluster.Network.CreateRing(0, new IPEndPoint(IPAddress.Parse("127.0.0.97"), 5405));
        var tap1 = cluster.Network.CreateRing(1, new IPEndPoint(IPAddress.Parse("127.0.1.97"), 5405));
        await using var _ = tap0;
        await using var __ = tap1;

        // A genuine sender (node 9) whose frame only went out on ring 0.
        using var sender = new FrameProtector(secauth ? cluster.Key : null, RingSetTests.Cluster.Protection(secauth, RingSetTests.Cluster.Name));
        var frame = new byte[sender.GetSealedLength(8)];
        sender.Seal(new FrameHeader(FrameType.Multicast, 9, 1, 0, 1), "payload!"u8, frame);
        await tap0.SendToAllAsync(frame);
        await RingSetTests.Cluster.ReceiveAsync(receiver, 1);

        // Captured and put on ring 1 with its ring number rewritten: authentic there, a redundant copy, not delivered.
        var moved = (byte[])frame.Clone();
        moved[FrameLayout.RingOffset] = 1;
        await tap1.SendToAllAsync(moved);
        await RingSetTests.Cluster.WaitUntilAsync(() => receiver.Statistics.RedundantCopies == 1);

        // The same again on ring 1: a replay. Left with ring number 0 on ring 1: the wrong ring.
        await tap1.SendToAllAsync(moved);
        await RingSetTests.Cluster.WaitUntilAsync(() => receiver.Statistics.Dropped(FrameDropReason.Replayed) == 1);
        await tap1.SendToAllAsync(frame);
        await RingSetTests.Cluster.WaitUntilAsync(() => receiver.Statistics.Dropped(FrameDropReason.WrongRing) == 1);
        await RingSetTests.Cluster.AssertNothingMoreAsync([receiver]);
        Assert.That(receiver.Statistics.FramesAccepted, Is.EqualTo(1));
    }

    [Test]
    public async Task AForgedCopyOnTheOtherRingIsDroppedAndCounted()
    {
        await using var cluster = new RingSetTests.Cluster(RrpMode.Active, secauth, ringCount: 2, nodes: 1);
        var receiver = cluster.Nodes[0];
        var tap1 = cluster.Network.CreateRing(1, new IPEndPoint(IPAddress.Parse("127.0.1.97"), 5405));
        await using var _ = tap1;

        using var sender = new FrameProtector(secauth ? cluster.Key : null, RingSetTests.Cluster.Protection(secauth, RingSetTests.Cluster.Name));
        var frame = new byte[sender.GetSealedLength(8)];
        sender.Seal(new FrameHeader(FrameType.Multicast, 9, 1, 0, 1), "payload!"u8, frame);
        frame[FrameLayout.RingOffset] = 1;
        frame[FrameLayout.SequenceOffset + 7] ^= 0x40; // another sequence: not held yet, so it is authenticated

        await tap1.SendToAllAsync(frame);
        if (secauth)
        {
            await RingSetTests.Cluster.WaitUntilAsync(() => receiver.Statistics.Dropped(FrameDropReason.BadTag) == 1);
            await RingSetTests.Cluster.AssertNothingMoreAsync([receiver]);
            Assert.That(receiver.Statistics.FramesAccepted, Is.Zero);
        }
        else
        {
            // Without a tag nothing can tell a forgery: it is accepted (this is what crypto_hash none means).
            await RingSetTests.Cluster.WaitUntilAsync(() => receiver.Statistics.FramesAccepted == 1);
        }
    }

    private static async Task<byte[]> ReadOneAsync(IRing ring)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var datagram = await ring.Received.ReadAsync(timeout.Token);
        using (datagram)
        {
            return datagram.Data.ToArray();
        }
    }
}
