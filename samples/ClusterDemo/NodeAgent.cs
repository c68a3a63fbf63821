using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Clustering.Membership.Groups;
using Clustering.Membership.Totem;
using Clustering.Node;

namespace ClusterDemo;

/// <summary>
/// A real <see cref="ClusterNode"/> built from corosync.conf and its authkey, each ring wrapped in a
/// <see cref="CuttableRing"/>; it joins group "demo", sends numbered messages and books every delivery and group
/// membership change, so the orchestrator can compare what every node delivered.
/// </summary>
internal sealed class NodeAgent(uint nodeId, string configPath, string keyPath, Action<string> log) : IDemoNode
{
    private readonly DemoMeters _meters = new();
    private readonly List<CuttableRing> _rings = [];
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<(GroupMember Sender, int Number)>> _phases = new(StringComparer.Ordinal);
    private readonly List<string> _changes = [];
    private readonly Dictionary<string, int> _sent = new(StringComparer.Ordinal);
    private string[] _groupMembers = [];
    private ClusterNode? _node;
    private ClusterGroup? _group;
    private Task _reader = Task.CompletedTask;

    public uint NodeId => nodeId;

    private ClusterNode Node => _node ?? throw new InvalidOperationException($"node {nodeId} is not started");

    private ClusterGroup Group => _group ?? throw new InvalidOperationException($"node {nodeId} has not joined group {DemoSetup.GroupName}");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = ClusterNodeBuilder.FromCorosyncConfig(configPath, keyPath, nodeId, new CorosyncLog($"node{nodeId}", log));
        builder.Options.MeterFactory = _meters;

        // The configuration's UDP rings, each behind a switch that plays the pulled cable.
        var rings = builder.Options.Rings;
        for (var r = 0; r < rings.Count; r++)
        {
            var create = rings[r];
            rings[r] = () =>
            {
                var ring = new CuttableRing(create());
                lock (_gate)
                {
                    _rings.Add(ring);
                }

                return ring;
            };
        }

        _node = builder.Build();
        await _node.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task JoinGroupAsync(CancellationToken cancellationToken)
    {
        _group = await Node.JoinGroupAsync(DemoSetup.GroupName, cancellationToken).ConfigureAwait(false);
        var group = _group;
        _reader = Task.Run(() => RecordAsync(group), CancellationToken.None);
    }

    public async Task LeaveGroupAsync(CancellationToken cancellationToken)
    {
        await Group.LeaveAsync(cancellationToken).ConfigureAwait(false);
        await _reader.ConfigureAwait(false);
    }

    public async Task SendAsync(string phase, int count, CancellationToken cancellationToken)
    {
        // Numbers go on across calls of one phase, so the receivers can check each sender's order.
        var first = _sent.GetValueOrDefault(phase);
        _sent[phase] = first + count;
        for (var k = first; k < first + count; k++)
        {
            var order = k % 5 == 4 ? MessageOrder.Safe : MessageOrder.Agreed;
            await Group.SendAsync(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{phase}:{k}")), order, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task<NodeReport> ReportAsync(CancellationToken cancellationToken)
    {
        var node = Node;
        var membership = node.Membership;
        var quorum = node.Quorum;
        var faulty = node.IsRunning ? node.GetRingStatus().Rings.Where(r => r.IsFaulty).Select(r => r.RingNumber).ToArray() : [];
        var dropped = new Dictionary<string, long>(_meters.Dropped, StringComparer.Ordinal);
        lock (_gate)
        {
            dropped["unlisted_source"] = _rings.Sum(r => r.Counters.UnlistedSources);
            var phases = _phases.ToDictionary(p => p.Key, p => Digest(p.Value), StringComparer.Ordinal);
            return Task.FromResult(new NodeReport(
                nodeId,
                membership is null ? [] : [.. membership.Members],
                membership?.RingId.ToString() ?? "",
                quorum.Quorate,
                quorum.TotalVotes,
                quorum.ExpectedVotes,
                quorum.Quorum,
                faulty,
                _groupMembers,
                phases,
                [.. _changes],
                dropped));
        }
    }

    public Task<(string Text, int ExitCode)> CfgtoolAsync(CancellationToken cancellationToken)
    {
        var status = Node.GetRingStatus();
        return Task.FromResult((status.ToCfgtoolText(), status.CfgtoolExitCode));
    }

    public Task<string> QuorumtoolAsync(CancellationToken cancellationToken) => Task.FromResult(Node.GetQuorumReport());

    public Task CutRingAsync(int ring, bool cut, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var target = _rings.FirstOrDefault(r => r.RingNumber == ring)
                ?? throw new ArgumentOutOfRangeException(nameof(ring), ring, $"node {nodeId} has no ring {ring}");
            target.IsCut = cut;
        }

        return Task.CompletedTask;
    }

    public async Task FailAsync(CancellationToken cancellationToken)
    {
        if (_node is not null)
        {
            await _node.DisposeAsync().ConfigureAwait(false);
        }

        await _reader.ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_node is not null)
        {
            await _node.StopAsync(cancellationToken).ConfigureAwait(false);
        }

        await _reader.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync().ConfigureAwait(false);
        }

        await _reader.ConfigureAwait(false);
        _meters.Dispose();
    }

    /// <summary>The CPG reason as <c>corosync-cpgtool</c> users know it: number and name.</summary>
    public static string Reason(GroupChangeReason reason) => reason switch
    {
        GroupChangeReason.Join => "reason 1 JOIN",
        GroupChangeReason.Leave => "reason 2 LEAVE",
        GroupChangeReason.NodeDown => "reason 3 NODEDOWN",
        GroupChangeReason.NodeUp => "reason 4 NODEUP",
        GroupChangeReason.ProcessDown => "reason 5 PROCDOWN",
        _ => $"reason {(int)reason}",
    };

    private static PhaseDigest Digest(List<(GroupMember Sender, int Number)> delivered)
    {
        var text = new StringBuilder();
        var next = new Dictionary<GroupMember, int>();
        var kept = true;
        foreach (var (sender, number) in delivered)
        {
            text.Append(CultureInfo.InvariantCulture, $"{sender}:{number}\n");
            var expected = next.GetValueOrDefault(sender);
            kept &= number == expected;
            next[sender] = number + 1;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
        return new PhaseDigest(delivered.Count, hash, kept);
    }

    private async Task RecordAsync(ClusterGroup group)
    {
        try
        {
            await foreach (var e in group.ReadEventsAsync().ConfigureAwait(false))
            {
                lock (_gate)
                {
                    switch (e)
                    {
                        case GroupMessage message:
                            var text = Encoding.UTF8.GetString(message.Payload.Span);
                            var colon = text.LastIndexOf(':');
                            var phase = colon > 0 ? text[..colon] : "?";
                            var number = colon > 0 && int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;
                            if (!_phases.TryGetValue(phase, out var list))
                            {
                                _phases[phase] = list = [];
                            }

                            list.Add((message.Sender, number));
                            break;
                        case GroupConfigurationChange change:
                            _changes.AddRange(change.Left.Select(l => $"left {l.Member} ({Reason(l.Reason)})"));
                            _changes.AddRange(change.Joined.Select(j => $"joined {j.Member} ({Reason(j.Reason)})"));
                            _groupMembers = [.. change.Members.Select(m => m.ToString())];
                            break;
                    }
                }
            }
        }
        catch (InvalidOperationException)
        {
            // The node stopped under the group: the stream ends with that error.
        }
    }
}
