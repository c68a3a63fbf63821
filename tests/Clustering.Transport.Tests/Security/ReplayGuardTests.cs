using Clustering.Transport.Security;

namespace Clustering.Transport.Tests.Security;

public sealed class ReplayGuardTests
{
    private const ReplayVerdict N = ReplayVerdict.New;
    private const ReplayVerdict C = ReplayVerdict.RedundantCopy;
    private const ReplayVerdict R = ReplayVerdict.Replayed;

    /// <summary>Each step: sender, incarnation, sequence, ring, expected verdict.</summary>
    private static IEnumerable<TestCaseData> Tables()
    {
        yield return Table("first frames are new, repeats on the same ring are replays",
            (1, 1, 10, 0, N), (1, 1, 11, 0, N), (1, 1, 10, 0, R), (1, 1, 11, 0, R), (1, 1, 12, 0, N));
        yield return Table("the active-mode copy on another ring is redundant, a third copy on either ring a replay",
            (1, 1, 10, 0, N), (1, 1, 10, 1, C), (1, 1, 10, 1, R), (1, 1, 10, 0, R), (1, 1, 10, 2, C));
        yield return Table("the copy may arrive first on any ring",
            (1, 1, 10, 1, N), (1, 1, 10, 0, C), (1, 1, 11, 0, N), (1, 1, 11, 1, C));
        yield return Table("out-of-order arrivals within the window are new once",
            (1, 1, 10, 0, N), (1, 1, 14, 0, N), (1, 1, 12, 0, N), (1, 1, 11, 0, N), (1, 1, 13, 0, N), (1, 1, 12, 0, R), (1, 1, 13, 1, C));
        yield return Table("senders are independent",
            (1, 1, 10, 0, N), (2, 1, 10, 0, N), (2, 1, 10, 0, R), (1, 1, 10, 1, C));
        yield return Table("a newer incarnation starts over, an older one is replayed",
            (1, 5, 100, 0, N), (1, 6, 1, 0, N), (1, 6, 1, 0, R), (1, 5, 101, 0, R), (1, 6, 100, 0, N));
        yield return Table("sequences older than the window are replays",
            (1, 1, 100, 0, N), (1, 1, 100 + 16, 0, N), (1, 1, 100, 1, R), (1, 1, 101, 0, N), (1, 1, 100 + 17, 0, N), (1, 1, 101, 0, R), (1, 1, 102, 0, N));
        yield return Table("a jump beyond the window clears it",
            (1, 1, 1, 0, N), (1, 1, 2, 0, N), (1, 1, 1000, 0, N), (1, 1, 1000 - 15, 0, N), (1, 1, 1000 - 16, 0, R), (1, 1, 2 + 16, 0, R));
        yield return Table("slots reused after the window slides hold no stale rings",
            (1, 1, 0, 0, N), (1, 1, 16, 0, N), (1, 1, 32, 1, N), (1, 1, 32, 0, C), (1, 1, 48, 0, N));
        yield return Table("the largest sequence numbers work",
            (1, ulong.MaxValue, ulong.MaxValue - 1, 0, N), (1, ulong.MaxValue, ulong.MaxValue, 7, N), (1, ulong.MaxValue, ulong.MaxValue - 1, 7, C), (1, ulong.MaxValue, ulong.MaxValue, 7, R));
    }

    private static TestCaseData Table(string name, params (uint Sender, ulong Incarnation, ulong Sequence, int Ring, ReplayVerdict Expected)[] steps) =>
        new TestCaseData((object)steps).SetName("Replay table: " + name);

    [TestCaseSource(nameof(Tables))]
    public void Verdicts_follow_the_table((uint Sender, ulong Incarnation, ulong Sequence, int Ring, ReplayVerdict Expected)[] steps)
    {
        var guard = new ReplayGuard(windowSize: 16);
        for (var i = 0; i < steps.Length; i++)
        {
            var s = steps[i];
            Assert.That(guard.Check(s.Sender, s.Incarnation, s.Sequence, s.Ring), Is.EqualTo(s.Expected), $"step {i}: {s}");
        }
    }

    [TestCase(16, 1)]
    [TestCase(64, 2)]
    [TestCase(1024, 3)]
    public void Random_traffic_gets_the_same_verdicts_as_a_plain_set_model(int window, int seed)
    {
        var guard = new ReplayGuard(window);
        var model = new Dictionary<uint, (ulong Incarnation, ulong Highest, Dictionary<ulong, int> Rings)>();
        var random = new Random(seed);
        var counts = new int[3];
        var highest = new Dictionary<uint, ulong>();
        var incarnations = new Dictionary<uint, ulong>();

        for (var step = 0; step < 50_000; step++)
        {
            var sender = (uint)random.Next(1, 4);
            var current = incarnations.GetValueOrDefault(sender, 5UL);
            var incarnation = random.Next(1000) switch
            {
                0 => current + 1,
                < 20 => current - 1,
                _ => current,
            };
            if (incarnation > current)
            {
                incarnations[sender] = incarnation;
                highest[sender] = 0;
            }

            var top = highest.GetValueOrDefault(sender);
            var sequence = random.Next(10) switch
            {
                0 => top + (ulong)random.Next(1, window * 2),
                < 4 => top + 1,
                < 7 => top,
                _ => top - Math.Min(top, (ulong)random.Next(0, window + 4)),
            };
            var ring = random.Next(0, 3);

            var expected = ModelCheck(model, window, sender, incarnation, sequence, ring);
            if (expected == N && incarnation == incarnations.GetValueOrDefault(sender, 5UL) && sequence > top)
            {
                highest[sender] = sequence;
            }

            var actual = guard.Check(sender, incarnation, sequence, ring);
            Assert.That(actual, Is.EqualTo(expected), $"step {step}: sender {sender} incarnation {incarnation} sequence {sequence} ring {ring}");
            counts[(int)actual]++;
        }

        Assert.That(counts, Has.All.GreaterThan(1000), "the traffic exercises every verdict");
    }

    private static ReplayVerdict ModelCheck(Dictionary<uint, (ulong Incarnation, ulong Highest, Dictionary<ulong, int> Rings)> model, int window, uint sender, ulong incarnation, ulong sequence, int ring)
    {
        if (!model.TryGetValue(sender, out var state) || incarnation > state.Incarnation)
        {
            model[sender] = (incarnation, sequence, new Dictionary<ulong, int> { [sequence] = 1 << ring });
            return N;
        }

        if (incarnation < state.Incarnation)
        {
            return R;
        }

        if (sequence > state.Highest)
        {
            state.Rings[sequence] = 1 << ring;
            model[sender] = state with { Highest = sequence };
            return N;
        }

        if (state.Highest - sequence >= (ulong)window)
        {
            return R;
        }

        var seen = state.Rings.GetValueOrDefault(sequence);
        if ((seen & (1 << ring)) != 0)
        {
            return R;
        }

        state.Rings[sequence] = seen | (1 << ring);
        return seen == 0 ? N : C;
    }

    [Test]
    public void Forget_lets_a_sender_start_over_even_with_an_older_incarnation()
    {
        var guard = new ReplayGuard();
        Assert.That(guard.Check(3, 9, 50, 0), Is.EqualTo(N));
        Assert.That(guard.Check(3, 8, 1, 0), Is.EqualTo(R));
        guard.Forget(3);
        Assert.That(guard.SenderCount, Is.Zero);
        Assert.That(guard.Check(3, 8, 1, 0), Is.EqualTo(N));
    }

    [Test]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new ReplayGuard(ReplayGuard.MinWindowSize - 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new ReplayGuard(ReplayGuard.MaxWindowSize + 1));
        var guard = new ReplayGuard();
        Assert.Throws<ArgumentOutOfRangeException>(() => guard.Check(1, 1, 1, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => guard.Check(1, 1, 1, 8));
    }

    [Test]
    public void A_long_in_order_stream_on_two_rings_is_new_then_redundant_and_allocates_nothing()
    {
        var guard = new ReplayGuard();
        guard.Check(1, 1, 0, 0);
        var news = 0;
        var copies = 0;
        ulong seq = 0;
        var allocated = AllocationProbe.SteadyStateBytes(() =>
        {
            for (var i = 0; i < 2_000; i++)
            {
                seq++;
                news += guard.Check(1, 1, seq, 0) == N ? 1 : 0;
                copies += guard.Check(1, 1, seq, 1) == C ? 1 : 0;
            }
        });

        Assert.That(allocated, Is.Zero);
        Assert.That(news, Is.EqualTo(12_000));
        Assert.That(copies, Is.EqualTo(12_000));
    }
}
