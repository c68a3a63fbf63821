using System.Net;
using Clustering.Membership.Quorum;
using Clustering.Node;
using Clustering.Transport.Configuration;
using Clustering.Transport.Redundancy;
using Clustering.Transport.Rings;

namespace Clustering.Tool.Tests.Admin;

/// <summary>Nodes on one in-memory network (two rings each) serving admin sockets in a temporary directory, for running the tools in process.</summary>
internal sealed class ToolCluster : IAsyncDisposable
{
    private ToolCluster(string directory, InMemoryNetwork network, ClusterNode[] nodes)
    {
        Directory = directory;
        Network = network;
        Nodes = nodes;
    }

    public string Directory { get; }

    public InMemoryNetwork Network { get; }

    public ClusterNode[] Nodes { get; }

    public static IPEndPoint EndPoint(int node, int ring) => new(IPAddress.Parse($"127.0.{ring}.{node}"), 5405);

    public string SocketOf(int node) => Path.Combine(Directory, $"n{node}.sock");

    public static async Task<ToolCluster> StartAsync(int count, int expectedVotes, int rings = 2)
    {
        var directory = Path.Combine(Path.GetTempPath(), "clustering-tools-" + Guid.NewGuid().ToString("N")[..10]);
        System.IO.Directory.CreateDirectory(directory);
        var network = new InMemoryNetwork(TimeProvider.System, 11);
        var nodes = new ClusterNode[count];
        var addresses = Enumerable.Range(1, count).ToDictionary(n => (uint)n, n => (IReadOnlyList<IPAddress>)[.. Enumerable.Range(0, rings).Select(r => EndPoint(n, r).Address)]);
        for (var n = 1; n <= count; n++)
        {
            var options = new ClusterNodeOptions
            {
                NodeId = (uint)n,
                ClusterName = "tool-tests",
                Timings = new TotemTimings { Token = TimeSpan.FromMilliseconds(500), Consensus = TimeSpan.FromMilliseconds(600) },
                Quorum = new VoteQuorumOptions { ExpectedVotes = expectedVotes },
                NodeAddresses = addresses,
                AdminSocketPath = Path.Combine(directory, $"n{n}.sock"),
                Redundancy = new RedundancyOptions { Mode = rings > 1 ? RrpMode.Active : RrpMode.None },
            };
            for (var r = 0; r < rings; r++)
            {
                var endPoint = EndPoint(n, r);
                var ring = r;
                options.Rings.Add(() => network.CreateRing(ring, endPoint));
            }

            nodes[n - 1] = ClusterNodeBuilder.FromOptions(options).Build();
        }

        var cluster = new ToolCluster(directory, network, nodes);
        foreach (var node in nodes)
        {
            await node.StartAsync();
        }

        await WaitAsync(() => nodes.All(n => n.Membership?.Members.Count == count), $"a membership of {count}");
        return cluster;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static async Task WaitAsync(Func<bool> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"not reached within {seconds} s: {what}");
            }

            await Task.Delay(25);
        }
    }

    public static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await ClusterCtl.RunAsync(args, stdout, stderr, CancellationToken.None);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
