using System.Diagnostics;
using System.Globalization;
using System.Net;
using Clustering.TestSupport;
using Clustering.Transport.Security;

namespace Clustering.IntegrationTests.Processes;

/// <summary>
/// N node host processes of one cluster: a temporary directory with a keygen'd authkey and the corosync.conf
/// (<see cref="ClusterConfig"/>), the processes started on loopback or one per <see cref="NetworkLab"/>
/// namespace, and helpers that wait on what they report. Disposing ends every process and removes the directory.
/// </summary>
internal sealed class ProcessCluster : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly string _directory;
    private readonly List<NodeProcess> _nodes = [];
    private readonly List<string[]> _arguments = [];
    private readonly List<string?> _namespaces = [];

    private ProcessCluster(string directory) => _directory = directory;

    public IReadOnlyList<NodeProcess> Nodes => _nodes;

    public NodeProcess this[int index] => _nodes[index];

    public string ConfigPath => Path.Combine(_directory, "corosync.conf");

    /// <summary>
    /// A cluster of <paramref name="count"/> processes on this host. Every node gets its own random 127.x.y.z
    /// address per ring (udpu: in the nodelist; udp: bound with --local-address, the group joined on loopback), and
    /// groups and ports are random, so concurrent runs on one machine do not meet.
    /// </summary>
    public static ProcessCluster OnLoopback(ProcessTransport transport, int count, int rings = 2)
    {
        var cluster = Create();
        var addresses = DistinctLoopback(count * rings).Chunk(rings).Select(a => (IReadOnlyList<IPAddress>)a).ToArray();
        var basePort = 2 * Random.Shared.Next(10_000, 30_000);
        var ports = Enumerable.Range(0, rings).Select(r => basePort + (2 * r)).ToArray();
        var name = "procs-" + Random.Shared.Next(0, 1 << 20).ToString("x5", CultureInfo.InvariantCulture);
        if (transport == ProcessTransport.Udp)
        {
            var groups = Enumerable.Range(0, rings).Select(_ => RandomGroup()).ToArray();
            cluster.Write(ClusterConfig.Udp(name, count, [.. Enumerable.Repeat(IPAddress.Parse("127.0.0.0"), rings)], groups, ports));
            for (var i = 0; i < count; i++)
            {
                cluster.Add(i, [.. Enumerable.Range(0, rings).SelectMany(r => (string[])["--local-address", $"{r}={addresses[i][r]}"])]);
            }
        }
        else
        {
            cluster.Write(ClusterConfig.Udpu(name, addresses, ports));
            for (var i = 0; i < count; i++)
            {
                cluster.Add(i, []);
            }
        }

        return cluster;
    }

    /// <summary>One process per node of <paramref name="lab"/>, in its namespace, one ring per lab network.</summary>
    public static ProcessCluster InLab(NetworkLab lab, ProcessTransport transport)
    {
        var cluster = Create();
        var rings = lab.Networks.Count;
        var name = "netns-" + lab.Id;
        var ports = Enumerable.Range(0, rings).Select(r => 5405 + (2 * r)).ToArray();
        cluster.Write(transport == ProcessTransport.Udp
            ? ClusterConfig.Udp(name, lab.Nodes.Count, lab.Networks, [.. Enumerable.Range(0, rings).Select(_ => RandomGroup())], ports)
            : ClusterConfig.Udpu(name, [.. lab.Nodes.Select(n => n.Addresses)], ports));
        foreach (var node in lab.Nodes)
        {
            cluster.Add(node.Index, [], node.Namespace);
        }

        return cluster;
    }

    /// <summary>Starts every process and waits until each has joined the group.</summary>
    public async Task StartAsync()
    {
        for (var i = 0; i < _arguments.Count; i++)
        {
            _nodes.Add(NodeProcess.Start((uint)(i + 1), _arguments[i], _namespaces[i]));
        }

        foreach (var node in _nodes)
        {
            node.Peers = () => string.Join('\n', _nodes.Where(n => n != node).Select(n => n.Describe()));
        }

        foreach (var node in _nodes)
        {
            await node.WaitForAsync("ready", _ => true, "(the node started and joined its group)", timeout: StartTimeout);
        }
    }

    /// <summary>Waits until the latest membership of every node in <paramref name="nodes"/> is exactly <paramref name="members"/>.</summary>
    public async Task WaitForMembershipAsync(IEnumerable<int> nodes, uint[] members, TimeSpan? timeout = null)
    {
        foreach (var n in nodes)
        {
            await _nodes[n].WaitForLatestAsync("membership", m => m.Members.SequenceEqual(members), $"members {string.Join(',', members)}", timeout);
        }
    }

    /// <summary>Waits until the latest quorum line of every node in <paramref name="nodes"/> says <paramref name="quorate"/>.</summary>
    public async Task WaitForQuorumAsync(IEnumerable<int> nodes, bool quorate, TimeSpan? timeout = null)
    {
        foreach (var n in nodes)
        {
            await _nodes[n].WaitForLatestAsync("quorum", q => q.Quorate == quorate, quorate ? "quorate" : "not quorate", timeout);
        }
    }

    /// <summary>
    /// Polls <c>stats</c> on every receiver until each has delivered, from every sender in <paramref name="lastSequence"/>,
    /// the sender's last sequence number; returns the final statistics, one line per receiver.
    /// </summary>
    public async Task<HostLine[]> WaitForDeliveriesAsync(IEnumerable<int> receivers, IReadOnlyDictionary<uint, ulong> lastSequence, TimeSpan? timeout = null)
    {
        var limit = timeout ?? NodeProcess.DefaultTimeout;
        var clock = Stopwatch.StartNew();
        var result = new List<HostLine>();
        foreach (var n in receivers)
        {
            while (true)
            {
                var stats = await _nodes[n].StatsAsync();
                var senders = stats.Senders;
                if (lastSequence.All(s => senders.TryGetValue(s.Key, out var c) && c.Last >= s.Value))
                {
                    result.Add(stats);
                    break;
                }

                if (clock.Elapsed > limit)
                {
                    Assert.Fail($"node {n + 1} has not delivered every message within {limit.TotalSeconds:0} s: {stats.Text}\n{Describe()}");
                }

                await Task.Delay(100);
            }
        }

        return [.. result];
    }

    /// <summary>Waits for the <c>sent</c> line that ends a <c>send</c> command issued after <paramref name="since"/>; returns its last sequence number.</summary>
    public async Task<ulong> WaitForSentAsync(int node, int since, TimeSpan? timeout = null)
    {
        var sent = await _nodes[node].WaitForAsync("sent", _ => true, "(the send finished)", since, timeout);
        return sent.Data.GetProperty("lastSeq").GetUInt64();
    }

    /// <summary>Everything every node reported recently, for failure messages.</summary>
    public string Describe() => string.Join('\n', _nodes.Select(n => n.Describe()));

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_nodes.Select(n => n.DisposeAsync().AsTask()));
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A temporary directory left behind is harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static ProcessCluster Create()
    {
        var directory = Directory.CreateTempSubdirectory("clustering-procs-").FullName;
        var cluster = new ProcessCluster(directory);
        using var key = Authkey.Generate();
        key.Save(Path.Combine(directory, "authkey"));
        return cluster;
    }

    private void Write(string config) => File.WriteAllText(ConfigPath, config);

    private void Add(int index, string[] extra, string? networkNamespace = null)
    {
        _arguments.Add([
            "--config", ConfigPath,
            "--authkey", Path.Combine(_directory, "authkey"),
            "--node-id", (index + 1).ToString(CultureInfo.InvariantCulture),
            "--group", "procs",
            .. extra,
        ]);
        _namespaces.Add(networkNamespace);
    }

    private static IPAddress RandomGroup() => new([239, 192, (byte)Random.Shared.Next(0, 256), (byte)Random.Shared.Next(1, 255)]);

    private static IPAddress[] DistinctLoopback(int count)
    {
        var set = new HashSet<IPAddress>();
        while (set.Count < count)
        {
            set.Add(new IPAddress([127, (byte)Random.Shared.Next(1, 255), (byte)Random.Shared.Next(0, 256), (byte)Random.Shared.Next(2, 255)]));
        }

        return [.. set];
    }
}
