using System.Diagnostics;
using System.Globalization;

namespace Clustering.Node.Tests.SteadyState;

/// <summary>
/// The whole in-process node path allocates nothing per delivered message once warm: three nodes in this process, two
/// active rings, secauth, one sender, zero-copy readers at every member (<see cref="DeliveryRig"/>). The measure is
/// the process-wide <see cref="GC.GetTotalAllocatedBytes(bool)"/>, so every thread counts: the sender, the rings'
/// receive or delivery threads, the Totem owners, the nodes' dispatchers and the readers.
/// </summary>
/// <remarks>
/// A round sends <see cref="Messages"/> messages, in batches of <see cref="Batch"/> (so that the node's buffer pools
/// are not outgrown by a queue thousands deep), and waits until all three members have read them. The bound,
/// <see cref="BytesPerMessage"/> averaged over a round, leaves room for what does not grow with the messages (the
/// round's own completion source and timed wait, a timer or two of the protocol); one allocation per message of even
/// the smallest object (24 B) would exceed it many times over. A round disturbed by a burst that does not come with
/// every message (a pool of the node refilling after readers fell behind, a copy rented on one receive thread and
/// returned on another missing the shared array pool's per-thread cache, a timer of another test's leftovers) can be
/// followed by another: the best of <see cref="Rounds"/> counts, and every round is printed.
/// </remarks>
[NonParallelizable]
public sealed class SteadyStateDeliveryTests
{
    private const int Messages = 5000;
    private const int Batch = 1000;
    private const int WarmUpRounds = 3;
    private const int Rounds = 8;
    private const double BytesPerMessage = 2.0;
    private static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(20);

    [TestCase(RigNetwork.InMemory, 64)]
    [TestCase(RigNetwork.InMemory, 1024)]
    [TestCase(RigNetwork.UdpLoopback, 64)]
    [TestCase(RigNetwork.UdpLoopback, 1024)]
    public async Task Delivering_messages_at_three_nodes_allocates_nothing_per_message(RigNetwork network, int size)
    {
        var clock = Stopwatch.StartNew();
        await using var rig = await DeliveryRig.StartAsync(network, size);
        for (var i = 0; i < WarmUpRounds; i++)
        {
            await SendRoundAsync(rig);
        }

        var perMessage = new List<double>();
        for (var round = 0; round < Rounds && (perMessage.Count == 0 || perMessage.Min() >= BytesPerMessage); round++)
        {
            var before = GC.GetTotalAllocatedBytes(precise: true);
            await SendRoundAsync(rig);
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            perMessage.Add((double)allocated / Messages);
        }

        var elapsed = clock.Elapsed;
        var rounds = string.Join(", ", perMessage.Select(b => b.ToString("F2", CultureInfo.InvariantCulture)));
        var path = DeliveryRig.SendsThroughTotem ? "sent into the Totem ring (Debug build)" : "sent with ClusterGroup.SendAsync";
        TestContext.Out.WriteLine($"{network}, {size} B, {path}: {rounds} B per message by round; {elapsed.TotalSeconds:F1} s in all");
        Assert.Multiple(() =>
        {
            Assert.That(perMessage.Min(), Is.LessThan(BytesPerMessage), $"bytes allocated per delivered message, best of the rounds ({rounds})");
            Assert.That(elapsed, Is.LessThan(TimeLimit), "the whole test, start to stop");
            for (var member = 0; member < rig.Nodes.Count; member++)
            {
                Assert.That(rig.ReadBy(member), Is.EqualTo((long)Messages * (WarmUpRounds + perMessage.Count)), $"messages read at member {member + 1}");
            }
        });
    }

    private static async Task SendRoundAsync(DeliveryRig rig)
    {
        for (var sent = 0; sent < Messages; sent += Batch)
        {
            await rig.SendAndWaitAsync(Batch);
        }
    }
}
