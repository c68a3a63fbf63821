using System.Collections.Concurrent;

namespace Clustering.Membership.Totem;

/// <summary>
/// Consecutive messages delivered in total order, published as one event (only with
/// <see cref="TotemRingOptions.BatchDeliveries"/>): the messages one turn of the ring delivered — typically all the
/// messages packed into the frames that arrived together — so that a reader is woken once for them, not once per
/// message. Configuration changes are never inside a batch: they stay separate events, in their place in the order.
/// </summary>
/// <remarks>
/// The batch owns its deliveries: read them with <see cref="Count"/> and the indexer (no allocation), never dispose
/// them one by one, and <see cref="Dispose"/> the batch when done, which hands the batch and every delivery back to
/// the ring for reuse; afterwards none of them, nor their payloads, may be used (keep <see cref="TotemDelivery.Copy"/>
/// of any message needed later). A reader that never disposes loses nothing but the reuse.
/// </remarks>
public sealed class TotemDeliveryBatch : TotemRingEvent, IDisposable
{
    /// <summary>The most messages in one batch (more make consecutive batches): <see cref="TotemRingOptions.EventQueueCapacity"/> batches hold at most this many times as many messages.</summary>
    public const int MaxCount = 64;

    private readonly List<TotemDelivery> _deliveries = new(MaxCount);
    private readonly BatchPool? _pool;
    private int _leased;

    private TotemDeliveryBatch(BatchPool pool)
    {
        _pool = pool;
    }

    /// <summary>How many messages the batch holds (at least one, at most <see cref="MaxCount"/>).</summary>
    public int Count => _deliveries.Count;

    /// <summary>The message at <paramref name="index"/>, in delivery order; valid until the batch is disposed.</summary>
    /// <param name="index">From 0 to <see cref="Count"/> − 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is out of range.</exception>
    public TotemDelivery this[int index] => _deliveries[index];

    /// <summary>Hands the batch and its deliveries back to the ring for reuse; none may be used afterwards. Only the first call counts.</summary>
    public void Dispose()
    {
        if (_pool is { } pool && Interlocked.Exchange(ref _leased, 0) == 1)
        {
            foreach (var delivery in _deliveries)
            {
                delivery.Dispose();
            }

            _deliveries.Clear();
            pool.Return(this);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"TotemDeliveryBatch {{ Count = {Count} }}";

    internal void Add(TotemDelivery delivery) => _deliveries.Add(delivery);

    /// <summary>A pool of batches: the owner loop takes, any reader thread gives back. Bounded; beyond it the collector takes them.</summary>
    internal sealed class BatchPool(int capacity)
    {
        private readonly ConcurrentQueue<TotemDeliveryBatch> _free = new();
        private int _count;

        public TotemDeliveryBatch Rent()
        {
            if (_free.TryDequeue(out var batch))
            {
                Interlocked.Decrement(ref _count);
            }
            else
            {
                batch = new TotemDeliveryBatch(this);
            }

            batch._leased = 1;
            return batch;
        }

        public void Return(TotemDeliveryBatch batch)
        {
            if (Interlocked.Increment(ref _count) <= capacity)
            {
                _free.Enqueue(batch);
            }
            else
            {
                Interlocked.Decrement(ref _count);
            }
        }
    }
}
