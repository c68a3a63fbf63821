using System.Buffers.Binary;
using Clustering.Membership.Totem;
using Clustering.Transport.Framing;

namespace Clustering.Membership.Tests.Totem;

/// <summary>
/// Three (or more) Totem processors wired directly to each other on one thread, with no network model: what a
/// transport does and no more (every receiver gets its own copy of a frame in a recycled receive buffer, returned once
/// handled), and the timers the processors ask for fired in due order whenever the wire is idle. Shared by the
/// allocation test and the processor benchmark (linked into Clustering.Benchmarks), so both measure the same path.
/// </summary>
internal sealed class ProcessorRingHarness
{
    private const int ReceiveBufferSize = 2048;
    private readonly Queue<(int To, uint From, FrameType Type, byte[] Payload, int Length)> _wire = new();
    private readonly Stack<byte[]> _receiveBuffers = new();
    private readonly long[][] _due;
    private readonly uint[] _nextStamp;
    private readonly byte[] _message;
    private readonly bool _verify;
    private uint _stamp;
    private long _now;
    private long _multicastCopies;

    /// <summary>Creates the processors (not started).</summary>
    /// <param name="nodes">How many.</param>
    /// <param name="messageSize">The size of every application message sent.</param>
    /// <param name="verify">
    /// Stamp every message with a number and a body pattern and check every delivery against them (order, length,
    /// bytes); off for benchmarks, where only deliveries are counted.
    /// </param>
    /// <param name="timings">The processors' timings; the defaults (Corosync's, not accelerated) when omitted.</param>
    public ProcessorRingHarness(int nodes, int messageSize, bool verify, TotemTimings? timings = null)
    {
        _verify = verify;
        _message = new byte[messageSize];
        Nodes = [.. Enumerable.Range(1, nodes).Select(i => new TotemProcessor((uint)i, new TotemProcessorOptions { PoolBuffers = true, Random = new Random(i), Timings = timings ?? new TotemTimings() }))];
        _due = [.. Nodes.Select(_ => Enumerable.Repeat(-1L, Enum.GetValues<TotemTimer>().Length).ToArray())];
        _nextStamp = new uint[nodes];
        Array.Fill(_nextStamp, 1u);
    }

    /// <summary>The processors; node ids are 1..n in order.</summary>
    public TotemProcessor[] Nodes { get; }

    /// <summary>Deliveries counted at all nodes together.</summary>
    public long Delivered { get; private set; }

    /// <summary>With verification: deliveries whose order, length or bytes were wrong.</summary>
    public long Corrupt { get; private set; }

    /// <summary>The guarantee asked for the messages sent (agreed by default).</summary>
    public DeliveryOrder Order { get; set; } = DeliveryOrder.Agreed;

    /// <summary>When above 0, every <c>LossEvery</c>-th copy of a multicast frame is lost on the wire (retransmissions then fill the gaps).</summary>
    public int LossEvery { get; set; }

    /// <summary>Called with each processor's output before its frames go on the wire (the frames in the order sent).</summary>
    public Action<TotemProcessor, TotemOutput>? Sent { get; set; }

    /// <summary>Starts every processor and runs until all are operational in one ring of all of them.</summary>
    /// <exception cref="InvalidOperationException">The ring did not form.</exception>
    public void Form()
    {
        foreach (var node in Nodes)
        {
            node.Start(_now);
            Collect(node);
        }

        for (var i = 0; i < 10_000 && !Formed(); i++)
        {
            if (!Pump())
            {
                FireNextTimer();
            }
        }

        if (!Formed())
        {
            throw new InvalidOperationException("the ring did not form");
        }
    }

    /// <summary>
    /// Queues <paramref name="count"/> messages at node <paramref name="sender"/> (index into <see cref="Nodes"/>) and
    /// runs the ring until every node has delivered all of them.
    /// </summary>
    /// <exception cref="InvalidOperationException">The messages were not delivered within a generous number of steps.</exception>
    public void SendAndDeliver(int count, int sender = 1)
    {
        var target = Delivered + ((long)Nodes.Length * count);
        var node = Nodes[sender];
        var sent = 0;
        var steps = 0L;
        var limit = 1000L + (100L * count);
        while (Delivered < target)
        {
            if (++steps > limit)
            {
                throw new InvalidOperationException($"{target - Delivered} deliveries missing after {limit} steps");
            }

            while (sent < count)
            {
                if (_verify)
                {
                    Stamp(_message, ++_stamp);
                }
                else if (_message.Length >= 4)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(_message, ++_stamp);
                }

                if (!node.TryEnqueue(_message, Order, _now))
                {
                    _stamp--;
                    break;
                }

                sent++;
                Collect(node);
            }

            if (!Pump())
            {
                FireNextTimer();
            }
        }
    }

    private bool Formed() => Array.TrueForAll(Nodes, n => n.State == TotemState.Operational && n.Members.Count == Nodes.Length);

    /// <summary>Hands every frame on the wire to its receiver; false when the wire was empty.</summary>
    private bool Pump()
    {
        var any = false;
        var handled = 0;
        while (_wire.TryDequeue(out var frame))
        {
            // An idle ring empties the wire once the representative holds the token; a ring that never does is broken.
            if (++handled > 10_000_000)
            {
                throw new InvalidOperationException("the wire never went quiet");
            }

            any = true;
            var node = Nodes[frame.To];
            node.OnFrame(frame.From, frame.Type, frame.Payload.AsSpan(0, frame.Length), _now);
            if (frame.Payload.Length == ReceiveBufferSize)
            {
                _receiveBuffers.Push(frame.Payload);
            }

            Collect(node);
        }

        return any;
    }

    /// <summary>Moves the clock to the earliest armed timer and fires it.</summary>
    private void FireNextTimer()
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

        if (node < 0)
        {
            throw new InvalidOperationException("nothing on the wire and no timer armed");
        }

        _now = Math.Max(_now, due);
        _due[node][timer] = -1;
        Nodes[node].OnTimer((TotemTimer)timer, _now);
        Collect(Nodes[node]);
    }

    private void Collect(TotemProcessor node)
    {
        var from = (int)node.NodeId - 1;
        var output = node.Output;
        Sent?.Invoke(node, output);
        foreach (var frame in output.Frames)
        {
            var bytes = frame.Bytes.Span;
            for (var to = 0; to < Nodes.Length; to++)
            {
                if (to != from && (frame.Destination == 0 || frame.Destination == Nodes[to].NodeId))
                {
                    if (LossEvery > 0 && frame.Type == FrameType.Multicast && ++_multicastCopies % LossEvery == 0)
                    {
                        continue;
                    }

                    var copy = bytes.Length <= ReceiveBufferSize
                        ? _receiveBuffers.TryPop(out var pooled) ? pooled : new byte[ReceiveBufferSize]
                        : new byte[bytes.Length];
                    bytes.CopyTo(copy);
                    _wire.Enqueue((to, node.NodeId, frame.Type, copy, bytes.Length));
                }
            }
        }

        foreach (var request in output.Timers)
        {
            _due[from][(int)request.Timer] = request.DueTicks;
        }

        foreach (var e in output.Events)
        {
            if (e.Kind == TotemEventKind.Delivery)
            {
                Delivered++;
                if (_verify && !Check(from, e.Payload.Span))
                {
                    Corrupt++;
                }
            }
        }
    }

    private static void Stamp(Span<byte> message, uint stamp)
    {
        for (var i = 0; i < message.Length; i++)
        {
            message[i] = (byte)(stamp + (uint)i);
        }

        if (message.Length >= 4)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(message, stamp);
        }
    }

    private bool Check(int node, ReadOnlySpan<byte> payload)
    {
        var expected = _nextStamp[node]++;
        if (payload.Length != _message.Length)
        {
            return false;
        }

        if (payload.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(payload) != expected)
        {
            return false;
        }

        for (var i = 4; i < payload.Length; i++)
        {
            if (payload[i] != (byte)(expected + (uint)i))
            {
                return false;
            }
        }

        return true;
    }
}
