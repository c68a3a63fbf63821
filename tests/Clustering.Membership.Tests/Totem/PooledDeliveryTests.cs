using Clustering.Membership.Groups;
using Clustering.Membership.Totem;

namespace Clustering.Membership.Tests.Totem;

/// <summary>The pooled events of the delivery path: reuse without allocation, copies that outlive the original, and misuse that stays harmless.</summary>
public sealed class PooledDeliveryTests
{
    private static readonly TotemRingId Ring = new(1, 7);

    [Test]
    public void ADeliveryRentedAndDisposedInSteadyStateAllocatesNothing()
    {
        var pool = new TotemDelivery.DeliveryPool(64);
        var payload = new byte[1024];
        var bad = 0;
        void Cycle(int count)
        {
            for (var i = 0; i < count; i++)
            {
                payload[0] = (byte)i;
                var delivery = pool.Rent(2, Ring, (uint)i, MessageOrder.Agreed, payload);
                if (delivery.Payload.Length != payload.Length || delivery.Payload.Span[0] != (byte)i || delivery.Sequence != (uint)i)
                {
                    bad++;
                }

                delivery.Dispose();
            }
        }

        Cycle(1000);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Cycle(100_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Multiple(() =>
        {
            Assert.That(bad, Is.Zero, "deliveries with the wrong content");
            Assert.That(allocated, Is.Zero, "bytes allocated for 100000 deliveries");
        });
    }

    [Test]
    public void ADisposedDeliveryIsReusedAndACopyKeepsItsOwnPayload()
    {
        var pool = new TotemDelivery.DeliveryPool(64);
        var first = pool.Rent(2, Ring, 1, MessageOrder.Safe, "first"u8);
        var copy = first.Copy();
        first.Dispose();
        first.Dispose(); // only the first call counts: the object is in the pool once
        var second = pool.Rent(3, Ring, 2, MessageOrder.Agreed, "second"u8);
        var third = pool.Rent(4, Ring, 3, MessageOrder.Agreed, "third"u8);

        Assert.Multiple(() =>
        {
            Assert.That(second, Is.SameAs(first), "the disposed delivery is reused");
            Assert.That(third, Is.Not.SameAs(second), "a delivery is handed out once per dispose");
            Assert.That(copy.Payload.ToArray(), Is.EqualTo("first"u8.ToArray()));
            Assert.That((copy.Sender, copy.Sequence, copy.Order), Is.EqualTo((2u, 1u, MessageOrder.Safe)));
            Assert.That(second.Payload.ToArray(), Is.EqualTo("second"u8.ToArray()));
        });
    }

    [Test]
    public void ADeliveryMadeByItsConstructorOwnsItsPayload()
    {
        var delivery = new TotemDelivery(5, Ring, 9, MessageOrder.Agreed, "mine"u8.ToArray());
        delivery.Dispose();

        Assert.That(delivery.Payload.ToArray(), Is.EqualTo("mine"u8.ToArray()));
    }

    [Test]
    public void APooledGroupMessageInSteadyStateAllocatesNothing()
    {
        var sender = new GroupMember(2, 99);
        var payload = new byte[512];
        var bad = 0;
        void Cycle(int count)
        {
            for (var i = 0; i < count; i++)
            {
                var message = GroupMessage.CreatePooled("g", sender, payload);
                if (!message.IsPooled || message.Payload.Length != payload.Length || message.Sender != sender)
                {
                    bad++;
                }

                message.Dispose();
            }
        }

        Cycle(1000);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Cycle(100_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Multiple(() =>
        {
            Assert.That(bad, Is.Zero, "messages with the wrong content");
            Assert.That(allocated, Is.Zero, "bytes allocated for 100000 messages");
        });
    }

    [Test]
    public void CopiesOfAPooledGroupMessageOutliveIt()
    {
        var message = GroupMessage.CreatePooled("g", new GroupMember(1, 2), "hello"u8);
        var copy = message.Copy();
        var with = message with { };
        message.Dispose();
        var reused = GroupMessage.CreatePooled("h", new GroupMember(3, 4), "other"u8);

        Assert.Multiple(() =>
        {
            Assert.That(copy.IsPooled, Is.False);
            Assert.That(with.IsPooled, Is.False);
            Assert.That(copy.Payload.ToArray(), Is.EqualTo("hello"u8.ToArray()));
            Assert.That(with.Payload.ToArray(), Is.EqualTo("hello"u8.ToArray()));
            Assert.That(copy, Is.EqualTo(new GroupMessage("g", new GroupMember(1, 2), "hello"u8.ToArray())), "equality is by content");
            Assert.That(reused.Payload.ToArray(), Is.EqualTo("other"u8.ToArray()));
            Assert.That(reused.Group, Is.EqualTo("h"));
        });
        reused.Dispose();
    }
}
