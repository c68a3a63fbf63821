using Clustering.Membership.Totem;

namespace Clustering.Membership.Simulation;

/// <summary>One simulated node: its processor, its state directory (the ring id store) and its fault state.</summary>
internal sealed class SimNode
{
    public SimNode(uint id)
    {
        Id = id;
    }

    /// <summary>The node id.</summary>
    public uint Id { get; }

    /// <summary>The running processor (replaced on restart).</summary>
    public TotemProcessor Processor { get; set; } = null!;

    /// <summary>The state directory; kept or replaced on restart.</summary>
    public IRingIdStore Store { get; set; } = new InMemoryRingIdStore();

    /// <summary>Whether the node runs.</summary>
    public bool Up { get; set; }

    /// <summary>Changes on every crash and restart, so that events meant for an earlier life are dropped.</summary>
    public int Incarnation { get; set; }

    /// <summary>While the clock is before this, the node is stalled: its events wait.</summary>
    public long PausedUntil { get; set; }

    /// <summary>Per timer kind: the generation of the pending deadline.</summary>
    public long[] TimerGeneration { get; } = new long[Enum.GetValues<Totem.TotemTimer>().Length];

    /// <summary>How many times the node lost its state directory (ring ids it made before may come again).</summary>
    public int StateEpoch { get; set; }

    /// <summary>Every configuration the node installed, over all its lives.</summary>
    public List<TotemConfiguration> Configurations { get; } = [];

    /// <summary>Application messages sent so far (the message id counter, kept across restarts).</summary>
    public uint Counter { get; set; }
}
