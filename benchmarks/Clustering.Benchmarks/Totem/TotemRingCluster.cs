using System.Net;
using Clustering.Membership.Totem;
using Clustering.Transport.Redundancy;
using Clustering.Transport.Rings;
using Clustering.Transport.Security;

namespace Clustering.Benchmarks.Totem;

/// <summary>
/// Three <see cref="TotemRing"/> nodes in one process over the in-memory network, each with two rings in rrp_mode
/// active and secauth on (sha256 + aes256): the end-to-end message path without sockets. A reader per node counts
/// deliveries; <see cref="SendAndWaitAsync"/> sends from node 1 and waits until every node delivered everything.
/// </summary>
public sealed class TotemRingCluster : IAsyncDisposable
{
    private readonly Authkey _key = Authkey.Generate();
    private readonly RingSet[] _transports;
    private readonly TotemRing[] _totems;
    private readonly Task[] _readers;
    private readonly long[] _delivered;
    private readonly long[] _targets;
    private readonly Lock _gate = new();
    private TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _pending;

    /// <summary>Builds and starts the nodes; call <see cref="WaitForRingAsync"/> before sending.</summary>
    public TotemRingCluster(int nodes = 3, int rings = 2, bool secauth = true, int queueCapacity = 1 << 16)
    {
        var network = new InMemoryNetwork(TimeProvider.System, seed: 1) { ReceiveQueueCapacity = queueCapacity };
        _transports = new RingSet[nodes];
        _totems = new TotemRing[nodes];
        _readers = new Task[nodes];
        _delivered = new long[nodes];
        _targets = new long[nodes];
        var timings = new Clustering.Transport.Configuration.TotemTimings { Token = TimeSpan.FromMilliseconds(1000), Consensus = TimeSpan.FromMilliseconds(1200) };
        for (var n = 0; n < nodes; n++)
        {
            var id = n + 1;
            _transports[n] = new RingSet(
                [.. Enumerable.Range(0, rings).Select(r => network.CreateRing(r, new IPEndPoint(IPAddress.Parse($"127.0.{r}.{id}"), 5405)))],
                secauth ? _key : null,
                new RingSetOptions
                {
                    NodeId = (uint)id,
                    Protection = secauth
                        ? new FrameProtectorOptions { ClusterName = "bench", Hash = CryptoHash.Sha256, Cipher = CryptoCipher.Aes256 }
                        : new FrameProtectorOptions { ClusterName = "bench", Hash = CryptoHash.None, Cipher = CryptoCipher.None },
                    Redundancy = new RedundancyOptions { Mode = rings > 1 ? RrpMode.Active : RrpMode.None },
                    ReceiveQueueCapacity = queueCapacity,
                });
            _totems[n] = new TotemRing(_transports[n], new TotemRingOptions { Timings = timings, SendQueueCapacity = 4096 });
            var index = n;
            var totem = _totems[n];
            _readers[n] = Task.Run(async () =>
            {
                var reader = totem.Events;
                long delivered = 0;
                while (await reader.WaitToReadAsync().ConfigureAwait(false))
                {
                    while (reader.TryRead(out var e))
                    {
                        if (e is TotemDelivery delivery)
                        {
                            delivered++;
                            delivery.Dispose(); // the reader is done with it: the ring reuses it and its buffer
                        }
                    }

                    Volatile.Write(ref _delivered[index], delivered);
                    if (delivered >= Volatile.Read(ref _targets[index]))
                    {
                        Reached(index);
                    }
                }
            });
        }

        foreach (var totem in _totems)
        {
            totem.Start();
        }
    }

    /// <summary>Waits until every node is in one ring of all nodes.</summary>
    public async Task WaitForRingAsync()
    {
        var all = _totems.Select(t => t.NodeId).ToArray();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!_totems.All(t => t.Configuration?.Members.SequenceEqual(all) == true))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("the benchmark ring did not form");
            }

            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    /// <summary>Sends <paramref name="count"/> copies of <paramref name="message"/> from node 1; waits until all nodes delivered them.</summary>
    public async Task SendAndWaitAsync(ReadOnlyMemory<byte> message, int count)
    {
        Task done;
        lock (_gate)
        {
            _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _pending = _delivered.Length;
            for (var n = 0; n < _delivered.Length; n++)
            {
                Volatile.Write(ref _targets[n], Volatile.Read(ref _delivered[n]) + count);
            }

            done = _done.Task;
        }

        var sender = _totems[0];
        for (var i = 0; i < count; i++)
        {
            if (!sender.TrySend(message))
            {
                await sender.SendAsync(message).ConfigureAwait(false);
            }
        }

        for (var n = 0; n < _delivered.Length; n++)
        {
            if (Volatile.Read(ref _delivered[n]) >= Volatile.Read(ref _targets[n]))
            {
                Reached(n);
            }
        }

        await done.WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
    }

    private void Reached(int node)
    {
        lock (_gate)
        {
            if (_targets[node] > 0 && Volatile.Read(ref _delivered[node]) >= _targets[node])
            {
                _targets[node] = long.MaxValue;
                if (--_pending == 0)
                {
                    _done.TrySetResult();
                }
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (var totem in _totems)
        {
            await totem.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var transport in _transports)
        {
            await transport.DisposeAsync().ConfigureAwait(false);
        }

        await Task.WhenAll(_readers).ConfigureAwait(false);
        _key.Dispose();
    }
}
