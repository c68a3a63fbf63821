using Clustering.Membership.Totem;

namespace Clustering.Membership.Tests.Totem;

/// <summary>
/// The processor's steady state allocates nothing: once a ring of three has run for a while, ordering, packing,
/// fragmentation, token handling, retransmission bookkeeping and delivery of further messages do not allocate a byte
/// (all processors run on the test's thread, so the thread's allocation counter sees all of their work).
/// </summary>
[NonParallelizable]
public sealed class SteadyStateAllocationTests
{
    [TestCase(64)]
    [TestCase(1024)]
    [TestCase(8192)]
    public void Delivering_messages_in_steady_state_allocates_nothing(int size)
    {
        const int batch = 500;
        var ring = new ProcessorRingHarness(3, size, verify: false);
        ring.Form();
        for (var i = 0; i < 6; i++)
        {
            ring.SendAndDeliver(batch);
        }

        var delivered = ring.Delivered;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 4; i++)
        {
            ring.SendAndDeliver(batch);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(ring.Delivered - delivered, Is.EqualTo(3L * 4 * batch), "every node delivered every message");
        Assert.That(allocated, Is.Zero, $"bytes allocated while delivering {4 * batch} messages of {size} B at three nodes");
    }

    [TestCase(true, 0)]
    [TestCase(false, 7)]
    [TestCase(true, 13)]
    public void Safe_delivery_and_retransmissions_after_loss_allocate_nothing_either(bool safe, int lossEvery)
    {
        var order = safe ? DeliveryOrder.Safe : DeliveryOrder.Agreed;
        const int batch = 300;
        var ring = new ProcessorRingHarness(3, 1024, verify: false) { Order = order, LossEvery = lossEvery };
        ring.Form();
        for (var i = 0; i < 8; i++)
        {
            ring.SendAndDeliver(batch);
        }

        var retransmitsBefore = ring.Nodes.Sum(n => n.Statistics.Retransmits);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 4; i++)
        {
            ring.SendAndDeliver(batch);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var retransmits = ring.Nodes.Sum(n => n.Statistics.Retransmits) - retransmitsBefore;
        Assert.That(retransmits, lossEvery > 0 ? Is.Positive : Is.Zero, "frames lost on the wire were sent again");
        Assert.That(allocated, Is.Zero, $"bytes allocated while delivering {4 * batch} {order} messages at three nodes");
    }

    [TestCase(1)]
    [TestCase(64)]
    [TestCase(1500)]
    [TestCase(8192)]
    [TestCase(70_000)]
    public void Recycled_buffers_never_leak_into_delivered_messages(int size)
    {
        // Every message carries its number and a body pattern; all nodes check order, length and bytes of every
        // delivery while frames, tokens and fragment buffers are recycled underneath.
        var ring = new ProcessorRingHarness(3, size, verify: true) { LossEvery = 11 };
        ring.Form();
        for (var i = 0; i < 5; i++)
        {
            ring.SendAndDeliver(size > 10_000 ? 20 : 300, sender: i % 3);
        }

        Assert.That(ring.Corrupt, Is.Zero);
        Assert.That(ring.Delivered, Is.EqualTo(3L * 5 * (size > 10_000 ? 20 : 300)));
    }
}
