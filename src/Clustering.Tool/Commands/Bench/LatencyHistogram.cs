namespace Clustering.Tool.Commands.Bench;

/// <summary>
/// A log-linear histogram of latencies in microseconds: exact below 256 µs, then 128 buckets per power of two
/// (under 0.8 % error). Members send their buckets to the parent, which merges them into one distribution.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int LinearLimit = 256;
    private const int SubBuckets = 128;
    private const int SubBucketBits = 7;
    private const int MaxExponent = 40;
    private const int BucketCount = LinearLimit + (MaxExponent * SubBuckets);

    private readonly long[] _counts = new long[BucketCount];

    /// <summary>How many values were recorded.</summary>
    public long Count { get; private set; }

    /// <summary>The largest value recorded, exactly, in microseconds.</summary>
    public long Max { get; private set; }

    /// <summary>Records one latency in microseconds; negative values (clock noise) count as 0.</summary>
    public void Record(long micros)
    {
        micros = Math.Max(0, micros);
        _counts[IndexOf(micros)]++;
        Count++;
        Max = Math.Max(Max, micros);
    }

    /// <summary>Adds another histogram's buckets (as sent by <see cref="ToPairs"/>).</summary>
    public void Merge(IReadOnlyList<long[]> pairs, long max)
    {
        foreach (var pair in pairs)
        {
            if (pair.Length != 2 || pair[0] < 0 || pair[0] >= BucketCount || pair[1] < 0)
            {
                throw new FormatException("a latency bucket must be [index, count] with a known index");
            }

            _counts[pair[0]] += pair[1];
            Count += pair[1];
        }

        Max = Math.Max(Max, max);
    }

    /// <summary>The non-empty buckets as [index, count] pairs.</summary>
    public List<long[]> ToPairs()
    {
        var pairs = new List<long[]>();
        for (var i = 0; i < _counts.Length; i++)
        {
            if (_counts[i] != 0)
            {
                pairs.Add([i, _counts[i]]);
            }
        }

        return pairs;
    }

    /// <summary>The value at <paramref name="quantile"/> (0..1) in microseconds: the midpoint of its bucket, never above <see cref="Max"/>; 0 when empty.</summary>
    public double Percentile(double quantile)
    {
        if (Count == 0)
        {
            return 0;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(quantile * Count));
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                var (low, width) = BucketRange(i);
                return Math.Min(Max, low + ((width - 1) / 2.0));
            }
        }

        return Max;
    }

    internal static int IndexOf(long micros)
    {
        if (micros < LinearLimit)
        {
            return (int)micros;
        }

        var exponent = (63 - (int)long.LeadingZeroCount(micros)) - SubBucketBits; // >= 1
        if (exponent > MaxExponent)
        {
            return BucketCount - 1;
        }

        var sub = (int)(micros >> exponent) - SubBuckets; // 0..127
        return LinearLimit + ((exponent - 1) * SubBuckets) + sub;
    }

    internal static (long Low, long Width) BucketRange(int index)
    {
        if (index < LinearLimit)
        {
            return (index, 1);
        }

        var exponent = ((index - LinearLimit) / SubBuckets) + 1;
        var sub = (index - LinearLimit) % SubBuckets;
        return ((long)(SubBuckets + sub) << exponent, 1L << exponent);
    }
}
