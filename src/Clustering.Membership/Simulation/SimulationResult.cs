namespace Clustering.Membership.Simulation;

/// <summary>The outcome of one simulation.</summary>
internal sealed class SimulationResult
{
    /// <summary>The seed that was run.</summary>
    public int Seed { get; init; }

    /// <summary>Every invariant break found (empty when the run is correct).</summary>
    public List<string> Violations { get; } = [];

    /// <summary>Distinct application messages delivered by at least one node.</summary>
    public long Messages { get; set; }

    /// <summary>Distinct regular configurations installed.</summary>
    public long Configurations { get; set; }

    /// <summary>Application messages the nodes accepted for sending.</summary>
    public long Sent { get; set; }

    /// <summary>Frames the network carried.</summary>
    public long Frames { get; set; }

    /// <summary>The last frames and events before the end of the run (or the first violation), one per line.</summary>
    public string Trace { get; set; } = "";
}
