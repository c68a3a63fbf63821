using System.Xml.Linq;
using Clustering.Cib.Validation;
using Clustering.Cib.Versions;

namespace Clustering.Cib.Upgrade;

/// <summary>One schema step an upgrade took.</summary>
/// <param name="From">The schema the document satisfied before the step.</param>
/// <param name="To">The schema it satisfies after it.</param>
public sealed record CibUpgradeStep(string From, string To)
{
    /// <summary>The XSL files applied in this step (file names, in order); empty when the document satisfied <see cref="To"/> as it was.</summary>
    public IReadOnlyList<string> Transforms { get; init; } = [];

    /// <inheritdoc/>
    public bool Equals(CibUpgradeStep? other)
        => other is not null && From == other.From && To == other.To && Transforms.SequenceEqual(other.Transforms);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(From, To, Transforms.Count);
}

/// <summary>What <see cref="CibUpgrader.Upgrade"/> did.</summary>
public sealed class CibUpgradeResult
{
    internal CibUpgradeResult(XDocument document, string? from, string to, IReadOnlyList<CibUpgradeStep> steps, string? stoppedBefore, IReadOnlyList<RelaxNgValidationError> stopErrors)
    {
        Document = document;
        From = from;
        To = to;
        Steps = steps;
        StoppedBefore = stoppedBefore;
        StopErrors = stopErrors;
    }

    /// <summary>The upgraded copy (the input is never changed); equal to the input when nothing was upgraded.</summary>
    public XDocument Document { get; }

    /// <summary>The <c>validate-with</c> the input had (<see langword="null"/> when it had none).</summary>
    public string? From { get; }

    /// <summary>The <c>validate-with</c> of <see cref="Document"/>.</summary>
    public string To { get; }

    /// <summary>The steps taken, oldest first; empty when nothing was upgraded.</summary>
    public IReadOnlyList<CibUpgradeStep> Steps { get; }

    /// <summary>Whether the schema changed (and with it <c>admin_epoch</c>).</summary>
    public bool Upgraded => !string.Equals(From, To, StringComparison.Ordinal);

    /// <summary>The schema the document did not satisfy, where the upgrade stopped; <see langword="null"/> when it reached the newest allowed.</summary>
    public string? StoppedBefore { get; }

    /// <summary>Why the document does not satisfy <see cref="StoppedBefore"/> (or why its transform failed).</summary>
    public IReadOnlyList<RelaxNgValidationError> StopErrors { get; }

    /// <summary>The version counters of <see cref="Document"/>.</summary>
    public CibVersion Version => CibVersion.Of(Document.Root!);
}
