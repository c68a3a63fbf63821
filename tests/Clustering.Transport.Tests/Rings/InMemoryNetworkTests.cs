using System.Net;
using Clustering.Transport.Rings;
using Microsoft.Extensions.Time.Testing;

namespace Clustering.Transport.Tests.Rings;

public sealed class InMemoryNetworkTests
{
    private static readonly IPEndPoint A = new(IPAddress.Parse("127.0.0.1"), 5405);
    private static readonly IPEndPoint B = new(IPAddress.Parse("127.0.0.2"), 5405);
    private static readonly IPEndPoint C = new(IPAddress.Parse("127.0.0.3"), 5405);

    private static List<(IPEndPoint Source, byte[] Data)> Drain(IRing ring)
    {
        var list = new List<(IPEndPoint, byte[])>();
        while (ring.Received.TryRead(out var datagram))
        {
            using (datagram)
            {
                list.Add((datagram.Source, datagram.Data.ToArray()));
            }
        }

        return list;
    }

    [Test]
    public async Task Without_delay_a_send_is_in_the_receivers_queue_when_it_returns()
    {
        var net = new InMemoryNetwork(new FakeTimeProvider(), seed: 1);
        await using var a = net.CreateRing(0, A);
        await using var b = net.CreateRing(0, B);
        await a.SendToAllAsync(new byte[] { 1, 2, 3 });
        var got = Drain(b);
        Assert.That(got, Has.Count.EqualTo(1));
        Assert.That(got[0].Source, Is.EqualTo(A));
        Assert.That(got[0].Data, Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(Drain(a), Is.Empty, "no echo to the sender");
        Assert.That(net.Counters.Delivered, Is.EqualTo(1));
    }

    [Test]
    public async Task Rings_with_different_numbers_are_different_wires()
    {
        var net = new InMemoryNetwork(new FakeTimeProvider(), seed: 1);
        await using var a0 = net.CreateRing(0, A);
        await using var b1 = net.CreateRing(1, B);
        await using var c0 = net.CreateRing(0, C);
        await a0.SendToAllAsync(new byte[] { 9 });
        Assert.That(Drain(b1), Is.Empty);
        Assert.That(Drain(c0), Has.Count.EqualTo(1));
        Assert.That(c0.RingNumber, Is.EqualTo(0));
    }

    [Test]
    public void The_same_endpoint_twice_on_one_ring_is_refused_but_allowed_on_another()
    {
        var net = new InMemoryNetwork(new FakeTimeProvider(), seed: 1);
        _ = net.CreateRing(0, A);
        Assert.That(() => net.CreateRing(0, new IPEndPoint(A.Address, A.Port)), Throws.ArgumentException.With.Message.Contains("already"));
        Assert.That(net.CreateRing(1, A).RingNumber, Is.EqualTo(1));
        Assert.That(() => net.CreateRing(8, B), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [TestCase(-0.1, 0, 0)]
    [TestCase(1.5, 0, 0)]
    [TestCase(0, double.NaN, 0)]
    [TestCase(0, 0, 2)]
    public void Fault_probabilities_outside_zero_to_one_are_refused(double loss, double duplication, double corruption)
    {
        var faults = new NetworkFaults { Loss = loss, Duplication = duplication, Corruption = corruption };
        Assert.That(() => new InMemoryNetwork(TimeProvider.System, 1, faults), Throws.TypeOf<ArgumentOutOfRangeException>());
        var net = new InMemoryNetwork(TimeProvider.System, 1);
        Assert.That(() => net.Faults = faults, Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(net.Faults, Is.EqualTo(NetworkFaults.None));
    }

    [Test]
    public void Negative_delays_are_refused()
    {
        var net = new InMemoryNetwork(TimeProvider.System, 1);
        Assert.That(() => net.Faults = new NetworkFaults { Delay = TimeSpan.FromMilliseconds(-1) }, Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("Delay"));
        Assert.That(() => net.Faults = new NetworkFaults { Jitter = TimeSpan.FromMilliseconds(-1) }, Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("Jitter"));
    }

    [Test]
    public async Task Delay_is_scheduled_on_the_time_provider()
    {
        var time = new FakeTimeProvider();
        var net = new InMemoryNetwork(time, 1, new NetworkFaults { Delay = TimeSpan.FromMilliseconds(50) });
        await using var a = net.CreateRing(0, A);
        await using var b = net.CreateRing(0, B);
        await a.SendToAsync(B, new byte[] { 7 });
        Assert.That(Drain(b), Is.Empty);
        time.Advance(TimeSpan.FromMilliseconds(49));
        Assert.That(Drain(b), Is.Empty);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(Drain(b).Single().Data, Is.EqualTo(new byte[] { 7 }));
        Assert.That(net.Counters.Delayed, Is.EqualTo(1));
    }

    [Test]
    public async Task Jitter_reorders_and_the_same_seed_reorders_the_same_way()
    {
        static async Task<List<byte>> Run(int seed)
        {
            var time = new FakeTimeProvider();
            var net = new InMemoryNetwork(time, seed, new NetworkFaults { Jitter = TimeSpan.FromMilliseconds(100) });
            await using var a = net.CreateRing(0, A);
            await using var b = net.CreateRing(0, B);
            for (byte i = 0; i < 50; i++)
            {
                await a.SendToAllAsync(new[] { i });
            }

            time.Advance(TimeSpan.FromMilliseconds(100));
            return Drain(b).Select(d => d.Data[0]).ToList();
        }

        var first = await Run(42);
        var second = await Run(42);
        var other = await Run(43);
        Assert.That(first, Is.EquivalentTo(Enumerable.Range(0, 50).Select(i => (byte)i)), "nothing lost");
        Assert.That(first, Is.Not.Ordered, "jitter reorders");
        Assert.That(second, Is.EqualTo(first), "same seed, same order");
        Assert.That(other, Is.Not.EqualTo(first), "another seed, another order");
    }

    [Test]
    public async Task Loss_duplication_and_corruption_happen_at_their_rates()
    {
        var net = new InMemoryNetwork(new FakeTimeProvider(), 7, new NetworkFaults { Loss = 0.2, Duplication = 0.1, Corruption = 0.3 });
        net.ReceiveQueueCapacity = 10_000;
        await using var a = net.CreateRing(0, A);
        await using var b = net.CreateRing(0, B);
        var payload = new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 };
        const int Sent = 4000;
        for (var i = 0; i < Sent; i++)
        {
            await a.SendToAllAsync(payload);
        }

        var got = Drain(b);
        var corrupted = got.Count(d => !d.Data.SequenceEqual(payload));
        Assert.That(net.Counters.Lost, Is.InRange(Sent * 0.17, Sent * 0.23));
        Assert.That(net.Counters.Duplicated, Is.InRange((Sent - net.Counters.Lost) * 0.07, (Sent - net.Counters.Lost) * 0.13));
        Assert.That(got, Has.Count.EqualTo(Sent - net.Counters.Lost + net.Counters.Duplicated));
        Assert.That(corrupted, Is.EqualTo(net.Counters.Corrupted), "a corrupted copy really differs");
        Assert.That(corrupted, Is.InRange(got.Count * 0.25, got.Count * 0.35));
        Assert.That(got.All(d => d.Data.Length == payload.Length), Is.True);
        Assert.That(b.Counters.DatagramsReceived, Is.EqualTo(got.Count));
    }

    [Test]
    public async Task A_partition_separates_groups_on_every_ring_until_healed()
    {
        var net = new InMemoryNetwork(new FakeTimeProvider(), 1);
        await using var a = net.CreateRing(0, A);
        await using var b = net.CreateRing(0, B);
        await using var c = net.CreateRing(0, C);
        net.Partition([A, B], [C]);
        await a.SendToAllAsync(new byte[] { 1 });
        await c.SendToAllAsync(new byte[] { 2 });
        Assert.That(Drain(b).Select(d => d.Source), Is.EqualTo(new[] { A }));
        Assert.That(Drain(c), Is.Empty);
        Assert.That(Drain(a), Is.Empty);
        Assert.That(net.Counters.Blocked, Is.EqualTo(3));
        net.Heal();
        await c.SendToAllAsync(new byte[] { 3 });
        Assert.That(Drain(a), Has.Count.EqualTo(1));
        Assert.That(Drain(b), Has.Count.EqualTo(1));
    }

    [Test]
    public void An_endpoint_in_two_partition_groups_is_refused()
    {
        var net = new InMemoryNetwork(TimeProvider.System, 1);
        Assert.That(() => net.Partition([A, B], [B, C]), Throws.ArgumentException.With.Message.Contains("127.0.0.2:5405"));
    }

    [Test]
    public async Task Disconnect_cuts_one_ring_of_a_node_and_reconnect_restores_it()
    {
        var net = new InMemoryNetwork(new FakeTimeProvider(), 1);
        await using var a0 = net.CreateRing(0, A);
        await using var b0 = net.CreateRing(0, B);
        await using var a1 = net.CreateRing(1, A);
        await using var b1 = net.CreateRing(1, B);
        net.Disconnect(B, 0);
        await a0.SendToAllAsync(new byte[] { 1 });
        await a1.SendToAllAsync(new byte[] { 1 });
        await b0.SendToAllAsync(new byte[] { 1 });
        Assert.That(Drain(b0), Is.Empty);
        Assert.That(Drain(a0), Is.Empty, "a cut node does not send either");
        Assert.That(Drain(b1), Has.Count.EqualTo(1), "the other ring still works");
        net.Reconnect(B, 0);
        await a0.SendToAllAsync(new byte[] { 1 });
        Assert.That(Drain(b0), Has.Count.EqualTo(1));

        net.Disconnect(A);
        await a0.SendToAllAsync(new byte[] { 1 });
        await a1.SendToAllAsync(new byte[] { 1 });
        Assert.That(Drain(b0).Count + Drain(b1).Count, Is.Zero);
        net.Reconnect(A);
        await a1.SendToAllAsync(new byte[] { 1 });
        Assert.That(Drain(b1), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task A_delayed_copy_to_a_disposed_ring_is_counted_unreachable()
    {
        var time = new FakeTimeProvider();
        var net = new InMemoryNetwork(time, 1, new NetworkFaults { Delay = TimeSpan.FromMilliseconds(5) });
        await using var a = net.CreateRing(0, A);
        var b = net.CreateRing(0, B);
        await a.SendToAllAsync(new byte[] { 1 });
        await b.DisposeAsync();
        time.Advance(TimeSpan.FromMilliseconds(5));
        Assert.That(net.Counters.Unreachable, Is.EqualTo(1));
        await a.SendToAsync(C, new byte[] { 1 });
        Assert.That(net.Counters.Unreachable, Is.EqualTo(2));
    }

    [Test]
    public async Task Every_fault_together_is_repeatable_for_a_seed()
    {
        static async Task<string> Run(int seed)
        {
            var time = new FakeTimeProvider();
            var net = new InMemoryNetwork(time, seed, new NetworkFaults
            {
                Loss = 0.1, Duplication = 0.1, Corruption = 0.1, Delay = TimeSpan.FromMilliseconds(3), Jitter = TimeSpan.FromMilliseconds(7),
            });
            await using var a = net.CreateRing(0, A);
            await using var b = net.CreateRing(0, B);
            await using var c = net.CreateRing(0, C);
            var log = new List<string>();
            for (var i = 0; i < 200; i++)
            {
                await a.SendToAllAsync(BitConverter.GetBytes(i));
                await b.SendToAsync(C, BitConverter.GetBytes(-i));
                time.Advance(TimeSpan.FromMilliseconds(1));
                foreach (var ring in new[] { b, c })
                {
                    log.AddRange(Drain(ring).Select(d => $"{ring.LocalEndPoint}<{d.Source}:{Convert.ToHexString(d.Data)}"));
                }
            }

            time.Advance(TimeSpan.FromMilliseconds(10));
            log.AddRange(Drain(c).Select(d => $"{d.Source}:{Convert.ToHexString(d.Data)}"));
            return string.Join("\n", log);
        }

        var first = await Run(2026);
        Assert.That(await Run(2026), Is.EqualTo(first));
        Assert.That(await Run(2027), Is.Not.EqualTo(first));
        Assert.That(first.Split('\n'), Has.Length.GreaterThan(400), "most of the 600 copies arrive");
    }
}
