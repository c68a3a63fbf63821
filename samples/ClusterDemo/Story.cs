using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Clustering.Transport.Framing;
using Clustering.Transport.Security;

namespace ClusterDemo;

/// <summary>A check of the story that did not hold; the demo prints it and exits 1.</summary>
internal sealed class DemoCheckException(string message) : Exception(message);

/// <summary>
/// The story, the same with nodes in this process or in child processes: form a quorate ring, exchange ordered
/// messages in a group, lose node 3 (quorum kept with 2 of 3 votes), meet an intruder without the key, cut ring 0
/// of node 1 and plug it back, bring node 3 back. Every step is checked and every wait is bounded.
/// </summary>
internal sealed class Story(DemoSetup setup, Func<uint, IDemoNode> createNode, DemoConsole console, string failureWord)
{
    private const int PerSender = 20;
    private static readonly TimeSpan StepLimit = TimeSpan.FromSeconds(20);
    private readonly IDemoNode?[] _nodes = new IDemoNode?[DemoSetup.Nodes];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _step;

    public IEnumerable<IDemoNode> Live => _nodes.OfType<IDemoNode>();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Step("three nodes start from that corosync.conf; they form one ring and become quorate");
        for (uint n = 1; n <= DemoSetup.Nodes; n++)
        {
            _nodes[n - 1] = createNode(n);
        }

        await Task.WhenAll(Live.Select(n => n.StartAsync(cancellationToken))).ConfigureAwait(false);
        await WaitForAsync([1, 2, 3], r => Same(r.Members, 1, 2, 3) && r.Quorate && r.TotalVotes == 3, "a quorate membership of 1 2 3 at every node", cancellationToken).ConfigureAwait(false);
        var reports = await ReportsAsync([1, 2, 3], cancellationToken).ConfigureAwait(false);
        Check(reports.Select(r => r.RingId).Distinct().Count() == 1, $"one ring id at every node ({reports[0].RingId})");
        await QuorumtoolAsync(1, cancellationToken).ConfigureAwait(false);
        await CfgtoolAsync(1, expectedExit: 0, cancellationToken).ConfigureAwait(false);

        Step($"every node joins process group \"{DemoSetup.GroupName}\" and sends {PerSender} messages (agreed order, every fifth safe)");
        foreach (var node in Live)
        {
            await node.JoinGroupAsync(cancellationToken).ConfigureAwait(false);
        }

        await WaitForAsync([1, 2, 3], r => r.GroupMembers.Length == 3, "three members in the group at every node", cancellationToken).ConfigureAwait(false);
        await ExchangeAsync("ordered", [1, 2, 3], cancellationToken).ConfigureAwait(false);

        Step($"node 3 fails ({failureWord})");
        await Node(3).FailAsync(cancellationToken).ConfigureAwait(false);
        await Node(3).DisposeAsync().ConfigureAwait(false);
        _nodes[2] = null;
        await WaitForAsync([1, 2], r => Same(r.Members, 1, 2), "a membership of 1 2 at nodes 1 and 2", cancellationToken).ConfigureAwait(false);
        await WaitForAsync([1, 2], r => r.GroupChanges.Any(c => c.StartsWith("left 3/", StringComparison.Ordinal)), "node 3's member leaving the group", cancellationToken).ConfigureAwait(false);
        reports = await ReportsAsync([1, 2], cancellationToken).ConfigureAwait(false);
        foreach (var report in reports)
        {
            console.Info($"node{report.NodeId} [CPG   ] group \"{DemoSetup.GroupName}\": {report.GroupChanges.Last(c => c.StartsWith("left 3/", StringComparison.Ordinal))}; members now {string.Join(' ', report.GroupMembers)}");
        }

        Check(reports.All(r => r.GroupChanges.Any(c => c.StartsWith("left 3/", StringComparison.Ordinal) && c.EndsWith("NODEDOWN)", StringComparison.Ordinal))), "both nodes saw node 3's member leave with NODEDOWN");
        Check(reports.All(r => r.Quorate && r.TotalVotes == 2 && r.ExpectedVotes == 3 && r.Quorum == 2), "quorum kept: 2 of 3 votes, quorum 2");
        await QuorumtoolAsync(1, cancellationToken).ConfigureAwait(false);
        await ExchangeAsync("two-nodes", [1, 2], cancellationToken).ConfigureAwait(false);

        Step("an intruder without the authkey sends a forged frame and noise from node 3's ring-1 address, and a datagram from outside the nodelist");
        var before = await ReportsAsync([1, 2], cancellationToken).ConfigureAwait(false);
        await IntrudeAsync().ConfigureAwait(false);
        await WaitForAsync([1, 2], r => Authentication(r) - Authentication(before[r.NodeId - 1]) >= 10 && Unlisted(r) > Unlisted(before[r.NodeId - 1]), "the intruder's datagrams dropped at nodes 1 and 2", cancellationToken).ConfigureAwait(false);
        reports = await ReportsAsync([1, 2], cancellationToken).ConfigureAwait(false);
        foreach (var report in reports)
        {
            console.Info($"node{report.NodeId}: dropped {string.Join(", ", report.Dropped.Where(d => d.Value > 0).Select(d => $"{d.Key} {d.Value}"))}");
        }

        Check(reports.All(r => Same(r.Members, 1, 2)), "nothing forged was delivered, the membership stays 1 2");

        Step("ring 0 of node 1 is cut (as if its cable were pulled); messages keep flowing on ring 1");
        await Node(1).CutRingAsync(0, cut: true, cancellationToken).ConfigureAwait(false);
        var sent = 0;
        var faulty = Stopwatch.StartNew();
        while (true)
        {
            // Traffic while the fault is detected: every frame missing on ring 0 is a problem for it.
            await SendAsync("ring-cut", [1, 2], 5, cancellationToken).ConfigureAwait(false);
            sent += 10;
            var node1 = await Node(1).ReportAsync(cancellationToken).ConfigureAwait(false);
            if (node1.FaultyRings.Contains(0))
            {
                break;
            }

            if (faulty.Elapsed > StepLimit)
            {
                throw new DemoCheckException($"ring 0 of node 1 not marked FAULTY within {StepLimit.TotalSeconds} s of traffic");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        console.Info($"ring 0 of node 1 marked FAULTY after {faulty.Elapsed.TotalSeconds:F1} s");
        await CfgtoolAsync(1, expectedExit: 1, cancellationToken).ConfigureAwait(false);
        await SendAsync("ring-cut", [1, 2], PerSender, cancellationToken).ConfigureAwait(false);
        sent += 2 * PerSender;
        await CheckDeliveredAsync("ring-cut", [1, 2], sent, cancellationToken).ConfigureAwait(false);

        Step("ring 0 of node 1 is plugged back; the ring recovers by itself");
        await Node(1).CutRingAsync(0, cut: false, cancellationToken).ConfigureAwait(false);
        // Frames sent during the cut may still count against ring 0 for a moment: wait until it stays healthy.
        await WaitForAsync([1, 2], r => r.FaultyRings.Length == 0, "no FAULTY ring at nodes 1 and 2, for 2 s in a row", cancellationToken, stableFor: TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        await CfgtoolAsync(1, expectedExit: 0, cancellationToken).ConfigureAwait(false);

        Step("node 3 comes back: it merges into the ring and rejoins the group");
        _nodes[2] = createNode(3);
        await Node(3).StartAsync(cancellationToken).ConfigureAwait(false);
        await WaitForAsync([1, 2, 3], r => Same(r.Members, 1, 2, 3) && r.Quorate && r.TotalVotes == 3, "a quorate membership of 1 2 3 at every node", cancellationToken).ConfigureAwait(false);
        await Node(3).JoinGroupAsync(cancellationToken).ConfigureAwait(false);
        await WaitForAsync([1, 2, 3], r => r.GroupMembers.Length == 3, "three members in the group at every node", cancellationToken).ConfigureAwait(false);
        reports = await ReportsAsync([1, 2], cancellationToken).ConfigureAwait(false);
        foreach (var report in reports)
        {
            console.Info($"node{report.NodeId} [CPG   ] group \"{DemoSetup.GroupName}\": {report.GroupChanges.Last(c => c.StartsWith("joined 3/", StringComparison.Ordinal))}; members now {string.Join(' ', report.GroupMembers)}");
        }

        Check(reports.All(r => r.GroupChanges.Last().StartsWith("joined 3/", StringComparison.Ordinal) && r.GroupChanges.Last().EndsWith("JOIN)", StringComparison.Ordinal)), "nodes 1 and 2 saw node 3's new member join with JOIN");
        await QuorumtoolAsync(3, cancellationToken).ConfigureAwait(false);
        await ExchangeAsync("back", [1, 2, 3], cancellationToken).ConfigureAwait(false);

        Step("node 3's member leaves the group (cpg_leave), then the nodes stop");
        await Node(3).LeaveGroupAsync(cancellationToken).ConfigureAwait(false);
        await WaitForAsync([1, 2], r => r.GroupMembers.Length == 2 && r.GroupChanges.Last().StartsWith("left 3/", StringComparison.Ordinal), "node 3's member gone from the group at nodes 1 and 2", cancellationToken).ConfigureAwait(false);
        reports = await ReportsAsync([1, 2], cancellationToken).ConfigureAwait(false);
        foreach (var report in reports)
        {
            console.Info($"node{report.NodeId} [CPG   ] group \"{DemoSetup.GroupName}\": {report.GroupChanges.Last()}; members now {string.Join(' ', report.GroupMembers)}");
        }

        Check(reports.All(r => r.GroupChanges.Last().EndsWith("(reason 2 LEAVE)", StringComparison.Ordinal)), "nodes 1 and 2 saw it leave with LEAVE");
        await Task.WhenAll(Live.Select(n => n.StopAsync(cancellationToken))).ConfigureAwait(false);
        console.Info($"all nodes stopped; the story took {_clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>Stops what is still running, as quickly as possible (after a failure or Ctrl+C).</summary>
    public async Task CleanUpAsync()
    {
        foreach (var node in _nodes)
        {
            if (node is not null)
            {
                try
                {
                    await node.DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is InvalidOperationException or IOException or ObjectDisposedException or OperationCanceledException)
                {
                    console.Info($"node{node.NodeId}: {e.Message}");
                }
            }
        }
    }

    private static long Authentication(NodeReport report) => report.Dropped.Where(d => d.Key != "unlisted_source").Sum(d => d.Value);

    private static long Unlisted(NodeReport report) => report.Dropped.GetValueOrDefault("unlisted_source");

    private static bool Same(uint[] members, params uint[] expected) => members.SequenceEqual(expected);

    private IDemoNode Node(uint id) => _nodes[id - 1] ?? throw new InvalidOperationException($"node {id} is not running");

    private void Step(string title)
    {
        _step++;
        console.Step(string.Create(CultureInfo.InvariantCulture, $"== {_step}. {title}   [{_clock.Elapsed.TotalSeconds:F1} s]"));
    }

    private void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new DemoCheckException(what);
        }

        console.Ok(what);
    }

    private async Task<NodeReport[]> ReportsAsync(uint[] ids, CancellationToken cancellationToken)
        => await Task.WhenAll(ids.Select(id => Node(id).ReportAsync(cancellationToken))).ConfigureAwait(false);

    private async Task WaitForAsync(uint[] ids, Func<NodeReport, bool> condition, string what, CancellationToken cancellationToken, TimeSpan stableFor = default)
    {
        var clock = Stopwatch.StartNew();
        Stopwatch? holding = null;
        while (true)
        {
            var reports = await ReportsAsync(ids, cancellationToken).ConfigureAwait(false);
            var holds = reports.All(condition);
            holding = holds ? holding ?? Stopwatch.StartNew() : null;
            if (holding is not null && holding.Elapsed >= stableFor)
            {
                console.Ok(string.Create(CultureInfo.InvariantCulture, $"{what} ({clock.Elapsed.TotalSeconds:F1} s)"));
                return;
            }

            if (clock.Elapsed > StepLimit)
            {
                var seen = string.Join("; ", reports.Select(r => $"node{r.NodeId}: members [{string.Join(' ', r.Members)}] quorate {r.Quorate} votes {r.TotalVotes}/{r.ExpectedVotes} faulty rings [{string.Join(' ', r.FaultyRings)}] group [{string.Join(' ', r.GroupMembers)}]"));
                throw new DemoCheckException($"not reached within {StepLimit.TotalSeconds} s: {what} (seen: {seen})");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task SendAsync(string phase, uint[] senders, int count, CancellationToken cancellationToken)
        => await Task.WhenAll(senders.Select(id => Node(id).SendAsync(phase, count, cancellationToken))).ConfigureAwait(false);

    private async Task ExchangeAsync(string phase, uint[] ids, CancellationToken cancellationToken)
    {
        await SendAsync(phase, ids, PerSender, cancellationToken).ConfigureAwait(false);
        await CheckDeliveredAsync(phase, ids, PerSender * ids.Length, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every node delivered all <paramref name="expected"/> messages of the phase, each sender's in its order, and all in one sequence.</summary>
    private async Task CheckDeliveredAsync(string phase, uint[] ids, int expected, CancellationToken cancellationToken)
    {
        await WaitForAsync(ids, r => r.Phase(phase).Count >= expected, $"{expected} \"{phase}\" messages delivered at every node", cancellationToken).ConfigureAwait(false);
        var reports = await ReportsAsync(ids, cancellationToken).ConfigureAwait(false);
        foreach (var report in reports)
        {
            var p = report.Phase(phase);
            console.Info($"node{report.NodeId}: {p.Count} messages, sequence digest {p.Digest}");
        }

        Check(reports.All(r => r.Phase(phase).Count == expected), $"none lost and none twice: {expected} at every node");
        Check(reports.All(r => r.Phase(phase).SenderOrderKept), "each sender's messages in the order it sent them");
        Check(reports.Select(r => r.Phase(phase).Digest).Distinct().Count() == 1, "the same sequence (one digest) at every node: one total order");
    }

    private async Task QuorumtoolAsync(uint id, CancellationToken cancellationToken)
    {
        var text = await Node(id).QuorumtoolAsync(cancellationToken).ConfigureAwait(false);
        console.Block($"$ corosync-quorumtool -s        # on node{id}", text);
    }

    private async Task CfgtoolAsync(uint id, int expectedExit, CancellationToken cancellationToken)
    {
        var (text, exit) = await Node(id).CfgtoolAsync(cancellationToken).ConfigureAwait(false);
        console.Block($"$ corosync-cfgtool -s           # on node{id}, exit code {exit}", text);
        Check(exit == expectedExit, $"corosync-cfgtool -s exits {expectedExit}");
    }

    /// <summary>
    /// Node 3's ring-1 address is free while it is down: an intruder binds it and sends a frame sealed with another
    /// key, then random noise, to nodes 1 and 2; and one datagram from 127.0.1.9, which is not in the nodelist.
    /// </summary>
    private async Task IntrudeAsync()
    {
        using var impostor = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        impostor.Bind(new IPEndPoint(IPAddress.Parse("127.0.1.3"), 0));
        using var stranger = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        stranger.Bind(new IPEndPoint(IPAddress.Parse("127.0.1.9"), 0));
        using var otherKey = Authkey.Generate();
        using var forger = new FrameProtector(otherKey, new FrameProtectorOptions { ClusterName = "demo", Hash = CryptoHash.Sha256, Cipher = CryptoCipher.Aes256 });
        var forged = new byte[forger.GetSealedLength(6)];
        forger.Seal(new FrameHeader(FrameType.Multicast, 3, 1, 1, 1), "forged"u8, forged);
        var random = new Random(5);
        var datagrams = new List<byte[]> { forged };
        for (var i = 0; i < 9; i++)
        {
            var noise = new byte[random.Next(1, 300)];
            random.NextBytes(noise);
            datagrams.Add(noise);
        }

        foreach (var target in new uint[] { 1, 2 })
        {
            var to = DemoSetup.EndPoint(1, target, setup.Port);
            foreach (var datagram in datagrams)
            {
                await impostor.SendToAsync(datagram, to).ConfigureAwait(false);
            }

            await stranger.SendToAsync(forged, to).ConfigureAwait(false);
        }
    }
}
