using Microsoft.Extensions.Logging;

namespace Clustering.Cib.Operations;

/// <summary>Options of a <see cref="CibStore"/>.</summary>
public sealed class CibStoreOptions
{
    /// <summary>The validator every update must satisfy (skipped when <c>validate-with</c> is absent or <c>none</c>); <see langword="null"/> validates nothing.</summary>
    public ICibValidator? Validator { get; init; }

    /// <summary>Where the store logs applied and refused updates; <see langword="null"/> logs nothing.</summary>
    public ILogger? Logger { get; init; }
}
