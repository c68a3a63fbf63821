using System.Diagnostics.Metrics;
using Clustering.Membership.Totem;

namespace Clustering.Node.Diagnostics;

/// <summary>The node's instruments on the <c>Clustering.Node</c> meter.</summary>
internal sealed class NodeMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Clustering.Node";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;

    public NodeMetrics(IMeterFactory? meterFactory, Func<TotemStatistics?> totem)
    {
        if (meterFactory is null)
        {
            _meter = new Meter(MeterName);
            _ownsMeter = true;
        }
        else
        {
            _meter = meterFactory.Create(MeterName);
        }

        Deliveries = _meter.CreateCounter<long>("clustering.node.deliveries", "{message}", "Messages delivered in total order (every service).");
        MembershipChanges = _meter.CreateCounter<long>("clustering.node.membership.changes", "{change}", "Regular configurations installed.");
        QuorumChanges = _meter.CreateCounter<long>("clustering.node.quorum.changes", "{change}", "Times this partition gained or lost quorum.");
        GroupMessages = _meter.CreateCounter<long>("clustering.node.group.messages", "{message}", "Process-group data messages delivered to local members' groups.");
        Malformed = _meter.CreateCounter<long>("clustering.node.messages.malformed", "{message}", "Delivered messages that no service could decode (dropped).");
        _meter.CreateObservableCounter("clustering.totem.token.rotations", () => Observe(totem, s => s.TokenVisits), "{rotation}", "Tokens this node processed: one per rotation of the ring through it.");
        _meter.CreateObservableCounter("clustering.totem.frames.sent", () => Observe(totem, s => s.FramesSent), "{frame}", "Totem multicast frames this node sent, retransmissions included.");
        _meter.CreateObservableCounter("clustering.totem.retransmits", () => Observe(totem, s => s.Retransmits), "{frame}", "Frames sent again because a member asked for them.");
        _meter.CreateObservableCounter("clustering.totem.token.retransmits", () => Observe(totem, s => s.TokenRetransmits), "{token}", "Tokens sent again because the successor showed no progress.");
        AdminMalformed = _meter.CreateCounter<long>("clustering.node.admin.malformed", "{request}", "Admin requests refused as malformed (bad frame, version, kind or argument, oversized).");
    }

    public Counter<long> Deliveries { get; }

    public Counter<long> MembershipChanges { get; }

    public Counter<long> QuorumChanges { get; }

    public Counter<long> GroupMessages { get; }

    public Counter<long> Malformed { get; }

    public Counter<long> AdminMalformed { get; }

    private static IEnumerable<Measurement<long>> Observe(Func<TotemStatistics?> totem, Func<TotemStatistics, long> read) =>
        totem() is { } statistics ? [new Measurement<long>(read(statistics))] : [];

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
