using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clustering.Cib.Upgrade;

/// <summary>How far <see cref="CibUpgrader"/> goes and where it reports.</summary>
public sealed class CibUpgradeOptions
{
    /// <summary>
    /// The newest schema to upgrade to (what Pacemaker's controller passes as the schema maximum of an upgrade
    /// request); <see langword="null"/> goes as far as the document validates. Default <see langword="null"/>.
    /// </summary>
    public string? MaxSchema { get; init; }

    /// <summary>Where the steps are logged. Default: nowhere.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;
}
