using Clustering.Transport.Redundancy;

namespace Clustering.Transport.Tests.Redundancy;

/// <summary>
/// Measures what a ring set's receive threads allocate. Installed as the set's frames-available callback, it runs
/// on those threads once per receive batch: it drains what the batch delivered and notes, per round of
/// <c>perRound</c> frames and per thread (indexed by managed thread id: no allocation), what the thread had allocated
/// at its first and last call of the round.
/// </summary>
internal sealed class ReceiveThreadAllocations
{
    private const int Threads = 4096;
    private readonly long[,] _first;
    private readonly long[,] _last;
    private readonly int _rounds;
    private int _received;

    public ReceiveThreadAllocations(RingSet set, int rounds, int perRound)
    {
        _rounds = rounds;
        _first = new long[rounds, Threads];
        _last = new long[rounds, Threads];
        set.SetFramesAvailableCallback(() =>
        {
            var round = Math.Min(Volatile.Read(ref _received) / perRound, rounds - 1);
            var thread = Environment.CurrentManagedThreadId % Threads;
            var now = GC.GetAllocatedBytesForCurrentThread();
            if (_first[round, thread] == 0)
            {
                _first[round, thread] = now;
            }

            while (set.Received.TryRead(out var frame))
            {
                frame.Dispose();
                Interlocked.Increment(ref _received);
            }

            _last[round, thread] = GC.GetAllocatedBytesForCurrentThread();
        });
    }

    /// <summary>The frames drained so far.</summary>
    public int Received => Volatile.Read(ref _received);

    /// <summary>How many distinct threads ran the callback (the receive threads that delivered frames).</summary>
    public int ThreadCount() =>
        Enumerable.Range(0, Threads).Count(t => Enumerable.Range(0, _rounds).Any(r => _first[r, t] != 0));

    /// <summary>
    /// Bytes allocated on the receive threads in each round after the first (pool and channel warm-up), summed over
    /// the threads.
    /// </summary>
    public long[] PerRoundAfterTheFirst() =>
        Enumerable.Range(1, _rounds - 1)
            .Select(r => Enumerable.Range(0, Threads).Where(t => _first[r, t] != 0).Sum(t => _last[r, t] - _first[r, t]))
            .ToArray();
}
