using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Clustering.Transport.Redundancy;

namespace ClusterDemo;

/// <summary>Books every frame sent and every delivery, to show that nothing is lost or delivered twice.</summary>
internal sealed class Ledger(int nodes)
{
    private readonly ConcurrentDictionary<(int From, ulong Sequence), byte> _sent = new();
    private readonly ConcurrentDictionary<(int To, int From, ulong Sequence), byte> _delivered = new();
    private readonly int[] _deliveredCount = new int[nodes];
    private int _duplicates;

    public int Duplicates => Volatile.Read(ref _duplicates);

    public static byte[] Payload(int node) => Encoding.ASCII.GetBytes($"hello from node {node + 1}");

    public void Sent(int node, ulong sequence) => _sent.TryAdd((node, sequence), 0);

    public int Delivered(int node) => Volatile.Read(ref _deliveredCount[node]);

    public async Task ReceiveAsync(int node, RingSet set)
    {
        await foreach (var frame in set.Received.ReadAllAsync())
        {
            using (frame)
            {
                var from = (int)frame.Header.SenderNodeId - 1;
                if (_delivered.TryAdd((node, from, frame.Header.Sequence), 0))
                {
                    Interlocked.Increment(ref _deliveredCount[node]);
                }
                else
                {
                    Interlocked.Increment(ref _duplicates);
                }
            }
        }
    }

    public int Lost()
    {
        var lost = 0;
        foreach (var (from, sequence) in _sent.Keys)
        {
            for (var to = 0; to < nodes; to++)
            {
                if (to != from && !_delivered.ContainsKey((to, from, sequence)))
                {
                    lost++;
                }
            }
        }

        return lost;
    }

    public async Task<bool> WaitCompleteAsync(TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (Lost() > 0 && clock.Elapsed < limit)
        {
            await Task.Delay(50);
        }

        return Lost() == 0;
    }
}
