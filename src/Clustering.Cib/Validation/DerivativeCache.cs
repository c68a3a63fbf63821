using System.Xml.Linq;

namespace Clustering.Cib.Validation;

/// <summary>
/// The memo tables of the derivative algorithm for one compiled schema, with the pattern builder their patterns
/// come from. They depend only on the schema (never on a document's IDs), so a <see cref="RelaxNgSchema"/> keeps
/// one warm between validations: validating the next CIB is then mostly one dictionary lookup per tag and
/// attribute. One validation uses a cache at a time.
/// </summary>
internal sealed class DerivativeCache
{
    /// <summary>A cache grown past this many entries (patterns plus memo rows) is dropped instead of kept warm.</summary>
    public const int MaxEntries = 1 << 20;

    public DerivativeCache(PatternBuilder schemaBuilder)
    {
        Builder = new PatternBuilder(schemaBuilder);
    }

    public PatternBuilder Builder { get; }

    public Dictionary<(int, XName), Pattern> StartTagOpen { get; } = [];

    public Dictionary<(int, XName, ulong), Pattern> Attribute { get; } = [];

    public Dictionary<(int, XName), Pattern[]> Candidates { get; } = [];

    public Dictionary<(int, string), bool> ValueMatch { get; } = [];

    public Dictionary<int, bool> UsesIds { get; } = [];

    public Dictionary<int, Pattern> StartTagClose { get; } = [];

    public Dictionary<int, Pattern> EndTag { get; } = [];

    public Dictionary<(int, string), Pattern> Text { get; } = [];

    public Dictionary<(byte, int, int), Pattern> ApplyAfter { get; } = [];

    /// <summary>The derivative for an element with no content at all (most CIB elements), choice included.</summary>
    public Dictionary<int, Pattern> EmptyContent { get; } = [];

    /// <summary>Patterns made plus memo rows: what the cache holds in memory.</summary>
    public int Size => Builder.Count + StartTagOpen.Count + Attribute.Count + Candidates.Count + ValueMatch.Count + UsesIds.Count
        + StartTagClose.Count + EndTag.Count + Text.Count + ApplyAfter.Count + EmptyContent.Count;
}
