using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using Clustering.Membership.Groups;
using Clustering.Membership.Quorum;
using Clustering.Membership.Totem;
using Clustering.Transport.Redundancy;
using Clustering.Transport.Rings;
using Clustering.Transport.Security;

namespace Clustering.Node.Tests.SteadyState;

/// <summary>The network a <see cref="DeliveryRig"/> runs over.</summary>
public enum RigNetwork
{
    /// <summary>The in-memory test network (<see cref="InMemoryNetwork"/>).</summary>
    InMemory,

    /// <summary>Real UDP multicast rings on loopback addresses (127.x.y.z), one group and port per ring.</summary>
    UdpLoopback,
}

/// <summary>
/// Three <see cref="ClusterNode"/>s in this process over two rings in rrp_mode active with secauth (sha256 + aes256),
/// one group joined at every node, node 1 sending, and one reader per member that reads <see cref="ClusterGroup.Events"/>
/// zero-copy and disposes every message. Shared by the steady-state allocation tests and NodeDeliveryBenchmarks
/// (linked into the benchmark project), so both measure the same path.
/// </summary>
/// <remarks>
/// <para>Nothing here allocates per message once started: the readers wait with <c>WaitToReadAsync()</c> without a
/// token (the channel's reusable waiter) and the sender awaits <see cref="ClusterGroup.SendAsync"/>, which completes
/// at once while the node's send queue has room (<see cref="SendQueueCapacity"/> is larger than any batch sent). What
/// a batch allocates on its own (one completion source, one timed wait) does not grow with its size.</para>
/// <para>When the node's assembly is a Debug build (as the tests run in CI), every call of an async method allocates
/// its state machine, which the compiler then makes a class, whatever the method does: there the rig sends what
/// <see cref="ClusterGroup.SendAsync"/> sends — the group's data message with the same header — straight into the
/// sending node's Totem ring (<see cref="TotemRing.TrySend"/>, not async), so that what is measured is still the
/// node's own path and not the build's. <see cref="SendsThroughTotem"/> says which.</para>
/// </remarks>
public sealed class DeliveryRig : IAsyncDisposable
{
    /// <summary>The largest batch <see cref="SendAndWaitAsync"/> takes: the node's send queue holds it whole.</summary>
    public const int SendQueueCapacity = 1 << 14;

    private const int BindAttempts = 20;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly Authkey _key = Authkey.Generate();
    private readonly byte[] _payload;
    private byte[] _message = [];
    private TotemRing? _totem;
    private ClusterNode[] _nodes = [];
    private ClusterGroup[] _groups = [];
    private Task[] _readers = [];
    private long[] _read = [];
    private long[] _targets = [];
    private int _pending;
    private TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private DeliveryRig(RigNetwork network, int payloadSize)
    {
        Network = network;
        _payload = new byte[payloadSize];
        Random.Shared.NextBytes(_payload);
    }

    /// <summary>The network the nodes run over.</summary>
    public RigNetwork Network { get; }

    /// <summary>The in-memory network, when <see cref="Network"/> is <see cref="RigNetwork.InMemory"/>.</summary>
    public InMemoryNetwork? Memory { get; private set; }

    /// <summary>
    /// Whether messages go straight into node 1's Totem ring (a Debug build of the node) rather than through
    /// <see cref="ClusterGroup.SendAsync"/>.
    /// </summary>
    public static bool SendsThroughTotem { get; } =
        typeof(ClusterNode).Assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled == true;

    /// <summary>The nodes, node 1 first.</summary>
    public IReadOnlyList<ClusterNode> Nodes => _nodes;

    /// <summary>The messages each member's reader has read so far.</summary>
    public long ReadBy(int member) => Volatile.Read(ref _read[member]);

    /// <summary>Starts the nodes, waits for the ring of three, joins the group everywhere and starts the readers.</summary>
    /// <param name="network">The network to run over.</param>
    /// <param name="payloadSize">The size of every message sent.</param>
    /// <exception cref="TimeoutException">The ring or the group did not form within a minute.</exception>
    public static async Task<DeliveryRig> StartAsync(RigNetwork network, int payloadSize)
    {
        var rig = new DeliveryRig(network, payloadSize);
        try
        {
            await rig.SetupAsync().ConfigureAwait(false);
            return rig;
        }
        catch
        {
            await rig.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sends <paramref name="count"/> messages from node 1 and waits until every member has read them all.</summary>
    /// <param name="count">How many messages (1 to <see cref="SendQueueCapacity"/>).</param>
    /// <exception cref="TimeoutException">Not every member read them within a minute.</exception>
    public async Task SendAndWaitAsync(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, SendQueueCapacity);
        _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _pending, _groups.Length);
        for (var i = 0; i < _targets.Length; i++)
        {
            Interlocked.Add(ref _targets[i], count);
        }

        // A reader that had read everything before the new target was set is waiting for the next message, which
        // comes: each batch sends at least one.
        var sender = _groups[0];
        for (var i = 0; i < count; i++)
        {
            if (_totem is null)
            {
                await sender.SendAsync(_payload).ConfigureAwait(false);
            }
            else if (!_totem.TrySend(_message))
            {
                await _totem.SendAsync(_message).ConfigureAwait(false); // the queue is full: wait for room
            }
        }

        try
        {
            await _done.Task.WaitAsync(Timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                $"{Network}: not every member read {count} messages within {Timeout.TotalSeconds} s (read: {string.Join(", ", _read)}; wanted {string.Join(", ", _targets)})"));
        }
    }

    /// <summary>Stops the nodes and waits for the readers to end.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync().ConfigureAwait(false);
        }

        // The readers end when their node stops (the group's events complete).
        await Task.WhenAny(Task.WhenAll(_readers), Task.Delay(TimeSpan.FromSeconds(10))).ConfigureAwait(false);
        _key.Dispose();
    }

    private async Task SetupAsync()
    {
        var rings = CreateRings();
        _nodes = new ClusterNode[3];
        for (var n = 0; n < _nodes.Length; n++)
        {
            var options = new ClusterNodeOptions
            {
                NodeId = (uint)(n + 1),
                ClusterName = "delivery-rig",
                Authkey = _key,
                CryptoHash = CryptoHash.Sha256,
                CryptoCipher = CryptoCipher.Aes256,
                Redundancy = new RedundancyOptions { Mode = RrpMode.Active },
                Timings = new Clustering.Transport.Configuration.TotemTimings { Token = TimeSpan.FromMilliseconds(1000), Consensus = TimeSpan.FromMilliseconds(1200) },
                Quorum = new VoteQuorumOptions { ExpectedVotes = 3 },
                SendQueueCapacity = SendQueueCapacity,
                GroupEventQueueCapacity = SendQueueCapacity,
            };
            foreach (var ring in rings[n])
            {
                options.Rings.Add(() => ring);
            }

            _nodes[n] = ClusterNodeBuilder.FromOptions(options).Build();
        }

        foreach (var node in _nodes)
        {
            await node.StartAsync().ConfigureAwait(false);
        }

        await WaitAsync(() => _nodes.All(n => n.Membership?.Members.Count == 3), "the ring of three").ConfigureAwait(false);
        _groups = new ClusterGroup[_nodes.Length];
        for (var n = 0; n < _nodes.Length; n++)
        {
            _groups[n] = await _nodes[n].JoinGroupAsync("rig").ConfigureAwait(false);
        }

        await WaitAsync(() => _groups.All(g => g.Members.Count == 3), "the group of three").ConfigureAwait(false);
        if (SendsThroughTotem)
        {
            _message = ClusterNode.Frame(ProcessGroupTable.Send(_groups[0].Name, _groups[0].Member.ProcessId, _payload));
            _totem = _nodes[0].Totem;
        }

        _read = new long[_groups.Length];
        _targets = new long[_groups.Length];
        _readers = [.. _groups.Select((g, i) => Task.Run(() => ReadAsync(g, i)))];
    }

    /// <summary>Two rings per node: created here, before the nodes, so that a port taken by another run is retried.</summary>
    private IRing[][] CreateRings()
    {
        if (Network == RigNetwork.InMemory)
        {
            Memory = new InMemoryNetwork(TimeProvider.System, seed: 1) { ReceiveQueueCapacity = SendQueueCapacity };
            return [.. Enumerable.Range(1, 3).Select(id => Enumerable.Range(0, 2)
                .Select(r => Memory.CreateRing(r, new IPEndPoint(IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"127.0.{r}.{id}")), 5405)))
                .ToArray())];
        }

        for (var attempt = 0; ; attempt++)
        {
            var created = new List<IRing>();
            try
            {
                // A random loopback /16 per attempt for the nodes, a random group and port per ring: runs in parallel do not meet.
                var net = Random.Shared.Next(1, 255);
                var sub = Random.Shared.Next(0, 250);
                var port = Random.Shared.Next(20_000, 60_000) & ~1;
                var groups = Enumerable.Range(0, 2).Select(_ => new IPAddress([239, 192, (byte)Random.Shared.Next(0, 256), (byte)Random.Shared.Next(1, 255)])).ToArray();
                var rings = new IRing[3][];
                for (var n = 0; n < 3; n++)
                {
                    rings[n] = new IRing[2];
                    for (var r = 0; r < 2; r++)
                    {
                        var ring = UdpMulticastRing.Create(new UdpMulticastRingOptions
                        {
                            RingNumber = r,
                            LocalAddress = new IPAddress([127, (byte)net, (byte)(sub + r), (byte)(n + 2)]),
                            MulticastAddress = groups[r],
                            MulticastPort = port + (2 * r) + 2,
                            ReceiveQueueCapacity = SendQueueCapacity,
                        });
                        created.Add(ring);
                        rings[n][r] = ring;
                    }
                }

                return rings;
            }
            catch (RingBindException e) when (e.SocketError == SocketError.AddressAlreadyInUse && attempt < BindAttempts)
            {
                foreach (var ring in created)
                {
                    ring.DisposeAsync().AsTask().GetAwaiter().GetResult();
                }
            }
        }
    }

    private async Task ReadAsync(ClusterGroup group, int index)
    {
        var events = group.Events;
        var reached = 0L;
        while (await events.WaitToReadAsync().ConfigureAwait(false))
        {
            var read = Volatile.Read(ref _read[index]);
            while (events.TryRead(out var e))
            {
                if (e is GroupMessage message)
                {
                    message.Dispose();
                    read++;
                }
            }

            Volatile.Write(ref _read[index], read);
            var target = Volatile.Read(ref _targets[index]);
            if (read >= target && target > reached)
            {
                reached = target;
                if (Interlocked.Decrement(ref _pending) == 0)
                {
                    _done.TrySetResult();
                }
            }
        }
    }

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"not reached within {Timeout.TotalSeconds} s: {what}");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }
}
