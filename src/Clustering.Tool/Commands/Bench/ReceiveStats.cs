using System.Buffers.Binary;
using System.Collections;
using System.Diagnostics;
using Clustering.Membership.Groups;

namespace Clustering.Tool.Commands.Bench;

/// <summary>
/// One member's view of the run: per-sender sequence checks (a bitmap per sender, so duplicates and gaps are seen),
/// one-way latency from the timestamp in the payload (all processes read the same monotonic clock), and the time
/// of the last delivery. Thread-safe: the delivery loop records while the command loop reports.
/// </summary>
internal sealed class ReceiveStats
{
    private readonly Lock _lock = new();
    private readonly BenchOptions _options;
    private readonly uint _node;
    private readonly Dictionary<GroupMember, Sender> _senders = [];
    private readonly LatencyHistogram _latency = new();
    private long _received;
    private long _outOfOrder;
    private long _corrupt;
    private long _lastTimestamp;
    private long _startTimestamp;
    private long _firstSent = long.MaxValue;
    private TimeSpan _cpuAtStart;
    private TimeSpan? _cpuAtEnd;

    public ReceiveStats(BenchOptions options, uint node)
    {
        _options = options;
        _node = node;
    }

    public long Received => Interlocked.Read(ref _received);

    public bool Complete => Received >= _options.ExpectedMessages;

    /// <summary>The parent's start signal, in <see cref="Stopwatch.GetTimestamp"/> ticks: the start when no message carries an earlier send time.</summary>
    public void Start(long timestamp)
    {
        lock (_lock)
        {
            _cpuAtStart = Environment.CpuUsage.TotalTime;
            _startTimestamp = timestamp;
        }
    }

    public void Record(GroupMessage message, long now)
    {
        var payload = message.Payload.Span;
        lock (_lock)
        {
            _lastTimestamp = now;
            if (payload.Length != _options.Size)
            {
                _corrupt++;
                return;
            }

            var seq = BinaryPrimitives.ReadInt64LittleEndian(payload);
            var sent = BinaryPrimitives.ReadInt64LittleEndian(payload[8..]);
            if (seq < 0 || seq >= _options.Count)
            {
                _corrupt++;
                return;
            }

            if (!_senders.TryGetValue(message.Sender, out var sender))
            {
                sender = new Sender(_options.Count);
                _senders.Add(message.Sender, sender);
            }

            if (seq != sender.Next || sender.Seen[(int)seq])
            {
                _outOfOrder++;
            }

            if (!sender.Seen[(int)seq])
            {
                sender.Seen[(int)seq] = true;
                sender.Distinct++;
            }

            sender.Next = Math.Max(sender.Next, seq + 1);
            _firstSent = Math.Min(_firstSent, sent);
            _latency.Record((now - sent) * 1_000_000 / Stopwatch.Frequency);
            if (Interlocked.Increment(ref _received) == _options.ExpectedMessages)
            {
                _cpuAtEnd = Environment.CpuUsage.TotalTime; // once per run: the process's CPU up to its last message
            }
        }
    }

    public BenchMemberResult Snapshot()
    {
        lock (_lock)
        {
            var distinct = _senders.Values.Sum(s => s.Distinct);
            // The run starts when the first message was sent (cpgbench.c measures the same way), or at the start signal.
            var start = _firstSent != long.MaxValue ? _firstSent : _startTimestamp;
            return new BenchMemberResult
            {
                Node = _node,
                Received = _received,
                Lost = Math.Max(0, _options.ExpectedMessages - distinct),
                OutOfOrder = _outOfOrder,
                Corrupt = _corrupt,
                Seconds = _received == 0 || start == 0 ? 0 : (double)(_lastTimestamp - start) / Stopwatch.Frequency,
                CpuMilliseconds = Math.Round(((_cpuAtEnd ?? Environment.CpuUsage.TotalTime) - _cpuAtStart).TotalMilliseconds, 1),
                LatencyMaxMicros = _latency.Max,
                Latency = _latency.ToPairs(),
            };
        }
    }

    private sealed class Sender(int count)
    {
        public BitArray Seen { get; } = new(count);

        public long Next { get; set; }

        public long Distinct { get; set; }
    }
}
