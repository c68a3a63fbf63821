using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clustering.Transport.Rings;

/// <summary>
/// A simulated network for tests: rings with the same ring number share one "wire", and every datagram
/// crosses it through seeded fault injection (loss, duplication, corruption, delay, jitter-driven
/// reordering), partitions and per-node link cuts. Delays run on the injected <see cref="TimeProvider"/>,
/// so with a fake time provider and a fixed seed a run is exactly repeatable.
/// </summary>
/// <remarks>
/// <para>Faults are drawn per receiver, in send order, from one <see cref="Random"/> seeded by the constructor.
/// With no delay and no jitter a datagram is written into each receiver's queue synchronously, before the
/// send returns; otherwise each copy is scheduled with a timer on the time provider.</para>
/// <para>Partitions and cuts are applied when a datagram is sent: a copy already in flight still arrives,
/// as on a real wire.</para>
/// <para>A ring read through <see cref="IRing.Received"/> gets each copy in that queue. A ring whose reader takes the
/// push path (a <see cref="Redundancy.RingSet"/> does) gets it on the ring's own delivery thread, as a UDP ring gets
/// it on its receive thread: the sender only queues the copy. Copies live in buffers of the network's own pool, so a
/// steady flow of datagrams allocates nothing.</para>
/// </remarks>
public sealed class InMemoryNetwork
{
    /// <summary>The default <see cref="MaxDatagramSize"/>: the largest UDP payload over IPv4.</summary>
    public const int DefaultMaxDatagramSize = 65_507;

    /// <summary>The default <see cref="ReceiveQueueCapacity"/>.</summary>
    public const int DefaultReceiveQueueCapacity = 1024;

    private readonly Lock _gate = new();
    private readonly DatagramPool _pool = new();
    private readonly TimeProvider _timeProvider;
    private readonly Random _random;
    private readonly Dictionary<int, Wire> _wires = [];
    private readonly Dictionary<IPEndPoint, int> _partitionGroups = [];
    private readonly HashSet<IPEndPoint> _cutOnAllRings = [];
    private readonly HashSet<(IPEndPoint EndPoint, int RingNumber)> _cutOnRing = [];
    private NetworkFaults _faults;
    private int _maxDatagramSize = DefaultMaxDatagramSize;
    private int _receiveQueueCapacity = DefaultReceiveQueueCapacity;

    /// <summary>Creates an empty network.</summary>
    /// <param name="timeProvider">Schedules delayed deliveries; use a fake one for deterministic tests.</param>
    /// <param name="seed">Seeds every fault decision.</param>
    /// <param name="faults">The faults to inject from the start; none when <see langword="null"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="faults"/> has a value out of range.</exception>
    public InMemoryNetwork(TimeProvider timeProvider, int seed, NetworkFaults? faults = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        faults ??= NetworkFaults.None;
        faults.Validate();
        _timeProvider = timeProvider;
        _random = new Random(seed);
        _faults = faults;
    }

    /// <summary>The faults applied to datagrams sent from now on. Setting validates the value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value has a probability outside 0..1 or a negative delay.</exception>
    public NetworkFaults Faults
    {
        get
        {
            lock (_gate)
            {
                return _faults;
            }
        }

        set
        {
            ArgumentNullException.ThrowIfNull(value);
            value.Validate();
            lock (_gate)
            {
                _faults = value;
            }
        }
    }

    /// <summary>The <see cref="IRing.MaxDatagramSize"/> of rings created from now on (1 to 65 507).</summary>
    public int MaxDatagramSize
    {
        get => _maxDatagramSize;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, DefaultMaxDatagramSize);
            _maxDatagramSize = value;
        }
    }

    /// <summary>How many received datagrams a ring created from now on queues before it drops and counts overflows.</summary>
    public int ReceiveQueueCapacity
    {
        get => _receiveQueueCapacity;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _receiveQueueCapacity = value;
        }
    }

    /// <summary>Where rings created from now on log (a receiver that throws on the push path); nowhere when <see langword="null"/>.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>What the network did with the datagrams it carried.</summary>
    public InMemoryNetworkCounters Counters { get; } = new();

    /// <summary>Attaches a node to the wire of ring <paramref name="ringNumber"/> at <paramref name="endPoint"/>.</summary>
    /// <param name="ringNumber">The ring (0 to 7); rings with the same number reach each other.</param>
    /// <param name="endPoint">The node's address on that ring; unique per ring.</param>
    /// <returns>The ring; dispose it to detach the node.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ringNumber"/> is not 0 to 7.</exception>
    /// <exception cref="ArgumentException">Another ring with that number is already attached at <paramref name="endPoint"/>.</exception>
    public IRing CreateRing(int ringNumber, IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentOutOfRangeException.ThrowIfNegative(ringNumber);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(ringNumber, Redundancy.RedundancyLimits.MaxRings);
        lock (_gate)
        {
            if (!_wires.TryGetValue(ringNumber, out var wire))
            {
                wire = new Wire();
                _wires.Add(ringNumber, wire);
            }

            if (wire.ByEndPoint.ContainsKey(endPoint))
            {
                throw new ArgumentException($"Ring {ringNumber} already has a node attached at {endPoint}.", nameof(endPoint));
            }

            var logger = (ILogger?)LoggerFactory?.CreateLogger<InMemoryNetwork>() ?? NullLogger.Instance;
            var ring = new InMemoryRing(this, _pool, logger, ringNumber, endPoint, _maxDatagramSize, _receiveQueueCapacity);
            wire.ByEndPoint.Add(endPoint, ring);
            wire.Members.Add(ring);
            return ring;
        }
    }

    /// <summary>
    /// Splits the network: endpoints in different groups no longer reach each other, on any ring. Endpoints
    /// not named in any group form one more group of their own. Replaces any previous partition.
    /// </summary>
    /// <param name="groups">The sides of the partition, as ring endpoints.</param>
    /// <exception cref="ArgumentException">An endpoint is named in more than one group.</exception>
    public void Partition(params IPEndPoint[][] groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var map = new Dictionary<IPEndPoint, int>();
        for (var i = 0; i < groups.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(groups[i], nameof(groups));
            foreach (var endPoint in groups[i])
            {
                ArgumentNullException.ThrowIfNull(endPoint, nameof(groups));
                if (map.TryGetValue(endPoint, out var other) && other != i)
                {
                    throw new ArgumentException($"{endPoint} is in partition groups {other} and {i}; each endpoint belongs to one group.", nameof(groups));
                }

                map[endPoint] = i;
            }
        }

        lock (_gate)
        {
            _partitionGroups.Clear();
            foreach (var (endPoint, group) in map)
            {
                _partitionGroups.Add(endPoint, group);
            }
        }
    }

    /// <summary>Ends a partition: every endpoint reaches every other again (cut links stay cut).</summary>
    public void Heal()
    {
        lock (_gate)
        {
            _partitionGroups.Clear();
        }
    }

    /// <summary>Cuts one node's link: nothing it sends arrives and nothing reaches it.</summary>
    /// <param name="endPoint">The node's ring endpoint.</param>
    /// <param name="ringNumber">The ring to cut it from, or <see langword="null"/> for every ring.</param>
    public void Disconnect(IPEndPoint endPoint, int? ringNumber = null)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        lock (_gate)
        {
            if (ringNumber is { } ring)
            {
                _cutOnRing.Add((endPoint, ring));
            }
            else
            {
                _cutOnAllRings.Add(endPoint);
            }
        }
    }

    /// <summary>Restores a link cut by <see cref="Disconnect"/>.</summary>
    /// <param name="endPoint">The node's ring endpoint.</param>
    /// <param name="ringNumber">The ring to restore, or <see langword="null"/> to restore every cut of that endpoint.</param>
    public void Reconnect(IPEndPoint endPoint, int? ringNumber = null)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        lock (_gate)
        {
            if (ringNumber is { } ring)
            {
                _cutOnRing.Remove((endPoint, ring));
            }
            else
            {
                _cutOnAllRings.Remove(endPoint);
                _cutOnRing.RemoveWhere(c => c.EndPoint.Equals(endPoint));
            }
        }
    }

    /// <summary>The pool every copy is rented from (for tests).</summary>
    internal DatagramPool Pool => _pool;

    internal void Send(InMemoryRing sender, IPEndPoint? destination, ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            if (!_wires.TryGetValue(sender.RingNumber, out var wire))
            {
                return;
            }

            if (destination is null)
            {
                foreach (var receiver in wire.Members)
                {
                    if (!ReferenceEquals(receiver, sender))
                    {
                        Route(sender, receiver, data);
                    }
                }
            }
            else if (wire.ByEndPoint.TryGetValue(destination, out var receiver))
            {
                if (!ReferenceEquals(receiver, sender))
                {
                    Route(sender, receiver, data);
                }
            }
            else
            {
                Counters.OnUnreachable();
            }
        }
    }

    internal void Detach(InMemoryRing ring)
    {
        lock (_gate)
        {
            if (_wires.TryGetValue(ring.RingNumber, out var wire) && wire.ByEndPoint.Remove(ring.LocalEndPoint))
            {
                wire.Members.Remove(ring);
            }
        }
    }

    private bool IsBlocked(InMemoryRing sender, InMemoryRing receiver)
    {
        if (IsCut(sender) || IsCut(receiver))
        {
            return true;
        }

        if (_partitionGroups.Count == 0)
        {
            return false;
        }

        var senderGroup = _partitionGroups.TryGetValue(sender.LocalEndPoint, out var g1) ? g1 : -1;
        var receiverGroup = _partitionGroups.TryGetValue(receiver.LocalEndPoint, out var g2) ? g2 : -1;
        return senderGroup != receiverGroup;
    }

    private bool IsCut(InMemoryRing ring) =>
        _cutOnAllRings.Contains(ring.LocalEndPoint) || _cutOnRing.Contains((ring.LocalEndPoint, ring.RingNumber));

    // Called under _gate: every random draw happens in send order.
    private void Route(InMemoryRing sender, InMemoryRing receiver, ReadOnlySpan<byte> data)
    {
        if (IsBlocked(sender, receiver))
        {
            Counters.OnBlocked();
            return;
        }

        var faults = _faults;
        if (_random.NextDouble() < faults.Loss)
        {
            Counters.OnLost();
            return;
        }

        var copies = 1;
        if (_random.NextDouble() < faults.Duplication)
        {
            copies = 2;
            Counters.OnDuplicated();
        }

        for (var copy = 0; copy < copies; copy++)
        {
            var buffer = _pool.Rent(data.Length);
            data.CopyTo(buffer);
            if (data.Length > 0 && _random.NextDouble() < faults.Corruption)
            {
                buffer[_random.Next(data.Length)] ^= (byte)_random.Next(1, 256);
                Counters.OnCorrupted();
            }

            var delay = faults.Delay;
            if (faults.Jitter > TimeSpan.Zero)
            {
                delay += TimeSpan.FromTicks((long)(_random.NextDouble() * faults.Jitter.Ticks));
            }

            if (delay <= TimeSpan.Zero)
            {
                Counters.OnDelivered();
                receiver.Enqueue(sender.LocalEndPoint, buffer, data.Length);
            }
            else
            {
                Counters.OnDelayed();
                var pending = new PendingDelivery(this, receiver, sender.LocalEndPoint, buffer, data.Length);
                pending.Timer = _timeProvider.CreateTimer(static state => ((PendingDelivery)state!).Fire(), pending, delay, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private sealed class Wire
    {
        public List<InMemoryRing> Members { get; } = [];

        public Dictionary<IPEndPoint, InMemoryRing> ByEndPoint { get; } = [];
    }

    private sealed class PendingDelivery(InMemoryNetwork network, InMemoryRing receiver, IPEndPoint source, byte[] buffer, int length)
    {
        public ITimer? Timer { get; set; }

        public void Fire()
        {
            // Taking the gate also waits until the sender stored Timer, for a real time provider's early callback.
            lock (network._gate)
            {
                Timer?.Dispose();
                if (receiver.IsDisposed)
                {
                    network._pool.Return(buffer);
                    network.Counters.OnUnreachable();
                    return;
                }

                network.Counters.OnDelivered();
                receiver.Enqueue(source, buffer, length);
            }
        }
    }
}
