using Clustering.Membership.Totem.Fragmentation;

namespace Clustering.Membership.Tests.Totem;

public sealed class FragmentPoolTests
{
    [TestCase(1, 256)]
    [TestCase(256, 256)]
    [TestCase(257, 512)]
    [TestCase(8192, 8192)]
    [TestCase(70_000, 131_072)]
    [TestCase(1 << 20, 1 << 20)]
    public void A_request_gets_the_smallest_power_of_two_class_that_holds_it(int size, int expected)
    {
        Assert.That(new FragmentPool().Rent(size), Has.Length.EqualTo(expected));
    }

    [Test]
    public void Returned_buffers_are_handed_out_again_in_their_class_only()
    {
        var pool = new FragmentPool();
        var small = pool.Rent(1000);
        var large = pool.Rent(5000);
        pool.Return(small);
        pool.Return(large);
        Assert.That(pool.Rent(600), Is.SameAs(small));
        Assert.That(pool.Rent(5000), Is.SameAs(large));
        Assert.That(pool.Rent(1000), Is.Not.SameAs(small), "a class hands a buffer out once");
    }

    [Test]
    public void Hundreds_of_buffers_out_at_once_are_all_kept_when_they_come_back()
    {
        // What a safe point that completes many fragmented messages in one call needs: all of them recycled.
        var pool = new FragmentPool();
        var out1 = Enumerable.Range(0, 500).Select(_ => pool.Rent(1024)).ToList();
        out1.ForEach(pool.Return);
        var out2 = Enumerable.Range(0, 500).Select(_ => pool.Rent(1024)).ToList();
        Assert.That(out2, Is.EquivalentTo(out1));
    }

    [Test]
    public void Foreign_buffers_are_not_kept_and_bad_sizes_are_refused()
    {
        var pool = new FragmentPool();
        pool.Return(new byte[1000]);
        Assert.That(pool.Rent(1000), Has.Length.EqualTo(1024));
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent((1 << 20) + 1));
    }

    [Test]
    public void A_poisoning_pool_overwrites_what_comes_back()
    {
        var pool = new FragmentPool(poison: true);
        var buffer = pool.Rent(300);
        Array.Fill(buffer, (byte)1);
        pool.Return(buffer);
        Assert.That(buffer, Is.All.EqualTo((byte)0xDD));
    }
}
