using System.Diagnostics;
using System.Net;
using Clustering.Membership.Quorum;
using Clustering.Transport.Configuration;
using Clustering.Transport.Rings;
using Microsoft.Extensions.Logging;

namespace Clustering.Node.Tests;

/// <summary>N cluster nodes over one in-memory network on the real clock, with short token timings.</summary>
internal sealed class NodeCluster : IAsyncDisposable
{
    public static readonly TotemTimings FastTimings = new() { Token = TimeSpan.FromMilliseconds(500), Consensus = TimeSpan.FromMilliseconds(600) };

    private readonly InMemoryNetwork _network;

    public NodeCluster(int count, int seed, int expectedVotes, ILoggerFactory? loggerFactory = null)
    {
        _network = new InMemoryNetwork(TimeProvider.System, seed);
        Nodes = new ClusterNode[count];
        for (var n = 0; n < count; n++)
        {
            var endPoint = new IPEndPoint(IPAddress.Parse($"127.0.0.{n + 1}"), 5405);
            EndPoints.Add(endPoint);
            var options = new ClusterNodeOptions
            {
                NodeId = (uint)(n + 1),
                ClusterName = "node-tests",
                Timings = FastTimings,
                Quorum = new VoteQuorumOptions { ExpectedVotes = expectedVotes },
                LoggerFactory = loggerFactory,
            };
            options.Rings.Add(() => _network.CreateRing(0, endPoint));
            Nodes[n] = ClusterNodeBuilder.FromOptions(options).Build();
        }
    }

    public ClusterNode[] Nodes { get; }

    public InMemoryNetwork Network => _network;

    public List<IPEndPoint> EndPoints { get; } = [];

    public async Task StartAsync()
    {
        foreach (var node in Nodes)
        {
            await node.StartAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }
    }

    public static async Task WaitAsync(Func<bool> condition, string what, int seconds = 30)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(seconds))
            {
                Assert.Fail($"not reached within {seconds} s: {what}");
            }

            await Task.Delay(20);
        }
    }
}
