using Clustering.Transport.Rings;

namespace Clustering.Transport.Tests.Rings;

/// <summary>
/// A udpu ring that blocks unlisted sources counts every datagram of a stranger's batch, also when the batch went out
/// as one segmented send and arrived as one GRO super-datagram (whose sender is checked once for all its segments),
/// and hands none of them on, while a member's datagrams still arrive.
/// </summary>
[TestFixture(true, true)]
[TestFixture(true, false)]
[TestFixture(false, false)]
[CancelAfter(30_000)]
public sealed class UnlistedBatchTests(bool batchedIo, bool segmentationOffload)
{
    [Test]
    public async Task Every_datagram_of_a_strangers_batch_is_counted_and_none_is_handed_on()
    {
        var members = LoopbackRings.Unicast(2, batchedIo: batchedIo, segmentationOffload: segmentationOffload);
        var strangers = LoopbackRings.Unicast(1, batchedIo: batchedIo, segmentationOffload: segmentationOffload);
        await using var target = members[0];
        await using var member = members[1];
        await using var stranger = strangers[0];

        const int Count = 12;
        const int Size = 1200;
        var buffer = new byte[Count * Size];
        buffer.AsSpan().Fill(0x5A);
        var datagrams = Enumerable.Range(0, Count).Select(i => new BatchDatagram(i * Size, Size, target.LocalEndPoint)).ToArray();
        ((IBatchSendRing)stranger).SendBatch(buffer, datagrams);
        Assert.That(stranger.Counters.DatagramsSent, Is.EqualTo(Count));

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (target.Counters.UnlistedSources < Count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        // A member's datagram sent after the stranger's batch arrives, and is the first thing handed on.
        await member.SendToAllAsync(new byte[] { 7 });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var received = await target.Received.ReadAsync(timeout.Token);
        Assert.That(received.Data.ToArray(), Is.EqualTo(new byte[] { 7 }));
        Assert.That(received.Source, Is.EqualTo(member.LocalEndPoint));
        Assert.That(target.Counters.UnlistedSources, Is.EqualTo(Count), "each of the stranger's datagrams, once");
        Assert.That(target.Received.TryRead(out _), Is.False, "nothing of the stranger's was handed on");
    }
}
