using System.Buffers.Binary;
using Clustering.Membership.Simulation;
using Clustering.Membership.Totem;

namespace Clustering.Membership.Tests.Totem;

/// <summary>The checks must be able to fail: each test feeds the checker a history that breaks one guarantee.</summary>
public sealed class SimulationCheckerTests
{
    private static readonly RingId R1 = new(1, 4);
    private static readonly RingId R2 = new(1, 8);

    private SimulationChecker _checker = null!;
    private SimNode[] _nodes = null!;

    [SetUp]
    public void SetUp()
    {
        _checker = new SimulationChecker(2);
        _nodes = [null!, new SimNode(1), new SimNode(2)];
        foreach (var node in _nodes.Skip(1))
        {
            _checker.Started(node, 0);
        }
    }

    private static byte[] Payload(uint origin, uint counter)
    {
        var payload = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(payload, origin);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(4), counter);
        return payload;
    }

    private string? Regular(uint node, RingId ring, params uint[] members) =>
        _checker.Record(_nodes[node], new TotemEvent(TotemEventKind.Configuration, ring, 0, 0, DeliveryOrder.Agreed, default, new TotemConfiguration(ConfigurationKind.Regular, ring, members, [], [])), 0, _nodes);

    private string? Transitional(uint node, RingId ring, params uint[] members) =>
        _checker.Record(_nodes[node], new TotemEvent(TotemEventKind.Configuration, ring, 0, 0, DeliveryOrder.Agreed, default, new TotemConfiguration(ConfigurationKind.Transitional, ring, members, [], [])), 0, _nodes);

    private string? Deliver(uint node, RingId ring, uint seq, byte[] payload, DeliveryOrder order = DeliveryOrder.Agreed) =>
        _checker.Record(_nodes[node], new TotemEvent(TotemEventKind.Delivery, ring, BinaryPrimitives.ReadUInt32LittleEndian(payload), seq, order, payload, null), 0, _nodes);

    private void Receive(uint node, RingId ring, uint seq, byte[] payload) =>
        _checker.Record(_nodes[node], new TotemEvent(TotemEventKind.Received, ring, 0, seq, DeliveryOrder.Agreed, payload, null), 0, _nodes);

    private void Sent(uint node, byte[] payload) => _checker.Sent(_nodes[node], SimulationChecker.MessageId(payload), 0);

    [Test]
    public void A_correct_history_passes()
    {
        var m = Payload(1, 1);
        Sent(1, m);
        Assert.That(Regular(1, R1, 1, 2), Is.Null);
        Assert.That(Regular(2, R1, 1, 2), Is.Null);
        Receive(1, R1, 1, m);
        Receive(2, R1, 1, m);
        Assert.That(Deliver(1, R1, 1, m, DeliveryOrder.Safe), Is.Null);
        Assert.That(Deliver(2, R1, 1, m, DeliveryOrder.Safe), Is.Null);
        Assert.That(Transitional(1, R2, 1), Is.Null);
        Assert.That(Regular(1, R2, 1), Is.Null);
    }

    [Test]
    public void A_duplicate_delivery_is_caught()
    {
        var m = Payload(1, 1);
        Sent(1, m);
        Regular(1, R1, 1, 2);
        Deliver(1, R1, 1, m);
        Assert.That(Deliver(1, R1, 1, m), Does.Contain("twice"));
    }

    [Test]
    public void Two_messages_at_one_position_are_caught()
    {
        var a = Payload(1, 1);
        var b = Payload(2, 1);
        Sent(1, a);
        Sent(2, b);
        Regular(1, R1, 1, 2);
        Regular(2, R1, 1, 2);
        Deliver(1, R1, 1, a);
        Assert.That(Deliver(2, R1, 1, b), Does.Contain("seq 1"));
    }

    [Test]
    public void A_safe_delivery_before_every_member_received_is_caught()
    {
        var m = Payload(1, 1);
        Sent(1, m);
        Regular(1, R1, 1, 2);
        Receive(1, R1, 1, m);
        Assert.That(Deliver(1, R1, 1, m, DeliveryOrder.Safe), Does.Contain("before member 2 received it"));
    }

    [Test]
    public void A_regular_configuration_without_a_transitional_one_is_caught()
    {
        Regular(1, R1, 1, 2);
        Assert.That(Regular(1, R2, 1), Does.Contain("without a transitional"));
    }

    [Test]
    public void Disagreeing_memberships_of_one_ring_are_caught()
    {
        Regular(1, R1, 1, 2);
        Assert.That(Regular(2, R1, 2), Does.Contain("disagree"));
    }

    [Test]
    public void A_message_nobody_sent_is_caught()
    {
        Regular(1, R1, 1, 2);
        Assert.That(Deliver(1, R1, 1, Payload(2, 9)), Does.Contain("nobody sent"));
    }

    [Test]
    public void Members_moving_together_with_different_messages_break_virtual_synchrony()
    {
        var m = Payload(1, 1);
        Sent(1, m);
        foreach (var node in new uint[] { 1, 2 })
        {
            Regular(node, R1, 1, 2);
        }

        Deliver(1, R1, 1, m);
        foreach (var node in new uint[] { 1, 2 })
        {
            Transitional(node, R2, 1, 2);
            Regular(node, R2, 1, 2);
        }

        var result = new SimulationResult();
        foreach (var node in _nodes.Skip(1))
        {
            node.Up = false;
        }

        _checker.Finish(_nodes.Skip(1).ToArray(), result);
        Assert.That(result.Violations, Has.Some.Contains("virtual synchrony"));
    }

    [Test]
    public void A_sabotaged_simulation_reports_the_fault_with_a_trace()
    {
        var result = new TotemSimulation(new SimulationOptions { Seed = 3, Nodes = 2, Duration = TimeSpan.FromSeconds(2), Quiet = TimeSpan.FromSeconds(4), SabotageDuplicateDelivery = true }).Run();
        Assert.That(result.Violations, Has.Some.Contains("twice"));
        Assert.That(result.Trace, Does.Contain("VIOLATION"));
    }
}
