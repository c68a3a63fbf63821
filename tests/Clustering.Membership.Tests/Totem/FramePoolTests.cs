using Clustering.Membership.Totem;

namespace Clustering.Membership.Tests.Totem;

public sealed class FramePoolTests
{
    [Test]
    public void A_returned_message_comes_back_cleared_with_a_buffer_again()
    {
        var pool = new FramePool(64);
        var message = pool.RentMessage(40);
        var buffer = message.Encoded!;
        message.Set(new RingId(1, 2), 3, 1, DeliveryOrder.Safe, new ReadOnlyMemory<byte>(buffer, 26, 14));
        message.Stored = true;
        pool.ReturnMessage(message);

        Assert.That((message.Encoded, message.Pooled, message.Stored, message.Seq, message.Payload.Length), Is.EqualTo(((byte[]?)null, false, false, 0u, 0)), "a stale reference sees nothing of the old message");
        var again = pool.RentMessage(10);
        Assert.That(again, Is.SameAs(message), "the object is recycled");
        Assert.That(again.Encoded, Is.SameAs(buffer), "and so is the buffer");
        Assert.That((again.Pooled, again.EncodedLength), Is.EqualTo((true, 10)));
    }

    [Test]
    public void A_poisoning_pool_overwrites_what_comes_back()
    {
        var pool = new FramePool(16, poison: true);
        var buffer = pool.Rent(16);
        Array.Fill(buffer, (byte)7);
        pool.Return(buffer);
        Assert.That(buffer, Is.All.EqualTo((byte)0xDD));
    }

    [Test]
    public void Requests_larger_than_the_pool_size_use_the_shared_pool_and_go_back_there()
    {
        var pool = new FramePool(16);
        var large = pool.Rent(100);
        Assert.That(large.Length, Is.GreaterThanOrEqualTo(100));
        pool.Return(large);
        Assert.That(pool.Rent(16), Has.Length.EqualTo(16), "the large buffer was not kept as a frame buffer");
    }
}
