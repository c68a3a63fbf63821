namespace Clustering.Transport.Rings;

/// <summary>Thread-safe counts of what an <see cref="InMemoryNetwork"/> did with the datagrams it carried.</summary>
public sealed class InMemoryNetworkCounters
{
    private long _delivered;
    private long _lost;
    private long _blocked;
    private long _unreachable;
    private long _duplicated;
    private long _corrupted;
    private long _delayed;

    internal InMemoryNetworkCounters()
    {
    }

    /// <summary>Copies handed to a receiver's queue (whether or not the queue had room).</summary>
    public long Delivered => Volatile.Read(ref _delivered);

    /// <summary>Copies dropped by the <see cref="NetworkFaults.Loss"/> fault.</summary>
    public long Lost => Volatile.Read(ref _lost);

    /// <summary>Copies dropped because a partition or a disconnected node stood between sender and receiver.</summary>
    public long Blocked => Volatile.Read(ref _blocked);

    /// <summary>Unicasts to an endpoint that is not attached to the ring (or was disposed before a delayed copy arrived).</summary>
    public long Unreachable => Volatile.Read(ref _unreachable);

    /// <summary>Extra copies made by the <see cref="NetworkFaults.Duplication"/> fault.</summary>
    public long Duplicated => Volatile.Read(ref _duplicated);

    /// <summary>Copies altered by the <see cref="NetworkFaults.Corruption"/> fault.</summary>
    public long Corrupted => Volatile.Read(ref _corrupted);

    /// <summary>Copies scheduled on the time provider because of a delay or jitter.</summary>
    public long Delayed => Volatile.Read(ref _delayed);

    internal void OnDelivered() => Interlocked.Increment(ref _delivered);

    internal void OnLost() => Interlocked.Increment(ref _lost);

    internal void OnBlocked() => Interlocked.Increment(ref _blocked);

    internal void OnUnreachable() => Interlocked.Increment(ref _unreachable);

    internal void OnDuplicated() => Interlocked.Increment(ref _duplicated);

    internal void OnCorrupted() => Interlocked.Increment(ref _corrupted);

    internal void OnDelayed() => Interlocked.Increment(ref _delayed);
}
