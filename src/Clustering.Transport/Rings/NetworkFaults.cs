namespace Clustering.Transport.Rings;

/// <summary>
/// The faults an <see cref="InMemoryNetwork"/> injects into every datagram it carries. Probabilities are
/// drawn per datagram and per receiver from the network's seeded random source, so a run is repeatable.
/// </summary>
/// <remarks>Reordering is not a separate knob: it comes from <see cref="Jitter"/>, which delays each copy by a
/// different random amount, so later datagrams can overtake earlier ones.</remarks>
public sealed record NetworkFaults
{
    /// <summary>No faults: every datagram arrives once, intact and at once.</summary>
    public static NetworkFaults None { get; } = new();

    /// <summary>The probability (0 to 1) that a datagram is lost on its way to one receiver.</summary>
    public double Loss { get; init; }

    /// <summary>The probability (0 to 1) that a receiver gets a datagram twice.</summary>
    public double Duplication { get; init; }

    /// <summary>The probability (0 to 1) that one byte of a received copy is altered.</summary>
    public double Corruption { get; init; }

    /// <summary>The fixed delay added to every datagram; zero delivers synchronously during the send.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>The upper bound of a random extra delay (uniform in [0, Jitter)) drawn per copy; reorders datagrams.</summary>
    public TimeSpan Jitter { get; init; }

    /// <summary>Checks every value: probabilities in 0..1 and non-negative delays.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the message names it.</exception>
    public void Validate()
    {
        CheckProbability(Loss, nameof(Loss));
        CheckProbability(Duplication, nameof(Duplication));
        CheckProbability(Corruption, nameof(Corruption));
        if (Delay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Delay), Delay, "Delay must not be negative.");
        }

        if (Jitter < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Jitter), Jitter, "Jitter must not be negative.");
        }
    }

    private static void CheckProbability(double value, string name)
    {
        if (double.IsNaN(value) || value < 0 || value > 1)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} is a probability and must be between 0 and 1.");
        }
    }
}
