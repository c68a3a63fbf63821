namespace Clustering.Transport.Configuration;

/// <summary>A parsed <c>corosync.conf</c>: its tree and the warnings the parser raised.</summary>
public sealed class ConfigDocument
{
    /// <summary>Creates a document.</summary>
    /// <param name="root">The root section (empty name).</param>
    /// <param name="fileName">The file it came from, or null.</param>
    /// <param name="warnings">The parser's warnings.</param>
    public ConfigDocument(ConfigSection root, string? fileName = null, IEnumerable<ConfigurationWarning>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (!root.IsRoot)
        {
            throw new ArgumentException($"the root of a document has no name, not '{root.Name}'", nameof(root));
        }

        Root = root;
        FileName = fileName;
        Warnings = (warnings ?? []).ToList().AsReadOnly();
    }

    /// <summary>The file it came from, or null.</summary>
    public string? FileName { get; }

    /// <summary>The top-level entries and sections.</summary>
    public ConfigSection Root { get; }

    /// <summary>What the parser accepted but reports (lines Corosync would split, for instance).</summary>
    public IReadOnlyList<ConfigurationWarning> Warnings { get; }
}
