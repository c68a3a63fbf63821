using System.Collections.Concurrent;
using Clustering.Membership.Groups;

namespace Clustering.Node.Internal;

/// <summary>
/// Consecutive messages of one group for one local member, handed to its event queue as one item (one wake-up of its
/// reader); <see cref="GroupEventReader"/> hands them out one by one. Pooled: returned once the reader has taken the
/// last message.
/// </summary>
internal sealed class GroupEventBatch
{
    /// <summary>The dispatcher's largest batch: sized once, so that a pooled batch does not grow as it is reused.</summary>
    public const int InitialCapacity = 64;

    private readonly List<GroupMessage> _messages = new(InitialCapacity);
    private readonly Pool _pool;

    private GroupEventBatch(Pool pool) => _pool = pool;

    public int Count => _messages.Count;

    public GroupMessage this[int index] => _messages[index];

    public void Add(GroupMessage message) => _messages.Add(message);

    /// <summary>Disposes the messages not handed out (from <paramref name="from"/> on) and returns the batch.</summary>
    public void DisposeFrom(int from)
    {
        for (var i = from; i < _messages.Count; i++)
        {
            _messages[i].Dispose();
        }

        Return();
    }

    /// <summary>Returns the batch to its pool; its messages belong to whoever took them.</summary>
    public void Return()
    {
        _messages.Clear();
        _pool.Return(this);
    }

    /// <summary>Batches of one node: its dispatcher rents, any reader thread returns. Bounded; beyond it the collector takes them.</summary>
    internal sealed class Pool(int capacity)
    {
        private readonly ConcurrentQueue<GroupEventBatch> _free = new();
        private int _count;

        public GroupEventBatch Rent()
        {
            if (_free.TryDequeue(out var batch))
            {
                Interlocked.Decrement(ref _count);
                return batch;
            }

            return new GroupEventBatch(this);
        }

        public void Return(GroupEventBatch batch)
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
