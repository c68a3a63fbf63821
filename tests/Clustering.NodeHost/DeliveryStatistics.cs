namespace Clustering.NodeHost;

/// <summary>
/// What this node delivered from each sender: how many messages, the first and last sequence, the sequence
/// numbers skipped (gaps) and those that came at or below one already seen (out of order); plus a digest of the
/// whole delivery order (FNV-1a over sender and sequence) that equals another node's exactly when both delivered
/// the same messages in the same order. Thread-safe.
/// </summary>
internal sealed class DeliveryStatistics
{
    private const ulong FnvOffset = 14695981039346656037;
    private const ulong FnvPrime = 1099511628211;

    private readonly Lock _gate = new();
    private readonly SortedDictionary<uint, SenderCounts> _senders = [];
    private ulong _digest = FnvOffset;
    private long _delivered;
    private long _malformed;

    /// <summary>Counts one delivered message.</summary>
    /// <param name="sender">The node the group says sent it.</param>
    /// <param name="payload">The message.</param>
    public void Record(uint sender, ReadOnlySpan<byte> payload)
    {
        var valid = SequencedPayload.TryRead(payload, out var node, out var sequence) && node == sender;
        lock (_gate)
        {
            if (!valid)
            {
                _malformed++;
                return;
            }

            _delivered++;
            _digest = Mix(Mix(_digest, sender), sequence);
            if (!_senders.TryGetValue(sender, out var counts))
            {
                counts = new SenderCounts { First = sequence, Last = sequence - 1 };
                _senders.Add(sender, counts);
            }

            counts.Count++;
            if (sequence > counts.Last)
            {
                counts.Gaps += (long)(sequence - counts.Last - 1);
                counts.Last = sequence;
            }
            else
            {
                counts.OutOfOrder++;
            }
        }
    }

    /// <summary>Forgets everything counted so far.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _senders.Clear();
            _digest = FnvOffset;
            _delivered = 0;
            _malformed = 0;
        }
    }

    /// <summary>A consistent copy of the counts.</summary>
    public StatsEvent Snapshot(uint node)
    {
        lock (_gate)
        {
            return new StatsEvent(
                node,
                _delivered,
                _malformed,
                _digest.ToString("x16", System.Globalization.CultureInfo.InvariantCulture),
                [.. _senders.Select(s => new SenderStats(s.Key, s.Value.Count, s.Value.First, s.Value.Last, s.Value.Gaps, s.Value.OutOfOrder))]);
        }
    }

    private static ulong Mix(ulong hash, ulong value)
    {
        for (var i = 0; i < 8; i++)
        {
            hash = (hash ^ (byte)(value >> (8 * i))) * FnvPrime;
        }

        return hash;
    }

    private sealed class SenderCounts
    {
        public long Count { get; set; }

        public ulong First { get; set; }

        public ulong Last { get; set; }

        public long Gaps { get; set; }

        public long OutOfOrder { get; set; }
    }
}
