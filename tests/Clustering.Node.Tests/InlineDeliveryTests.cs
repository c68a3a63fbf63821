using System.Net;
using Clustering.Membership.Groups;
using Clustering.Membership.Quorum;
using Clustering.Membership.Totem;
using Clustering.Transport.Rings;

namespace Clustering.Node.Tests;

/// <summary>
/// <see cref="ClusterNodeOptions.InlineGroupReaders"/>: a reader waiting on a group resumes on the thread that routes
/// the message, before routing returns (no thread-pool hand-off). (Without the option the continuation is queued to
/// the thread pool, which may well be the same thread later: that case is not observable this way.)
/// </summary>
public sealed class InlineDeliveryTests
{
    [Test]
    public async Task AWaitingReaderResumesOnTheDeliveringThreadBeforeRoutingReturns()
    {
        var network = new InMemoryNetwork(TimeProvider.System, 31);
        var endPoint = new IPEndPoint(IPAddress.Parse("127.0.0.1"), 5405);
        var options = new ClusterNodeOptions
        {
            NodeId = 1,
            ClusterName = "inline-tests",
            Timings = NodeCluster.FastTimings,
            Quorum = new VoteQuorumOptions { ExpectedVotes = 1 },
            InlineGroupReaders = true,
        };
        options.Rings.Add(() => network.CreateRing(0, endPoint));
        await using var node = ClusterNodeBuilder.FromOptions(options).Build();
        await node.StartAsync();
        await using var group = await node.JoinGroupAsync("inline");
        var sender = new GroupMember(node.NodeId, 77);
        var delivery = new TotemDelivery(sender.NodeId, new TotemRingId(1, 1), 1, MessageOrder.Agreed, ClusterNode.Frame(ProcessGroupTable.Send("inline", sender.ProcessId, "hello"u8)));
        var events = group.Events;
        while (events.TryRead(out _))
        {
            // The join's own change.
        }

        // The reader's wait is registered before the message is routed, its continuation attached without a context.
        var woke = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var wait = events.WaitToReadAsync();
        Assert.That(wait.IsCompleted, Is.False, "the reader waits");
        var awaiter = wait.ConfigureAwait(false).GetAwaiter();
        awaiter.OnCompleted(() => woke.TrySetResult(Environment.CurrentManagedThreadId));
        var routing = Environment.CurrentManagedThreadId;

        var routed = node.TryRouteGroupDataAsync(delivery, CancellationToken.None);

        Assert.That(routed.IsCompletedSuccessfully && routed.Result, Is.True);
        Assert.That(woke.Task.IsCompleted, Is.True, "the reader ran before routing returned");
        Assert.That(await woke.Task, Is.EqualTo(routing), "the reader resumed on the routing thread");
        Assert.That(events.TryRead(out var e) && e is GroupMessage { Payload.Length: 5 }, Is.True);
    }
}
