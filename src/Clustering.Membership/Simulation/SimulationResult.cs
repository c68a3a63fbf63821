namespace Clustering.Membership.Simulation;

/// <summary>The outcome of one simulation.</summary>
public sealed class SimulationResult
{
    internal SimulationResult()
    {
    }

    /// <summary>The seed that was run.</summary>
    public int Seed { get; internal init; }

    /// <summary>Every invariant break found (empty when the run is correct).</summary>
    public IReadOnlyList<string> Violations => ViolationList;

    /// <summary>Where the simulator and its checker add violations.</summary>
    internal List<string> ViolationList { get; } = [];

    /// <summary>Distinct application messages delivered by at least one node.</summary>
    public long Messages { get; internal set; }

    /// <summary>Distinct regular configurations installed.</summary>
    public long Configurations { get; internal set; }

    /// <summary>Application messages the nodes accepted for sending.</summary>
    public long Sent { get; internal set; }

    /// <summary>Tokens passed on ahead of some of their visit's new messages (the accelerated ring), at all nodes.</summary>
    public long AcceleratedTokens { get; internal set; }

    /// <summary>Frames the network carried.</summary>
    public long Frames { get; internal set; }

    /// <summary>The last frames and events before the end of the run (or the first violation), one per line.</summary>
    public string Trace { get; internal set; } = "";
}
