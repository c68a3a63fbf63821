using Clustering.Membership.Simulation;

namespace Clustering.Simulation;

/// <summary>Builds the options of one seeded simulation for a test scenario.</summary>
public sealed class SimulationOptionsBuilder
{
    internal SimulationOptionsBuilder(int seed)
    {
        Options = new SimulationOptions { Seed = seed };
    }

    internal SimulationOptions Options { get; private set; }

    /// <summary>Sets the node count (1–16).</summary>
    public SimulationOptionsBuilder Nodes(int nodes)
    {
        Options = Options with { Nodes = nodes };
        return this;
    }

    /// <summary>Sets the link loss probability during the chaos phase.</summary>
    public SimulationOptionsBuilder Loss(double loss)
    {
        Options = Options with { Loss = loss };
        return this;
    }

    /// <summary>Sets the duplication probability during the chaos phase.</summary>
    public SimulationOptionsBuilder Duplication(double duplication)
    {
        Options = Options with { Duplication = duplication };
        return this;
    }

    /// <summary>Sets the chaos phase length.</summary>
    public SimulationOptionsBuilder Seconds(double seconds)
    {
        Options = Options with { Duration = TimeSpan.FromSeconds(seconds) };
        return this;
    }

    /// <summary>Sets the quiet phase length.</summary>
    public SimulationOptionsBuilder Quiet(double seconds)
    {
        Options = Options with { Quiet = TimeSpan.FromSeconds(seconds) };
        return this;
    }

    /// <summary>Turns crashes, partitions, pauses and loss bursts on or off.</summary>
    public SimulationOptionsBuilder Faults(bool on)
    {
        Options = Options with { Faults = on };
        return this;
    }

    /// <summary>Sets the application load per node.</summary>
    public SimulationOptionsBuilder MessagesPerSecond(double rate)
    {
        Options = Options with { MessagesPerSecond = rate };
        return this;
    }

    /// <summary>Sets the share of safe messages.</summary>
    public SimulationOptionsBuilder SafeFraction(double fraction)
    {
        Options = Options with { SafeFraction = fraction };
        return this;
    }

    /// <summary>Sets Corosync's <c>send_join</c>: each join waits a random part of <paramref name="milliseconds"/>.</summary>
    public SimulationOptionsBuilder SendJoin(double milliseconds)
    {
        Options = Options with { Totem = Options.Totem with { SendJoin = TimeSpan.FromMilliseconds(milliseconds) } };
        return this;
    }

    /// <summary>Sets the accelerated window (0 runs Totem as Corosync does).</summary>
    public SimulationOptionsBuilder AcceleratedWindow(int window)
    {
        Options = Options with { AcceleratedWindow = window };
        return this;
    }
}
