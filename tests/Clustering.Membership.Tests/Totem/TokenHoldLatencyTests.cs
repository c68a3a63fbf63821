using Clustering.Membership.Totem;
using Clustering.Transport.Framing;

namespace Clustering.Membership.Tests.Totem;

/// <summary>
/// The idle-token hold must never cost a message a rotation or a timer: three processors on one thread with a FIFO
/// wire, the clock standing still after the ring forms, so that anything that needs a timer stays undelivered, and
/// the token hops counted until every member has delivered.
/// </summary>
public sealed class TokenHoldLatencyTests
{
    [Test]
    public void The_holders_own_message_goes_out_on_the_held_token_with_no_extra_rotation()
    {
        var ring = new HoldRing();
        ring.FormAndIdle();

        var output = ring.Enqueue(0, "m");

        // The enqueue that releases the held token sends the message on it: the multicast leaves before the token.
        Assert.That(output.Count(f => f.Type == FrameType.Multicast), Is.EqualTo(1));
        Assert.That(output.Count(f => f.Type == FrameType.Token), Is.EqualTo(1));
        Assert.That(output.FindIndex(f => f.Type == FrameType.Multicast), Is.LessThan(output.FindIndex(f => f.Type == FrameType.Token)));
        var hops = ring.PumpUntilDelivered("m");
        Assert.That(hops, Is.Zero, "token hops before every member delivered");
        Assert.That(ring.DeliveredAt(0), Is.EqualTo(new[] { "m" }), "the sender delivers its own message at once");
        ring.PumpQuiet();
        Assert.That(ring.DeliveredAt(1), Is.EqualTo(new[] { "m" }));
        Assert.That(ring.DeliveredAt(2), Is.EqualTo(new[] { "m" }));
    }

    [Test]
    public void A_large_message_on_the_held_token_respects_max_messages_and_arrives_whole()
    {
        var ring = new HoldRing();
        ring.FormAndIdle();
        var big = new string('x', 100_000);

        var output = ring.Enqueue(0, big);

        Assert.That(output.Count(f => f.Type == FrameType.Multicast), Is.EqualTo(new TotemTimings().MaxMessages));
        ring.PumpUntilDelivered(big);
        ring.PumpQuiet();
        for (var node = 0; node < 3; node++)
        {
            Assert.That(ring.DeliveredAt(node), Is.EqualTo(new[] { big }), $"node {node + 1}");
        }
    }

    [Test]
    public void A_members_message_makes_the_holder_forward_at_once()
    {
        var ring = new HoldRing();
        ring.FormAndIdle();

        var output = ring.Enqueue(1, "from 2");

        Assert.That(output.Select(f => f.Type), Is.EqualTo(new[] { FrameType.TokenHoldCancel }));

        // The cancel reaches the representative, which forwards the token to node 2 (one hop); node 2 sends.
        var hops = ring.PumpUntilDelivered("from 2");
        Assert.That(hops, Is.EqualTo(1));
    }

    [Test]
    public void The_representative_sends_no_hold_cancel_for_its_own_message()
    {
        var ring = new HoldRing();
        ring.FormAndIdle();
        ring.FireHoldTimer();

        // The token is on its way round (not held): the representative's message waits for it, with no cancel frame.
        var output = ring.Enqueue(0, "m");

        Assert.That(output, Is.Empty);
        Assert.That(ring.PumpUntilDelivered("m"), Is.LessThanOrEqualTo(3));
    }

    [Test]
    public void A_hold_cancel_that_overtakes_the_token_stops_the_hold()
    {
        var ring = new HoldRing();
        ring.FormAndIdle();

        // The hold timer sends the token round once more; when it is back at the representative it is held again.
        ring.FireHoldTimer();
        Assert.That(ring.PumpOne(), Is.EqualTo((2u, FrameType.Token)));
        Assert.That(ring.PumpOne(), Is.EqualTo((3u, FrameType.Token)));
        Assert.That(ring.WireToken(), Is.EqualTo(1u), "the token is on its way to the representative");

        // Node 2's cancel reaches the representative before the token does.
        ring.Enqueue(1, "late");
        ring.PumpCancelsFirst();

        var hops = ring.PumpUntilDelivered("late");
        Assert.That(hops, Is.LessThanOrEqualTo(2), "without a timer: the representative must not hold the token");
    }

    [Test]
    public void A_long_burst_from_the_representative_needs_no_hold_timer_for_its_safe_point()
    {
        // More visits than seqno_unchanged_const: the representative, the only sender, never sees another node
        // change the seq. Its own sends must count as activity, or it holds the token right after its last frames and
        // the others wait for the hold timer to learn that every member has them (safe delivery).
        var timings = new TotemTimings { SeqnoUnchangedConst = 4 };
        var ring = new HoldRing(timings);
        ring.FormAndIdle();
        var texts = Enumerable.Range(0, 120).Select(i => $"{i:D4}{new string('s', 1000)}").ToArray();
        foreach (var text in texts)
        {
            ring.Enqueue(0, text, DeliveryOrder.Safe);
        }

        ring.PumpQuiet();
        for (var node = 0; node < 3; node++)
        {
            Assert.That(ring.DeliveredAt(node), Is.EqualTo(texts), $"node {node + 1}");
        }
    }

    [Test]
    public void The_representative_holds_the_token_only_after_more_than_seqno_unchanged_const_idle_visits()
    {
        // Corosync holds when my_seq_unchanged > seqno_unchanged_const. The representative's message goes out on the
        // held token (its seq changes there), then every arrival back at the representative with the seq unchanged
        // counts one: the hold comes at the (const + 1)th arrival, after (const + 1) rotations of 3 hops.
        const int Const = 4;
        var ring = new HoldRing(new TotemTimings { SeqnoUnchangedConst = Const });
        ring.FormAndIdle();

        ring.Enqueue(0, "m");

        Assert.That(ring.PumpQuietCountingTokens(), Is.EqualTo(3 * (Const + 1)), "token hops until the representative holds it");
        Assert.That(ring.HoldTimerArmed, Is.True, "the representative holds the token");
    }

    [Test]
    public void A_member_sends_no_hold_cancel_while_the_seq_is_still_changing()
    {
        // The representative's message went out on the released token: node 2 sees the seq change at its visit, so
        // the representative cannot hold the token for seqno_unchanged_const more visits and a cancel is wasted on
        // every member. (All delivered, aru == seq, is not the test: Corosync looks at the seq's idle count only.)
        var ring = new HoldRing(new TotemTimings { SeqnoUnchangedConst = 4 });
        ring.FormAndIdle();
        ring.Enqueue(0, "m");
        ring.PumpUntilTokenVisited(node: 1);

        var output = ring.Enqueue(1, "from 2");

        Assert.That(output.Select(f => f.Type), Has.No.Member(FrameType.TokenHoldCancel));
        Assert.That(ring.PumpUntilDelivered("from 2"), Is.LessThanOrEqualTo(3), "node 2 sends at its next visit, no timer needed");
    }

    [Test]
    public void A_burst_at_a_member_costs_one_hold_cancel_per_token_visit()
    {
        var ring = new HoldRing();
        ring.FormAndIdle();

        var first = ring.Enqueue(1, "a");
        var second = ring.Enqueue(1, "b");
        var third = ring.Enqueue(1, "c");
        var other = ring.Enqueue(2, "d");

        Assert.That(first.Count(f => f.Type == FrameType.TokenHoldCancel), Is.EqualTo(1), "the first message cancels the hold");
        Assert.That(second.Concat(third).Count(f => f.Type == FrameType.TokenHoldCancel), Is.Zero, "one cancel per visit, not per message");
        Assert.That(other.Count(f => f.Type == FrameType.TokenHoldCancel), Is.EqualTo(1), "another member's flag is its own");
        foreach (var text in new[] { "a", "b", "c", "d" })
        {
            ring.PumpUntilDelivered(text);
        }

        // After its messages went out on the token, the member's next message needs no cancel while the seq moves.
        ring.PumpUntilTokenVisited(node: 1);
        Assert.That(ring.Enqueue(1, "e").Select(f => f.Type), Has.No.Member(FrameType.TokenHoldCancel));
        ring.PumpUntilDelivered("e");
    }

    [Test]
    public void Every_member_expects_the_hold_by_the_time_the_representative_holds()
    {
        // Whoever changed the seq last (the representative itself or a member), once the representative holds the
        // token, a message at any other member costs one cancel and no timer.
        foreach (var lastSender in new[] { 0, 1, 2 })
        {
            for (var member = 1; member < 3; member++)
            {
                var ring = new HoldRing(new TotemTimings { SeqnoUnchangedConst = 3 });
                ring.FormAndIdle();
                ring.Enqueue(lastSender, "busy");
                ring.PumpUntilDelivered("busy");
                ring.PumpQuiet();
                Assert.That(ring.HoldTimerArmed, Is.True, "the representative holds the token again");

                var output = ring.Enqueue(member, "late");

                Assert.That(output.Select(f => f.Type), Is.EqualTo(new[] { FrameType.TokenHoldCancel }), $"last sender {lastSender + 1}, member {member + 1}");
                Assert.That(ring.PumpUntilDelivered("late"), Is.LessThanOrEqualTo(2), "no timer, at most the hops to the member");
            }
        }
    }

    /// <summary>Three processors, a FIFO wire, timers recorded but fired only when a test says so.</summary>
    private sealed class HoldRing
    {
        private readonly LinkedList<(int To, uint From, FrameType Type, byte[] Bytes)> _wire = new();
        private readonly List<string>[] _delivered = [[], [], []];
        private readonly long[][] _due;
        private long _now;

        public HoldRing(TotemTimings? timings = null)
        {
            Nodes = [.. Enumerable.Range(1, 3).Select(i => new TotemProcessor((uint)i, new TotemProcessorOptions
            {
                Timings = timings ?? new TotemTimings(),
                Random = new Random(i),
            }))];
            _due = [.. Nodes.Select(_ => Enumerable.Repeat(-1L, Enum.GetValues<TotemTimer>().Length).ToArray())];
        }

        public TotemProcessor[] Nodes { get; }

        public IReadOnlyList<string> DeliveredAt(int node) => _delivered[node];

        /// <summary>Forms the ring (timers fire as due), then lets the token go round until the representative holds it.</summary>
        public void FormAndIdle()
        {
            foreach (var node in Nodes)
            {
                node.Start(_now);
                Collect(node);
            }

            for (var i = 0; i < 100_000 && !Array.TrueForAll(Nodes, n => n.State == TotemState.Operational && n.Members.Count == 3); i++)
            {
                if (!PumpAll())
                {
                    FireNext();
                }
            }

            Assert.That(Nodes.Select(n => n.Members.Count), Is.EqualTo(new[] { 3, 3, 3 }), "the ring formed");
            PumpQuiet();
            foreach (var list in _delivered)
            {
                list.Clear();
            }
        }

        /// <summary>Queues a message at node <paramref name="node"/> (index); returns the frames that call produced.</summary>
        public List<OutboundFrame> Enqueue(int node, string text, DeliveryOrder order = DeliveryOrder.Agreed)
        {
            Assert.That(Nodes[node].TryEnqueue(System.Text.Encoding.UTF8.GetBytes(text), order, _now), Is.True);
            var frames = Nodes[node].Output.Frames.ToList();
            Collect(Nodes[node]);
            return frames;
        }

        /// <summary>Fires the representative's hold timer (releases the idle token for one rotation).</summary>
        public void FireHoldTimer()
        {
            Assert.That(_due[0][(int)TotemTimer.Hold], Is.GreaterThanOrEqualTo(0), "the representative holds the token");
            _now = Math.Max(_now, _due[0][(int)TotemTimer.Hold]);
            _due[0][(int)TotemTimer.Hold] = -1;
            Nodes[0].OnTimer(TotemTimer.Hold, _now);
            Collect(Nodes[0]);
        }

        /// <summary>Hands the first frame on the wire to its receiver; returns its receiver's id and type.</summary>
        public (uint To, FrameType Type) PumpOne()
        {
            var frame = _wire.First!.Value;
            _wire.RemoveFirst();
            Deliver(frame);
            return (Nodes[frame.To].NodeId, frame.Type);
        }

        /// <summary>The receiver of the token on the wire (0 if none).</summary>
        public uint WireToken() => _wire.Where(f => f.Type == FrameType.Token).Select(f => Nodes[f.To].NodeId).FirstOrDefault();

        /// <summary>Delivers every hold cancel on the wire ahead of the other frames.</summary>
        public void PumpCancelsFirst()
        {
            var cancels = _wire.Where(f => f.Type == FrameType.TokenHoldCancel).ToList();
            Assert.That(cancels, Is.Not.Empty, "a hold cancel was sent");
            foreach (var cancel in cancels)
            {
                _wire.Remove(cancel);
                Deliver(cancel);
            }
        }

        /// <summary>Pumps (no timers) until every node delivered <paramref name="text"/>; returns the token frames handled meanwhile.</summary>
        public int PumpUntilDelivered(string text)
        {
            var hops = 0;
            while (!Array.TrueForAll(_delivered, d => d.Contains(text)))
            {
                Assert.That(_wire, Is.Not.Empty, $"the wire went quiet before every node delivered (after {hops} token hops): a timer would be needed");
                if (PumpOne().Type == FrameType.Token)
                {
                    hops++;
                }
            }

            return hops;
        }

        /// <summary>Whether the representative's hold timer is armed (it holds the token).</summary>
        public bool HoldTimerArmed => _due[0][(int)TotemTimer.Hold] >= 0;

        /// <summary>Pumps until the wire is empty (the token held), firing no timer; returns the token frames handled.</summary>
        public int PumpQuietCountingTokens()
        {
            var hops = 0;
            for (var i = 0; i < 1_000_000 && _wire.Count > 0; i++)
            {
                if (PumpOne().Type == FrameType.Token)
                {
                    hops++;
                }
            }

            Assert.That(_wire, Is.Empty, "the ring went quiet");
            return hops;
        }

        /// <summary>Pumps (no timers) until node <paramref name="node"/> (index) has handled the token.</summary>
        public void PumpUntilTokenVisited(int node)
        {
            while (true)
            {
                Assert.That(_wire, Is.Not.Empty, "the wire went quiet before the token reached the node");
                var (to, type) = PumpOne();
                if (type == FrameType.Token && to == Nodes[node].NodeId)
                {
                    return;
                }
            }
        }

        /// <summary>Pumps until the wire is empty (the token held), firing no timer.</summary>
        public void PumpQuiet()
        {
            for (var i = 0; i < 1_000_000 && _wire.Count > 0; i++)
            {
                PumpOne();
            }

            Assert.That(_wire, Is.Empty, "the ring went quiet");
        }

        private bool PumpAll()
        {
            var any = _wire.Count > 0;
            for (var i = 0; i < 10_000 && _wire.Count > 0; i++)
            {
                PumpOne();
            }

            return any;
        }

        private void FireNext()
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

            Assert.That(node, Is.GreaterThanOrEqualTo(0), "a timer is armed");
            _now = Math.Max(_now, due);
            _due[node][timer] = -1;
            Nodes[node].OnTimer((TotemTimer)timer, _now);
            Collect(Nodes[node]);
        }

        private void Deliver((int To, uint From, FrameType Type, byte[] Bytes) frame)
        {
            var node = Nodes[frame.To];
            node.OnFrame(frame.From, frame.Type, frame.Bytes, _now);
            Collect(node);
        }

        private void Collect(TotemProcessor node)
        {
            var from = (int)node.NodeId - 1;
            foreach (var frame in node.Output.Frames)
            {
                for (var to = 0; to < Nodes.Length; to++)
                {
                    if (to != from && (frame.Destination == 0 || frame.Destination == Nodes[to].NodeId))
                    {
                        _wire.AddLast((to, node.NodeId, frame.Type, frame.Bytes.ToArray()));
                    }
                }
            }

            foreach (var request in node.Output.Timers)
            {
                _due[from][(int)request.Timer] = request.DueTicks;
            }

            foreach (var e in node.Output.Events)
            {
                if (e.Kind == TotemEventKind.Delivery)
                {
                    _delivered[from].Add(System.Text.Encoding.UTF8.GetString(e.Payload.Span));
                }
            }
        }
    }
}
