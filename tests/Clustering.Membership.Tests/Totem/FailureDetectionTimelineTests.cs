using Clustering.Membership.Totem;
using Clustering.Transport.Framing;

namespace Clustering.Membership.Tests.Totem;

/// <summary>
/// The time from a node's loss to the survivors' new configuration on a simulated clock, against what Corosync's
/// totemsrp does at the same settings: the first survivor declares the token lost a token timeout after the last
/// token it received, the survivors wait one consensus timeout in gather, and the new ring then forms with no further
/// timer (joins, the commit token and the recovery token travel on an instant wire).
/// </summary>
public sealed class FailureDetectionTimelineTests
{
    private static readonly TimeSpan Token = TimeSpan.FromMilliseconds(1000);
    private static readonly TimeSpan Consensus = TimeSpan.FromMilliseconds(1200);

    [TestCase(0)]
    [TestCase(37)]
    [TestCase(95)]
    [TestCase(150)]
    [TestCase(179)]
    public void The_new_configuration_follows_the_last_token_by_token_plus_consensus(int cutAfterMs)
    {
        var wire = new InstantWire(3, new TotemTimings { Token = Token, TokenCoefficient = TimeSpan.Zero, Consensus = Consensus, Join = TimeSpan.FromMilliseconds(50) });
        wire.RunUntil(TimeSpan.FromSeconds(10));
        var cut = wire.NextTokenAt(1) + TimeSpan.FromMilliseconds(cutAfterMs).Ticks;
        wire.RunUntilTicks(cut);
        wire.Cut(3);
        wire.RunUntil(TimeSpan.FromSeconds(20));

        var lastToken = Math.Min(wire.LastTokenAt[0], wire.LastTokenAt[1]);
        var formed = Math.Max(wire.FormedAt[0], wire.FormedAt[1]);
        TestContext.Out.WriteLine($"cut {TimeSpan.FromTicks(cut - lastToken).TotalMilliseconds} ms after the last token; formed {TimeSpan.FromTicks(formed - lastToken).TotalMilliseconds} ms after it, {TimeSpan.FromTicks(formed - cut).TotalMilliseconds} ms after the cut");
        Assert.That(formed, Is.GreaterThan(0), "the ring of 1,2 formed");
        Assert.That(TimeSpan.FromTicks(formed - lastToken), Is.EqualTo(Token + Consensus).Within(TimeSpan.FromMilliseconds(1)));
    }

    [Test]
    public void The_representative_counts_the_join_that_completed_its_sets_when_the_other_consensus_timeout_fires_first()
    {
        // The representative's timers run a millisecond late (a busy scheduler): the other survivor's consensus
        // timeout fires first, and its join (node 3 failed) reaches the representative before the representative's
        // own timeout. That join already carries the sets the representative takes on from it, so the new ring need
        // not wait a join timeout (50 ms) for the next copy, as Corosync does in the same race.
        var wire = new InstantWire(3, new TotemTimings { Token = Token, TokenCoefficient = TimeSpan.Zero, Consensus = Consensus, Join = TimeSpan.FromMilliseconds(50) });
        wire.RunUntil(TimeSpan.FromSeconds(10));
        var cut = wire.NextTokenAt(1) + TimeSpan.FromMilliseconds(20).Ticks;
        wire.RunUntilTicks(cut);
        wire.Cut(3);
        wire.TimerLateness[0] = TimeSpan.FromMilliseconds(1).Ticks;
        wire.RunUntil(TimeSpan.FromSeconds(20));

        var lastToken = Math.Min(wire.LastTokenAt[0], wire.LastTokenAt[1]);
        var formed = Math.Max(wire.FormedAt[0], wire.FormedAt[1]);
        Assert.That(formed, Is.GreaterThan(0), "the ring of 1,2 formed");
        Assert.That(TimeSpan.FromTicks(formed - lastToken), Is.LessThanOrEqualTo(Token + Consensus + TimeSpan.FromMilliseconds(2)), string.Join('\n', wire.Trace.TakeLast(30)));
    }

    [Test]
    public void An_idle_ring_goes_round_once_per_hold_period_of_Corosync_length()
    {
        // Corosync's hold at token 1000: (int)(238 * 0.8 - 1000/HZ) = 180 ms. Where a cut falls in this period decides
        // how soon after it the token is declared lost (a token timeout after the representative last saw it), so a
        // longer hold than Corosync's shifts failure detection against it.
        var wire = new InstantWire(3, new TotemTimings { Token = Token, TokenCoefficient = TimeSpan.Zero, Consensus = Consensus });
        wire.RunUntil(TimeSpan.FromSeconds(10));
        var first = wire.NextTokenAt(1);
        wire.RunUntilTicks(first);
        var second = wire.NextTokenAt(1);
        Assert.That(first, Is.GreaterThan(0), "the representative holds the idle token");
        Assert.That(TimeSpan.FromTicks(second - first), Is.EqualTo(TimeSpan.FromMilliseconds(180)));
        Assert.That(wire.LastTokenAt[0], Is.EqualTo(first), "the token went round at once and came back to be held again");
    }

    /// <summary>Processors on an instant wire (every frame handled at the time it was sent) with a simulated clock.</summary>
    internal sealed class InstantWire
    {
        private readonly Queue<(int To, uint From, FrameType Type, byte[] Payload)> _wire = new();
        private readonly long[][] _due;
        private readonly bool[] _cut;
        private long _now;

        public InstantWire(int nodes, TotemTimings timings)
        {
            Nodes = [.. Enumerable.Range(1, nodes).Select(i => new TotemProcessor((uint)i, new TotemProcessorOptions { Timings = timings, Random = new Random(i) }))];
            _due = [.. Nodes.Select(_ => Enumerable.Repeat(-1L, Enum.GetValues<TotemTimer>().Length).ToArray())];
            _cut = new bool[nodes];
            TimerLateness = new long[nodes];
            LastTokenAt = new long[nodes];
            FormedAt = new long[nodes];
            foreach (var node in Nodes)
            {
                node.Start(_now);
                Collect(node);
            }
        }

        public TotemProcessor[] Nodes { get; }

        public long[] LastTokenAt { get; }

        public long[] FormedAt { get; }

        public List<string> Trace { get; } = [];

        /// <summary>Per node, how long after their due time its timers fire (ticks).</summary>
        public long[] TimerLateness { get; }

        public void Cut(int node) => _cut[node - 1] = true;

        public void RunUntil(TimeSpan time) => RunUntilTicks(time.Ticks);

        public void RunUntilTicks(long ticks)
        {
            while (true)
            {
                Pump();
                var (node, timer, due) = NextTimer();
                if (node < 0 || due > ticks)
                {
                    _now = Math.Max(_now, ticks);
                    return;
                }

                _now = Math.Max(_now, due);
                _due[node][timer] = -1;
                Trace.Add($"{TimeSpan.FromTicks(_now).TotalMilliseconds} n{node + 1} {(TotemTimer)timer}");
                Nodes[node].OnTimer((TotemTimer)timer, _now);
                Collect(Nodes[node]);
            }
        }

        /// <summary>When node <paramref name="node"/>'s hold ends (the token goes round at once after it).</summary>
        public long NextTokenAt(int node) => _due[node - 1][(int)TotemTimer.Hold];

        private (int Node, int Timer, long Due) NextTimer()
        {
            var (node, timer, due) = (-1, 0, long.MaxValue);
            for (var n = 0; n < _due.Length; n++)
            {
                for (var t = 0; t < _due[n].Length; t++)
                {
                    if (_due[n][t] >= 0 && _due[n][t] < due)
                    {
                        (node, timer, due) = (n, t, _due[n][t]);
                    }
                }
            }

            return (node, timer, due);
        }

        private void Pump()
        {
            while (_wire.TryDequeue(out var frame))
            {
                if (frame.Type == FrameType.Token && !Array.Exists(_cut, c => c))
                {
                    LastTokenAt[frame.To] = _now;
                }

                Nodes[frame.To].OnFrame(frame.From, frame.Type, frame.Payload, _now);
                Collect(Nodes[frame.To]);
            }
        }

        private void Collect(TotemProcessor node)
        {
            var from = (int)node.NodeId - 1;
            foreach (var frame in node.Output.Frames)
            {
                for (var to = 0; to < Nodes.Length; to++)
                {
                    if (to != from && !_cut[to] && !_cut[from] && (frame.Destination == 0 || frame.Destination == Nodes[to].NodeId))
                    {
                        if (frame.Type != FrameType.Token)
                        {
                            Trace.Add($"{TimeSpan.FromTicks(_now).TotalMilliseconds} n{from + 1}->n{to + 1} {frame.Type}");
                        }

                        _wire.Enqueue((to, node.NodeId, frame.Type, frame.Bytes.ToArray()));
                    }
                }
            }

            foreach (var request in node.Output.Timers)
            {
                _due[from][(int)request.Timer] = request.DueTicks < 0 ? -1 : request.DueTicks + TimerLateness[from];
            }

            foreach (var e in node.Output.Events)
            {
                if (e.Configuration is { Kind: ConfigurationKind.Regular } c)
                {
                    Trace.Add($"{TimeSpan.FromTicks(_now).TotalMilliseconds} n{from + 1} regular [{string.Join(',', c.Members)}]");
                    if (c.Members.Length == 2 && FormedAt[from] == 0)
                    {
                        FormedAt[from] = _now;
                    }
                }
            }
        }
    }
}
