using System.Net;
using Clustering.Membership.Groups;
using Clustering.Membership.Quorum;
using Clustering.Node;
using Clustering.Transport.Configuration;
using Clustering.Transport.Rings;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Clustering.Hosting.Tests;

/// <summary>
/// <c>services.AddClusterNode(...)</c>: the host's hosted service starts the node, the node uses the host's clock,
/// and stopping the host leaves the node's groups and stops it.
/// </summary>
[CancelAfter(60_000)]
public sealed class AddClusterNodeTests
{
    [Test]
    public async Task The_hosted_service_starts_the_node_with_the_hosts_clock_and_stops_it_gracefully()
    {
        var network = new InMemoryNetwork(TimeProvider.System, seed: 5);
        var clock = new CountingTimeProvider();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddClusterNode(_ =>
        {
            var options = new ClusterNodeOptions
            {
                NodeId = 1,
                ClusterName = "hosting-tests",
                Timings = new TotemTimings { Token = TimeSpan.FromMilliseconds(500), Consensus = TimeSpan.FromMilliseconds(600) },
                Quorum = new VoteQuorumOptions { ExpectedVotes = 1 },
            };
            options.Rings.Add(() => network.CreateRing(0, new IPEndPoint(IPAddress.Loopback, 5405)));
            return ClusterNodeBuilder.FromOptions(options);
        });

        await using var provider = services.BuildServiceProvider();
        var hosted = provider.GetServices<IHostedService>().Single();
        var node = provider.GetRequiredService<ClusterNode>();
        Assert.That(node.IsRunning, Is.False, "nothing runs before the host starts");

        await hosted.StartAsync(CancellationToken.None);
        Assert.That(node.IsRunning, Is.True);
        Assert.That(clock.TimersCreated, Is.GreaterThan(0), "the node runs on the host's TimeProvider");
        while (!node.IsQuorate || node.Membership is null)
        {
            await Task.Delay(20);
        }

        var group = await node.JoinGroupAsync("app");
        await group.SendAsync("hello"u8.ToArray());
        var events = new List<GroupEvent>();
        await foreach (var e in group.ReadEventsAsync())
        {
            events.Add(e);
            if (e is GroupMessage)
            {
                break;
            }
        }

        Assert.That(events.OfType<GroupMessage>().Single().Payload.ToArray(), Is.EqualTo("hello"u8.ToArray()));

        await hosted.StopAsync(CancellationToken.None);
        Assert.That(node.IsRunning, Is.False);
        Assert.That(group.IsJoined, Is.False, "stopping the host left the group");
    }

    [Test]
    public void A_missing_corosync_conf_fails_when_the_node_is_resolved_with_the_file_named()
    {
        var services = new ServiceCollection();
        services.AddClusterNode("/nonexistent/corosync.conf");
        using var provider = services.BuildServiceProvider();
        var e = Assert.Throws<ConfigurationException>(() => provider.GetRequiredService<ClusterNode>());
        Assert.That(e!.Message, Does.Contain("/nonexistent/corosync.conf"));
    }

    private sealed class CountingTimeProvider : TimeProvider
    {
        private int _timers;

        public int TimersCreated => Volatile.Read(ref _timers);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref _timers);
            return base.CreateTimer(callback, state, dueTime, period);
        }
    }
}
