using Clustering.Simulation;

namespace Clustering.Membership.Tests.Totem;

public sealed class SimulationTests
{
    private static void AssertClean(SeedRunner.BatchResult result)
    {
        TestContext.Out.WriteLine($"runs={result.Runs} failures={result.Failures} messages={result.Messages} configurations={result.Configurations} elapsed={result.Elapsed.TotalSeconds:F1}s");
        Assert.That(result.FirstFailure, Is.Null, result.FirstFailure);
        Assert.That(result.Messages, Is.GreaterThan(0), "the runs delivered nothing: the checks would prove nothing");
    }

    [Test]
    public void A_fixed_ring_on_a_perfect_network_delivers_everything_in_one_order()
    {
        var result = SeedRunner.Run(1, 30, (seed, o) => o.Nodes(1 + (seed % 5)).Faults(false).Seconds(4).Quiet(6));
        AssertClean(result);
    }

    [Test]
    public void A_fixed_ring_under_loss_duplication_and_reordering_loses_nothing()
    {
        var result = SeedRunner.Run(1000, 500, (seed, o) => o.Nodes(2 + (seed % 5)).Faults(false).Loss(0.05 + (seed % 6 * 0.05)).Duplication(0.05).Seconds(3).Quiet(6));
        AssertClean(result);
    }

    [Test]
    [Category("Simulation")]
    public void Random_crashes_partitions_pauses_and_loss_never_break_virtual_synchrony()
    {
        var result = SeedRunner.Run(100_000, 2000, (seed, o) => o.Nodes(2 + (seed % 4)).Loss(seed % 4 * 0.05).Duplication(0.02).Seconds(8).Quiet(16).MessagesPerSecond(10));
        AssertClean(result);
    }

    [Test]
    public void Regression_seed_210675_a_node_restarted_without_state_reused_a_ring_id_and_mixed_old_frames_into_it()
    {
        var result = SeedRunner.Run(210_675, 1, (seed, o) => o.Nodes(5).Loss(0.15).Duplication(0.02).Seconds(8).Quiet(16).MessagesPerSecond(10));
        AssertClean(result);
    }
}
