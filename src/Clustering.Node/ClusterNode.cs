using System.Threading.Channels;
using System.Reflection;
using Clustering.Membership.Groups;
using Clustering.Membership.Quorum;
using Clustering.Membership.Totem;
using Clustering.Node.Admin;
using Clustering.Node.Diagnostics;
using Clustering.Node.Internal;
using Clustering.Transport.Redundancy;
using Clustering.Transport.Rings;
using Clustering.Transport.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clustering.Node;

/// <summary>
/// A cluster node: its redundant rings, the Totem protocol over them, votequorum and process groups, composed in
/// one object a service embeds. Build one with <see cref="ClusterNodeBuilder"/>, <see cref="StartAsync"/> it, watch
/// <see cref="Membership"/> and <see cref="Quorum"/>, and <see cref="JoinGroupAsync"/> to exchange ordered messages.
/// </summary>
/// <remarks>
/// <para>One dispatcher reads the Totem ring's events in total order and feeds votequorum and the process-group
/// table; every member applies the same events in the same order, so every member computes the same quorum and
/// group memberships.</para>
/// <para>Votequorum's exchange: after each regular configuration every node sends, in agreed order, its votes,
/// the expected votes it holds and its quorum flags (see <c>Internal/QuorumInfo</c>). Members that stay from the
/// previous configuration keep the votes already counted; a node new to the configuration is counted once its
/// message is delivered. An advertised expected-votes higher than this node's raises it, as in votequorum.</para>
/// </remarks>
public sealed partial class ClusterNode : IAsyncDisposable
{
    private readonly ClusterNodeOptions _options;
    private readonly VoteQuorumOptions _quorumOptions;
    private readonly Authkey? _ownedAuthkey;
    private readonly UdpReceiveLoop? _receiveLoop;
    private readonly TimeProvider _time;
    private readonly long _start;
    private readonly ILogger _logger;
    private readonly NodeMetrics _metrics;
    private readonly VoteQuorum _voteQuorum;
    private readonly ProcessGroupTable _groups;
    private readonly Lock _groupsGate = new();
    private readonly Dictionary<uint, QuorumInfo> _heard = [];
    private readonly Broadcast<ClusterMembership> _membership = new();
    private readonly Broadcast<QuorumSnapshot> _quorum = new();
    private readonly Channel<byte[]> _control = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    // Local group handles by name, copy-on-write under _gate: the dispatcher reads the current map with neither a
    // lock nor a copy per event; joins and leaves, which are rare, build a new map.
    private Dictionary<string, ClusterGroup[]> _handles = new(StringComparer.Ordinal);
    private IRing[] _rings = [];
    private RingSet? _ringSet;
    private TotemRing? _totem;
    private AdminEndpoint? _admin;
    private Task _dispatcher = Task.CompletedTask;
    private Task _controlSender = Task.CompletedTask;
    private uint _nextMemberId;
    private int _state; // 0 new, 1 started, 2 stopping/stopped

    /// <param name="options">The node's options.</param>
    /// <param name="ownedAuthkey">A key the node disposes when it stops.</param>
    /// <param name="receiveLoop">The shared receive thread of the node's UDP rings (built by <see cref="ClusterNodeBuilder"/>); disposed after the rings.</param>
    internal ClusterNode(ClusterNodeOptions options, Authkey? ownedAuthkey, UdpReceiveLoop? receiveLoop = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _quorumOptions = options.Quorum!;
        _ownedAuthkey = ownedAuthkey;
        _receiveLoop = receiveLoop;
        _time = options.TimeProvider;
        _start = _time.GetTimestamp();
        _logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<ClusterNode>();
        _metrics = new NodeMetrics(options.MeterFactory, () => Statistics);
        _voteQuorum = new VoteQuorum(_quorumOptions);
        _groups = new ProcessGroupTable(options.NodeId);
        _quorum.Publish(_voteQuorum.Current);
        _nextMemberId = unchecked((uint)Environment.ProcessId - 1);
    }

    /// <summary>This node's id.</summary>
    public uint NodeId => _options.NodeId;

    /// <summary>The cluster's name.</summary>
    public string ClusterName => _options.ClusterName;

    /// <summary>Whether the node has been started and not yet stopped.</summary>
    public bool IsRunning => Volatile.Read(ref _state) == 1;

    /// <summary>The current membership of this node's partition, or <see langword="null"/> before the first ring forms.</summary>
    public ClusterMembership? Membership => _membership.Current;

    /// <summary>The current quorum state of this node's partition.</summary>
    public QuorumSnapshot Quorum => _quorum.Current!;

    /// <summary>Whether this node's partition is quorate.</summary>
    public bool IsQuorate => Quorum.Quorate;

    /// <summary>The current membership, then every new one, until the node stops or <paramref name="cancellationToken"/> fires. A slow reader skips to the latest.</summary>
    /// <param name="cancellationToken">Ends the stream.</param>
    public IAsyncEnumerable<ClusterMembership> WatchMembershipAsync(CancellationToken cancellationToken = default) => _membership.WatchAsync(cancellationToken);

    /// <summary>The current quorum state, then every change, until the node stops or <paramref name="cancellationToken"/> fires. A slow reader skips to the latest.</summary>
    /// <param name="cancellationToken">Ends the stream.</param>
    public IAsyncEnumerable<QuorumSnapshot> WatchQuorumAsync(CancellationToken cancellationToken = default) => _quorum.WatchAsync(cancellationToken);

    /// <summary>The node's clock.</summary>
    internal TimeProvider Time => _time;

    private TimeSpan Now => _time.GetElapsedTime(_start);

    internal TotemRing Totem => _totem ?? throw new InvalidOperationException("The node is not started.");

    /// <summary>Creates the rings, starts Totem and the dispatcher: the node forms a ring alone, then merges with every node it hears.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="InvalidOperationException">Already started or stopped.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("The node is already started or stopped.");
        }

        NodeLog.Starting(_logger, NodeId, ClusterName, _options.Rings.Count);
        var created = new List<IRing>();
        try
        {
            foreach (var factory in _options.Rings)
            {
                created.Add(factory() ?? throw new InvalidOperationException($"Ring factory {created.Count} returned null."));
            }

            _rings = [.. created];
            _ringSet = new RingSet(_rings, _options.Authkey, new RingSetOptions
            {
                NodeId = NodeId,
                Protection = new FrameProtectorOptions
                {
                    ClusterName = ClusterName,
                    Hash = _options.CryptoHash,
                    Cipher = _options.CryptoCipher,
                },
                Redundancy = _options.Redundancy,
                MeterFactory = _options.MeterFactory,
            }, _time, _options.LoggerFactory);
            _totem = new TotemRing(_ringSet, new TotemRingOptions
            {
                Timings = _options.Timings,

                // Corosync applies token_coefficient by the nodelist's size, read once: the nodes with votes here.
                NodelistSize = _options.Quorum!.NodeVotes.Count,
                NetMtu = _options.NetMtu,
                SendQueueCapacity = _options.SendQueueCapacity,
                AcceleratedWindow = _options.AcceleratedWindow,
                StateDirectory = _options.StateDirectory,

                // The dispatcher only hands events on (and awaits a full group buffer): it runs on the thread that
                // delivered, once that thread has sent the token on, with no hand-off to the thread pool.
                InlineEventReader = true,

                // The messages of the frames that arrived together come as one event: one wake-up of the dispatcher.
                // The queue then counts batches (of at most MaxCount messages): as many messages as the default holds.
                BatchDeliveries = true,
                EventQueueCapacity = new TotemRingOptions().EventQueueCapacity / TotemDeliveryBatch.MaxCount,
            }, _time, _options.LoggerFactory);
        }
        catch
        {
            // The node cannot run: release what was created, and refuse to start again.
            Volatile.Write(ref _state, 2);
            if (_ringSet is not null)
            {
                await _ringSet.DisposeAsync().ConfigureAwait(false);
            }

            foreach (var ring in created)
            {
                await ring.DisposeAsync().ConfigureAwait(false);
            }

            if (_receiveLoop is not null)
            {
                await _receiveLoop.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        _dispatcher = Task.Run(DispatchAsync, CancellationToken.None);
        _controlSender = Task.Run(SendControlAsync, CancellationToken.None);
        _totem.Start();
        if (_options.AdminSocketPath is { } adminPath)
        {
            try
            {
                _admin = AdminEndpoint.Start(adminPath, this, (_options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<AdminEndpoint>(), _metrics);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
            {
                await ShutdownAsync(" (its admin socket could not be created)").ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>The path of the admin socket this node serves, or <see langword="null"/> when it serves none (not started, stopped, or <see cref="ClusterNodeOptions.AdminSocketPath"/> unset).</summary>
    public string? AdminSocketPath => IsRunning ? _admin?.Path : null;

    /// <summary>The admin endpoint, when <see cref="ClusterNodeOptions.AdminSocketPath"/> is set and the node runs.</summary>
    internal AdminEndpoint? AdminEndpoint => _admin;

    /// <summary>What the admin endpoint answers to <see cref="AdminRequestKind.NodeInfo"/>.</summary>
    internal WireNodeInfo GetAdminInfo()
    {
        var membership = Membership;
        var ids = _options.NodeAddresses.Keys.Concat(_options.NodeNames.Keys).Concat(membership?.Members ?? []).Append(NodeId).Distinct().Order();
        var nodes = ids.Select(id => new WireNodeAddresses(
            id,
            _options.NodeNames.TryGetValue(id, out var name) ? name : null,
            _options.NodeAddresses.TryGetValue(id, out var addresses) ? [.. addresses.Select(a => a.ToString())]
                : id == NodeId && _ringSet is { } rings ? [.. rings.GetStatus().Rings.Select(r => r.Address.ToString())] : []));
        return new WireNodeInfo(
            NodeId,
            ClusterName,
            typeof(ClusterNode).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
            Environment.ProcessId,
            IsRunning,
            membership is { } m ? m.RingId.ToString() : null,
            [.. membership?.Members ?? []],
            IsQuorate,
            Now.TotalSeconds,
            [.. nodes]);
    }

    /// <summary>
    /// Joins the process group <paramref name="name"/> as a new member of this node and waits until the join is
    /// delivered in total order. Several handles may join the same group; each is a distinct member.
    /// </summary>
    /// <param name="name">The group: 1 to 128 bytes of UTF-8.</param>
    /// <param name="cancellationToken">Stops waiting; the member then leaves again.</param>
    /// <returns>The joined group.</returns>
    /// <exception cref="ArgumentException">The name is empty or too long.</exception>
    /// <exception cref="InvalidOperationException">The node is not running.</exception>
    public async Task<ClusterGroup> JoinGroupAsync(string name, CancellationToken cancellationToken = default)
    {
        ProcessGroupTable.ValidateGroupName(name);
        EnsureRunning();
        var member = new GroupMember(NodeId, Interlocked.Increment(ref _nextMemberId));
        var group = new ClusterGroup(this, name, member, _options.GroupEventQueueCapacity, _options.InlineGroupReaders);
        lock (_gate)
        {
            var next = new Dictionary<string, ClusterGroup[]>(_handles, StringComparer.Ordinal);
            next[name] = next.TryGetValue(name, out var list) ? [.. list, group] : [group];
            Volatile.Write(ref _handles, next);
        }

        var sent = false;
        try
        {
            await Totem.SendAsync(Frame(ProcessGroupTable.Join(name, member.ProcessId)), MessageOrder.Agreed, cancellationToken).ConfigureAwait(false);
            sent = true;
            await group.JoinedTask.WaitAsync(cancellationToken).ConfigureAwait(false);
            return group;
        }
        catch (OperationCanceledException)
        {
            Unregister(group);
            if (sent)
            {
                _control.Writer.TryWrite(Frame(ProcessGroupTable.ProcessDown(member.ProcessId)));
            }

            group.Complete(null);
            throw;
        }
    }

    /// <summary>The rings' state as <c>corosync-cfgtool -s</c> reports it (<see cref="RingSetStatus.ToCfgtoolText"/>, exit code 1 while a ring is faulty).</summary>
    /// <exception cref="InvalidOperationException">The node is not started.</exception>
    public RingSetStatus GetRingStatus() => (_ringSet ?? throw new InvalidOperationException("The node is not started.")).GetStatus();

    /// <summary>Re-enables rings marked faulty, as <c>corosync-cfgtool -r</c> does.</summary>
    /// <exception cref="InvalidOperationException">The node is not started.</exception>
    public void ReenableFailedRings() => (_ringSet ?? throw new InvalidOperationException("The node is not started.")).ReenableFailedRings();

    /// <summary>This node's Totem counts (token rotations, frames sent, retransmissions); <see langword="null"/> before <see cref="StartAsync"/>.</summary>
    public TotemStatistics? Statistics => Volatile.Read(ref _totem)?.Statistics;

    /// <summary>The text of <c>corosync-quorumtool -s</c> for this node, dated now.</summary>
    public string GetQuorumReport()
    {
        var ringText = (Membership?.RingId ?? default).ToString();
        return QuorumtoolReport.Status(Quorum, NodeId, ringText, _time.GetLocalNow(), _options.NodeNames, VotesOf);
    }

    /// <summary>The text of <c>corosync-quorumtool -l</c>: the membership table.</summary>
    public string GetQuorumList() => QuorumtoolReport.List(Quorum, NodeId, _options.NodeNames, VotesOf);

    /// <summary>
    /// Every process group known in this node's partition with its members, ordered by name — what
    /// <c>corosync-cpgtool</c> lists. A snapshot: taken between two deliveries, so it is consistent with the total order.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<GroupMember>> GetProcessGroups()
    {
        lock (_groupsGate)
        {
            var groups = new SortedDictionary<string, IReadOnlyList<GroupMember>>(StringComparer.Ordinal);
            foreach (var name in _groups.Groups)
            {
                groups.Add(name, _groups.Members(name));
            }

            return groups;
        }
    }

    /// <summary>
    /// Graceful leave: every local group member leaves (the others see LEAVE), then the node stops; the others see
    /// it go and form a ring without it. Waits for the leaves to be delivered unless <paramref name="cancellationToken"/> fires first.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting for the leaves; the node stops anyway.</param>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _state) == 1)
        {
            List<ClusterGroup> joined = [.. Volatile.Read(ref _handles).Values.SelectMany(l => l).Where(g => g.IsJoined)];

            try
            {
                await Task.WhenAll(joined.Select(g => g.LeaveAsync(cancellationToken))).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stop anyway.
            }
            catch (InvalidOperationException)
            {
                // A group was left or the node stopped meanwhile.
            }
        }

        await ShutdownAsync(" after leaving its groups").ConfigureAwait(false);
    }

    /// <summary>Stops the node at once (the others see it fail: NODEDOWN) and releases its rings.</summary>
    public async ValueTask DisposeAsync() => await ShutdownAsync("").ConfigureAwait(false);

    internal ValueTask SendGroupAsync(ReadOnlyMemory<byte> message, MessageOrder order, CancellationToken cancellationToken)
    {
        EnsureRunning();
        return Totem.SendAsync(message, order, cancellationToken);
    }

    internal void SendGroupControl(byte[] message)
    {
        if (IsRunning)
        {
            _control.Writer.TryWrite(message);
        }
    }

    internal void Unregister(ClusterGroup group)
    {
        lock (_gate)
        {
            if (_handles.TryGetValue(group.Name, out var list) && Array.IndexOf(list, group) >= 0)
            {
                var next = new Dictionary<string, ClusterGroup[]>(_handles, StringComparer.Ordinal);
                var rest = Array.FindAll(list, g => g != group);
                if (rest.Length == 0)
                {
                    next.Remove(group.Name);
                }
                else
                {
                    next[group.Name] = rest;
                }

                Volatile.Write(ref _handles, next);
            }
        }
    }

    internal void EnsureRunning()
    {
        if (!IsRunning)
        {
            throw new InvalidOperationException("The node is not running.");
        }
    }

    /// <summary>A process-group message with the node's service byte in front.</summary>
    internal static byte[] Frame(byte[] groupMessage)
    {
        var framed = new byte[groupMessage.Length + 1];
        framed[0] = (byte)NodeService.Groups;
        groupMessage.CopyTo(framed, 1);
        return framed;
    }

    private int VotesOf(uint node) => _quorumOptions.VotesOf(node);

    private async Task ShutdownAsync(string how)
    {
        var previous = Interlocked.Exchange(ref _state, 2);
        if (previous == 2)
        {
            return;
        }

        if (_admin is not null)
        {
            await _admin.DisposeAsync().ConfigureAwait(false);
        }

        if (previous == 1)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            _control.Writer.TryComplete();
            if (_totem is not null)
            {
                await _totem.DisposeAsync().ConfigureAwait(false);
            }

            try
            {
                await Task.WhenAll(_dispatcher, _controlSender).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The dispatcher logged its failure when it happened; stopping still releases everything.
            }

            if (_ringSet is not null)
            {
                await _ringSet.DisposeAsync().ConfigureAwait(false);
            }

            foreach (var ring in _rings)
            {
                await ring.DisposeAsync().ConfigureAwait(false);
            }

            NodeLog.Stopped(_logger, NodeId, how);
        }

        List<ClusterGroup> handles;
        lock (_gate)
        {
            handles = [.. _handles.Values.SelectMany(l => l)];
            Volatile.Write(ref _handles, new Dictionary<string, ClusterGroup[]>(StringComparer.Ordinal));
        }

        foreach (var handle in handles)
        {
            handle.Complete(new InvalidOperationException("The node stopped."));
        }

        _membership.Complete();
        _quorum.Complete();
        _metrics.Dispose();
        _stop.Dispose();
        _ownedAuthkey?.Dispose();
        if (_receiveLoop is not null)
        {
            // After the rings (disposed above when the node ran): their sockets have left it.
            await _receiveLoop.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task SendControlAsync()
    {
        var token = _stop.Token;
        try
        {
            await foreach (var message in _control.Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                await Totem.SendAsync(message, MessageOrder.Agreed, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped.
        }
        catch (ObjectDisposedException)
        {
            // Totem stopped first.
        }
    }
}
