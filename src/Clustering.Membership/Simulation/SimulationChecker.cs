using System.Buffers.Binary;
using System.Globalization;
using Clustering.Membership.Totem;

namespace Clustering.Membership.Simulation;

/// <summary>
/// Checks, on every event of a simulation, the guarantees of total order and extended virtual synchrony:
/// no duplicate and no invented message; one position per message and one message per position (so every member of
/// a configuration delivers the same messages in the same order); deliveries only within the configuration whose ring
/// ordered them; a transitional configuration before each new regular one (its members a subset of both); members agree
/// on every ring's membership; safe messages delivered only once every member of the configuration has received them;
/// members that move together between two configurations deliver the same messages in between; no two rings with the
/// same membership at once (a partition never lets both sides keep the whole old membership). At the end: the nodes
/// converge to one ring of all nodes, and every node delivered every message it sent in its current life.
/// </summary>
internal sealed class SimulationChecker
{
    private const int MaxViolations = 20;
    private readonly Process?[] _current;
    private readonly List<Process> _processes = [];
    private readonly Dictionary<ulong, (uint Node, int Incarnation)> _sentIds = [];
    private readonly Dictionary<(RingId Ring, uint Seq), int> _receivedFrames = [];
    private readonly Dictionary<ulong, (RingKey Ring, uint Seq, int Index)> _positions = [];
    private readonly Dictionary<(RingKey Ring, uint Seq, int Index), ulong> _slots = [];
    private readonly Dictionary<RingKey, uint[]> _rings = [];
    private readonly HashSet<ulong> _deliveredAny = [];
    private readonly List<string> _violations = [];

    public SimulationChecker(int nodes)
    {
        _current = new Process?[nodes + 1];
    }

    /// <summary>The message id the simulator writes at the start of every payload: sender (u32) and counter (u32).</summary>
    public static ulong MessageId(ReadOnlySpan<byte> payload) =>
        payload.Length < 8 ? 0 : ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(payload) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]);

    /// <summary>Fills a payload's bytes after its id with a pattern derived from the id, so that a message is checked whole.</summary>
    public static void FillBody(Span<byte> payload)
    {
        var seed = (uint)MessageId(payload);
        for (var i = 8; i < payload.Length; i++)
        {
            payload[i] = (byte)((seed * 31) + (uint)i);
        }
    }

    private static bool BodyIntact(ReadOnlySpan<byte> payload)
    {
        var seed = (uint)MessageId(payload);
        for (var i = 8; i < payload.Length; i++)
        {
            if (payload[i] != (byte)((seed * 31) + (uint)i))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A node (re)started: a new process life begins.</summary>
    public void Started(SimNode node, long now)
    {
        ArgumentNullException.ThrowIfNull(node);
        var process = new Process(node.Id, node.Incarnation);
        _processes.Add(process);
        _current[node.Id] = process;
    }

    /// <summary>A node accepted a message for sending.</summary>
    public void Sent(SimNode node, ulong id, long now)
    {
        ArgumentNullException.ThrowIfNull(node);
        _sentIds[id] = (node.Id, node.Incarnation);
    }

    /// <summary>Checks one event; returns the violation it revealed, if any.</summary>
    public string? Record(SimNode node, TotemEvent e, long now, SimNode[] nodes)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(nodes);
        var p = _current[node.Id]!;
        var before = _violations.Count;
        switch (e.Kind)
        {
            case TotemEventKind.Received:
                {
                    // Receipts are of frames (packed chunks): a safe message is safe once the frame that completes it is.
                    _receivedFrames.TryGetValue((e.Ring, e.Seq), out var mask);
                    _receivedFrames[(e.Ring, e.Seq)] = mask | (1 << (int)node.Id);
                    break;
                }

            case TotemEventKind.Delivery:
                Delivery(p, e);
                break;
            case TotemEventKind.Configuration:
                Configuration(p, e.Configuration!, nodes);
                break;
        }

        return _violations.Count > before ? _violations[^1] : null;
    }

    /// <summary>The final checks; fills <paramref name="result"/>.</summary>
    public void Finish(SimNode[] nodes, SimulationResult result)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(result);
        var segments = new Dictionary<(RingKey, RingKey), (uint[] Transitional, long Hash, int Count, uint Node)>();
        foreach (var process in _processes)
        {
            foreach (var s in process.Segments)
            {
                if (!segments.TryGetValue((s.From, s.To), out var first))
                {
                    segments[(s.From, s.To)] = (s.Transitional, s.Hash, s.Count, process.Node);
                }
                else if (first.Hash != s.Hash || first.Count != s.Count || !first.Transitional.AsSpan().SequenceEqual(s.Transitional))
                {
                    Violation($"virtual synchrony: nodes {first.Node} and {process.Node} both went from ring {s.From} to ring {s.To} but delivered different messages ({first.Count} and {s.Count}) or transitional configurations ([{string.Join(',', first.Transitional)}] and [{string.Join(',', s.Transitional)}])");
                }
            }
        }

        var all = nodes.Select(n => n.Id).ToArray();
        var ring = nodes[0].Up ? nodes[0].Processor.Ring : default;
        foreach (var node in nodes)
        {
            if (!node.Up)
            {
                Violation($"no convergence: at the end node {node.Id} is down");
                break;
            }

            var processor = node.Processor;
            if (processor.State != TotemState.Operational || processor.Ring != ring || !processor.Members.SequenceEqual(all))
            {
                Violation($"no convergence: at the end node {node.Id} is {processor.State} in ring {processor.Ring} with [{string.Join(',', processor.Members)}], node {nodes[0].Id} in ring {ring}");
                break;
            }
        }

        foreach (var (id, (nodeId, incarnation)) in _sentIds)
        {
            var process = _current[nodeId];
            var node = nodes.First(n => n.Id == nodeId);
            if (node.Up && node.Incarnation == incarnation && process is not null && !process.Delivered.Contains(id))
            {
                Violation($"message {Describe(id)} sent by node {nodeId} was never delivered to it");
                break;
            }
        }

        result.ViolationList.AddRange(_violations);
        result.Messages = _deliveredAny.Count;
        result.Configurations = _rings.Count;
        result.Sent = _sentIds.Count;
    }

    private void Delivery(Process p, TotemEvent e)
    {
        var id = MessageId(e.Payload.Span);
        if (!_sentIds.TryGetValue(id, out var sender) || sender.Node != e.Origin)
        {
            Violation($"node {p.Node} delivered message {Describe(id)} from {e.Origin} that nobody sent");
            return;
        }

        if (!BodyIntact(e.Payload.Span))
        {
            Violation($"node {p.Node} delivered message {Describe(id)} of {e.Payload.Length} bytes with its body corrupted");
        }

        _deliveredAny.Add(id);
        if (!p.Delivered.Add(id))
        {
            Violation($"node {p.Node} delivered message {Describe(id)} twice");
            return;
        }

        if (p.Regular is not { } regular)
        {
            Violation($"node {p.Node} delivered message {Describe(id)} before any configuration");
            return;
        }

        if (e.Ring != regular)
        {
            Violation($"node {p.Node} delivered message {Describe(id)} of ring {e.Ring} in configuration {regular}");
        }

        var ringKey = p.RegularKey;
        if (_positions.TryGetValue(id, out var position))
        {
            if (position != (ringKey, e.Seq, e.Index))
            {
                Violation($"message {Describe(id)} delivered at ring {position.Ring} seq {position.Seq}/{position.Index} and at ring {e.Ring} seq {e.Seq}/{e.Index} (node {p.Node})");
            }
        }
        else
        {
            _positions[id] = (ringKey, e.Seq, e.Index);
        }

        if (_slots.TryGetValue((ringKey, e.Seq, e.Index), out var other))
        {
            if (other != id)
            {
                Violation($"ring {e.Ring} seq {e.Seq} is message {Describe(other)} at one node and {Describe(id)} at node {p.Node}");
            }
        }
        else
        {
            _slots[(ringKey, e.Seq, e.Index)] = id;
        }

        var key = (e.Ring.Sequence, e.Ring.Representative, e.Seq, e.Index);
        if (p.Last.CompareTo(key) >= 0)
        {
            Violation($"node {p.Node} delivered ring {e.Ring} seq {e.Seq} after ring seq {p.Last.Item1} seq {p.Last.Item3}");
        }

        p.Last = key;
        if (e.Order == DeliveryOrder.Safe)
        {
            var members = p.InTransitional ? p.Transitional : p.Members;
            _receivedFrames.TryGetValue((e.Ring, e.Seq), out var mask);
            foreach (var member in members)
            {
                if ((mask & (1 << (int)member)) == 0)
                {
                    Violation($"node {p.Node} delivered safe message {Describe(id)} in {(p.InTransitional ? "transitional" : "regular")} configuration {regular} before member {member} received it");
                    break;
                }
            }
        }

        unchecked
        {
            p.Hash = (p.Hash * 1_000_003) + (long)id;
        }

        p.Count++;
    }

    private void Configuration(Process p, TotemConfiguration c, SimNode[] nodes)
    {
        if (Array.IndexOf(c.Members, p.Node) < 0)
        {
            Violation($"node {p.Node} installed {c.Kind} configuration {c.Ring} without itself: [{string.Join(',', c.Members)}]");
        }

        if (c.Kind == ConfigurationKind.Transitional)
        {
            if (p.Regular is null || p.InTransitional)
            {
                Violation($"node {p.Node} installed transitional configuration {c.Ring} {(p.InTransitional ? "twice" : "before any regular one")}");
            }
            else if (!c.Members.All(m => Array.IndexOf(p.Members, m) >= 0))
            {
                Violation($"node {p.Node}: transitional configuration {c.Ring} [{string.Join(',', c.Members)}] is not within the regular one [{string.Join(',', p.Members)}]");
            }

            p.InTransitional = true;
            p.Transitional = c.Members;
            p.TransitionalRing = c.Ring;
            return;
        }

        if (!p.First && !p.InTransitional)
        {
            Violation($"node {p.Node} installed regular configuration {c.Ring} without a transitional one first");
        }

        if (p.InTransitional && (p.TransitionalRing != c.Ring || !p.Transitional.All(m => Array.IndexOf(c.Members, m) >= 0)))
        {
            Violation($"node {p.Node}: transitional configuration {p.TransitionalRing} [{string.Join(',', p.Transitional)}] does not lead into regular configuration {c.Ring} [{string.Join(',', c.Members)}]");
        }

        var key = new RingKey(c.Ring, nodes.FirstOrDefault(n => n is not null && n.Id == c.Ring.Representative)?.StateEpoch ?? 0);
        if (_rings.TryGetValue(key, out var members))
        {
            if (!members.AsSpan().SequenceEqual(c.Members))
            {
                Violation($"members disagree on ring {c.Ring}: [{string.Join(',', members)}] and [{string.Join(',', c.Members)}] at node {p.Node}");
            }
        }
        else
        {
            _rings[key] = c.Members;
        }

        if (p.Regular is { } previous)
        {
            if (c.Ring.Sequence <= previous.Sequence)
            {
                Violation($"node {p.Node} went from ring {previous} to ring {c.Ring}: ring sequence numbers must grow");
            }

            p.Segments.Add((p.RegularKey, key, p.Transitional, p.Hash, p.Count));
        }

        foreach (var other in nodes)
        {
            if (other is null || other.Id == p.Node || !other.Up || Array.IndexOf(c.Members, other.Id) < 0)
            {
                continue;
            }

            var processor = other.Processor;
            if (processor.State == TotemState.Operational && processor.Ring != c.Ring && processor.Members.SequenceEqual(c.Members))
            {
                Violation($"split brain: node {p.Node} installed ring {c.Ring} while node {other.Id} is operational in ring {processor.Ring}, both with members [{string.Join(',', c.Members)}]");
            }
        }

        p.Regular = c.Ring;
        p.RegularKey = key;
        p.Members = c.Members;
        p.InTransitional = false;
        p.Transitional = [];
        p.Hash = 0;
        p.Count = 0;
        p.First = false;
    }

    private void Violation(string text)
    {
        if (_violations.Count < MaxViolations)
        {
            _violations.Add(text);
        }
    }

    private static string Describe(ulong id) => string.Create(CultureInfo.InvariantCulture, $"{id >> 32}#{(uint)id}");

    /// <summary>A ring id and the state epoch of its representative: a node that lost its state may make an id again.</summary>
    private readonly record struct RingKey(RingId Ring, int Epoch)
    {
        public override string ToString() => Epoch == 0 ? Ring.ToString() : $"{Ring}(epoch {Epoch})";
    }

    private sealed class Process
    {
        public Process(uint node, int incarnation)
        {
            Node = node;
            Incarnation = incarnation;
        }

        public uint Node { get; }

        public int Incarnation { get; }

        public bool First { get; set; } = true;

        public RingId? Regular { get; set; }

        public RingKey RegularKey { get; set; }

        public uint[] Members { get; set; } = [];

        public bool InTransitional { get; set; }

        public uint[] Transitional { get; set; } = [];

        public RingId TransitionalRing { get; set; }

        public HashSet<ulong> Delivered { get; } = [];

        public (ulong, uint, uint, int) Last { get; set; }

        public long Hash { get; set; }

        public int Count { get; set; }

        public List<(RingKey From, RingKey To, uint[] Transitional, long Hash, int Count)> Segments { get; } = [];
    }
}
