using Clustering.Membership.Simulation;
using Clustering.Membership.Totem;

namespace Clustering.Membership.Tests.Totem;

public sealed class ScriptedScenarioTests
{
    private static TotemSimulation Simulation(int nodes, int seed = 1, double seconds = 30) =>
        new(new SimulationOptions { Seed = seed, Nodes = nodes, Faults = false, Duration = TimeSpan.FromSeconds(seconds), Quiet = TimeSpan.FromSeconds(10), MessagesPerSecond = 20 });

    private static void AssertRing(TotemSimulation sim, params uint[] members)
    {
        var ring = sim.ProcessorOf(members[0]).Ring;
        foreach (var id in members)
        {
            var processor = sim.ProcessorOf(id);
            Assert.That(processor.State, Is.EqualTo(TotemState.Operational), $"node {id}");
            Assert.That(processor.Ring, Is.EqualTo(ring), $"node {id}");
            Assert.That(processor.Members, Is.EqualTo(members), $"node {id}");
        }
    }

    private static void AssertClean(TotemSimulation sim)
    {
        var result = sim.Finish();
        Assert.That(result.Violations, Is.Empty, string.Join('\n', result.Violations) + "\n" + result.Trace);
        Assert.That(result.Messages, Is.GreaterThan(0));
    }

    [Test]
    public void Nodes_that_start_together_form_one_ring()
    {
        var sim = Simulation(5);
        sim.RunUntil(TimeSpan.FromSeconds(5));
        AssertRing(sim, 1, 2, 3, 4, 5);
        sim.RunUntil(TimeSpan.FromSeconds(40));
        AssertClean(sim);
    }

    [Test]
    public void A_crashed_node_leaves_through_a_transitional_configuration()
    {
        var sim = Simulation(4);
        sim.At(TimeSpan.FromSeconds(5), () => sim.CrashNode(3));
        sim.RunUntil(TimeSpan.FromSeconds(12));
        AssertRing(sim, 1, 2, 4);
        var last = sim.ConfigurationsOf(1).TakeLast(2).ToArray();
        Assert.That(last[0].Kind, Is.EqualTo(ConfigurationKind.Transitional));
        Assert.That(last[0].Members, Is.EqualTo(new uint[] { 1, 2, 4 }));
        Assert.That(last[0].Left, Is.EqualTo(new uint[] { 3 }));
        Assert.That(last[1].Kind, Is.EqualTo(ConfigurationKind.Regular));
        Assert.That(last[1].Members, Is.EqualTo(new uint[] { 1, 2, 4 }));
        sim.At(TimeSpan.FromSeconds(13), () => sim.RestartNode(3, keepState: true));
        sim.RunUntil(TimeSpan.FromSeconds(20));
        AssertRing(sim, 1, 2, 3, 4);
        Assert.That(sim.ConfigurationsOf(1)[^1].Joined, Is.EqualTo(new uint[] { 3 }));
        sim.RunUntil(TimeSpan.FromSeconds(40));
        AssertClean(sim);
    }

    [Test]
    public void A_partition_makes_two_rings_and_the_heal_merges_them()
    {
        var sim = Simulation(5);
        sim.At(TimeSpan.FromSeconds(4), () => sim.Partition([1, 2], [3, 4, 5]));
        sim.RunUntil(TimeSpan.FromSeconds(12));
        AssertRing(sim, 1, 2);
        AssertRing(sim, 3, 4, 5);
        sim.At(TimeSpan.FromSeconds(13), sim.HealPartition);
        sim.RunUntil(TimeSpan.FromSeconds(20));
        AssertRing(sim, 1, 2, 3, 4, 5);
        var merged = sim.ConfigurationsOf(4).TakeLast(2).ToArray();
        Assert.That(merged[0].Members, Is.EqualTo(new uint[] { 3, 4, 5 }), "transitional: who came along from the old ring");
        Assert.That(merged[1].Joined, Is.EqualTo(new uint[] { 1, 2 }));
        sim.RunUntil(TimeSpan.FromSeconds(40));
        AssertClean(sim);
    }

    [Test]
    public void A_node_paused_for_five_seconds_is_excluded_then_merges_back()
    {
        var sim = Simulation(3);
        sim.At(TimeSpan.FromSeconds(4), () => sim.PauseNode(2, TimeSpan.FromSeconds(5)));
        sim.RunUntil(TimeSpan.FromSeconds(8.5));
        AssertRing(sim, 1, 3);
        sim.RunUntil(TimeSpan.FromSeconds(16));
        AssertRing(sim, 1, 2, 3);
        sim.RunUntil(TimeSpan.FromSeconds(40));
        AssertClean(sim);
    }

    [Test]
    public void A_node_restarted_without_its_state_directory_joins_again()
    {
        var sim = Simulation(3);
        sim.At(TimeSpan.FromSeconds(4), () => sim.CrashNode(1));
        sim.At(TimeSpan.FromSeconds(4.5), () => sim.RestartNode(1, keepState: false));
        sim.RunUntil(TimeSpan.FromSeconds(15));
        AssertRing(sim, 1, 2, 3);
        sim.RunUntil(TimeSpan.FromSeconds(40));
        AssertClean(sim);
    }

    [Test]
    public void Sixteen_nodes_split_three_ways_and_merge_back_into_one_ring()
    {
        // Sixteen nodes run Corosync's computed timeouts: token 1000 + 14 × 650 = 10 100 ms, consensus 1.2 × that.
        // A partition is noticed after the token timeout and the silent side declared failed after the consensus one.
        var sim = Simulation(16, seed: 4, seconds: 80);
        var all = Enumerable.Range(1, 16).Select(i => (uint)i).ToArray();
        sim.RunUntil(TimeSpan.FromSeconds(15));
        AssertRing(sim, all);
        sim.At(TimeSpan.FromSeconds(16), () => sim.Partition([1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11], [12, 13, 14, 15, 16]));
        sim.RunUntil(TimeSpan.FromSeconds(16 + 10.1 + 12.12 + 6));
        AssertRing(sim, 1, 2, 3, 4, 5);
        AssertRing(sim, 6, 7, 8, 9, 10, 11);
        AssertRing(sim, 12, 13, 14, 15, 16);
        sim.At(TimeSpan.FromSeconds(45), sim.HealPartition);
        sim.At(TimeSpan.FromSeconds(62), sim.StopSending);
        sim.RunUntil(TimeSpan.FromSeconds(65));
        AssertRing(sim, all);
        AssertClean(sim);
    }
}
