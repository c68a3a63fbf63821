using Clustering.Membership.Totem;
using ConfigTimings = Clustering.Transport.Configuration.TotemTimings;

namespace Clustering.Membership.Simulation;

/// <summary>One deterministic simulation: everything random in it derives from <see cref="Seed"/>.</summary>
public sealed record SimulationOptions
{
    /// <summary>The seed.</summary>
    public int Seed { get; init; }

    /// <summary>Number of nodes (1–16), with ids 1..N.</summary>
    public int Nodes { get; init; } = 3;

    /// <summary>Probability that a frame is lost on one link during the chaos phase (0–0.3).</summary>
    public double Loss { get; init; }

    /// <summary>Probability that a frame is delivered twice during the chaos phase.</summary>
    public double Duplication { get; init; }

    /// <summary>Simulated length of the chaos phase (faults, load).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>Simulated length of the quiet phase that follows: no faults, everything healed; the ring must converge.</summary>
    public TimeSpan Quiet { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Crashes, restarts, partitions, pauses and loss bursts during the chaos phase.</summary>
    public bool Faults { get; init; } = true;

    /// <summary>Application messages each node sends per simulated second (on average).</summary>
    public double MessagesPerSecond { get; init; } = 20;

    /// <summary>
    /// Message sizes in bytes (each at least 8), one picked at random per message; <see langword="null"/> (the default):
    /// 8 to 31 bytes. Large sizes exercise fragmentation (up to 1 MiB).
    /// </summary>
    public IReadOnlyList<int>? MessageSizes { get; init; }

    /// <summary>Share of messages sent with safe delivery.</summary>
    public double SafeFraction { get; init; } = 0.3;

    /// <summary>Shortest one-way network delay.</summary>
    public TimeSpan MinDelay { get; init; } = TimeSpan.FromTicks(500);

    /// <summary>Longest one-way network delay (frames overtake each other within this spread).</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>The protocol's timings as <c>corosync.conf</c>'s totem section has them, with Corosync's defaults (token, join, consensus, send_join, merge, ...).</summary>
    public ConfigTimings Totem { get; init; } = new();

    /// <summary>
    /// How many of a visit's new messages go out after the token (the accelerated ring,
    /// <see cref="TotemRingOptions.AcceleratedWindow"/>); 0 runs Totem as Corosync does. Default
    /// <see cref="TotemRingOptions.DefaultAcceleratedWindow"/>, as a node runs.
    /// </summary>
    public int AcceleratedWindow { get; init; } = TotemRingOptions.DefaultAcceleratedWindow;

    /// <summary>The timings the processors run with, taken from <see cref="Totem"/> and <see cref="AcceleratedWindow"/>.</summary>
    internal TotemTimings Timings => TotemTimings.From(Totem, Nodes) with { AcceleratedWindow = AcceleratedWindow };

    /// <summary>
    /// Reports the first delivery to the checker twice: a deliberate fault that proves the checks and the failure path
    /// (tests of clusterctl chaos use it; never set otherwise).
    /// </summary>
    internal bool SabotageDuplicateDelivery { get; init; }

    /// <summary>Frames kept for the failure trace.</summary>
    public int TraceLength { get; init; } = 120;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for values the simulator cannot run (and <see cref="Transport.Configuration.ConfigurationException"/> for timings Corosync would refuse).</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Nodes, 1, nameof(Nodes));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Nodes, 16, nameof(Nodes));
        if (Loss is < 0 or > 0.3 || double.IsNaN(Loss))
        {
            throw new ArgumentOutOfRangeException(nameof(Loss), Loss, "Loss must be between 0 and 0.3.");
        }

        if (Duplication is < 0 or > 0.5 || double.IsNaN(Duplication))
        {
            throw new ArgumentOutOfRangeException(nameof(Duplication), Duplication, "Duplication must be between 0 and 0.5.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(Duration, TimeSpan.Zero, nameof(Duration));
        ArgumentOutOfRangeException.ThrowIfLessThan(Quiet, TimeSpan.Zero, nameof(Quiet));
        ArgumentOutOfRangeException.ThrowIfLessThan(MessagesPerSecond, 0, nameof(MessagesPerSecond));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinDelay, TimeSpan.Zero, nameof(MinDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDelay, MinDelay, nameof(MaxDelay));
        ArgumentNullException.ThrowIfNull(Totem);
        Totem.Validate(Nodes);
        Timings.Validate();
    }
}
