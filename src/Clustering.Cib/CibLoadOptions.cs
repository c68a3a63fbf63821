namespace Clustering.Cib;

/// <summary>
/// Limits that hardened CIB loading enforces while it reads. DTDs and external entities are always refused;
/// these bounds stop oversized or hostile documents before they cost memory or stack.
/// </summary>
public sealed class CibLoadOptions
{
    /// <summary>The defaults: 64 Mi characters, depth 256, 256 attributes per element.</summary>
    public static CibLoadOptions Default { get; } = new();

    /// <summary>The most characters the document may have (0 means no limit). Default 64 Mi.</summary>
    public long MaxCharactersInDocument { get; init; } = 64L * 1024 * 1024;

    /// <summary>The deepest element nesting allowed; the root element is depth 1. Default 256.</summary>
    public int MaxDepth { get; init; } = 256;

    /// <summary>The most attributes one element may carry (namespace declarations included). Default 256.</summary>
    public int MaxAttributesPerElement { get; init; } = 256;

    /// <summary>Whether whitespace-only text is kept as it was read. Default <see langword="false"/>.</summary>
    public bool PreserveWhitespace { get; init; }

    internal void Check()
    {
        if (MaxCharactersInDocument < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxCharactersInDocument), MaxCharactersInDocument, "must not be negative");
        }

        if (MaxDepth < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDepth), MaxDepth, "must be at least 1");
        }

        if (MaxAttributesPerElement < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxAttributesPerElement), MaxAttributesPerElement, "must not be negative");
        }
    }
}
