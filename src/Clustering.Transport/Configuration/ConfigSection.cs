namespace Clustering.Transport.Configuration;

/// <summary>
/// A <c>name { … }</c> block of <c>corosync.conf</c> with its entries and nested sections in file order.
/// The whole file is a root section with an empty name.
/// </summary>
public sealed class ConfigSection : ConfigNode
{
    /// <summary>Creates a section.</summary>
    /// <param name="name">The section name; empty only for the root.</param>
    /// <param name="items">The entries and nested sections in order.</param>
    /// <param name="line">The 1-based line of the opening brace's line, or 0 when built in code.</param>
    /// <param name="column">The 1-based column of the name, or 0.</param>
    /// <exception cref="ArgumentException">The name cannot be written to <c>corosync.conf</c>, or an item is null.</exception>
    public ConfigSection(string name, IEnumerable<ConfigNode> items, int line = 0, int column = 0)
        : base(line, column)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(items);
        if (name.Length != 0 && !ConfigSyntax.IsValidName(name))
        {
            throw new ArgumentException($"'{name}' is not a valid corosync.conf section name (no blanks, ':', '{{', '}}', '#' or control characters)", nameof(name));
        }

        var list = items.ToList();
        if (list.Exists(i => i is null))
        {
            throw new ArgumentException("a section item is null", nameof(items));
        }

        Name = name;
        Items = list.AsReadOnly();
    }

    /// <summary>The section name (<c>totem</c>, <c>interface</c>, …); empty for the root of a file.</summary>
    public string Name { get; }

    /// <summary>Whether this is the root of a file (no name).</summary>
    public bool IsRoot => Name.Length == 0;

    /// <summary>The entries and nested sections, in file order.</summary>
    public IReadOnlyList<ConfigNode> Items { get; }

    /// <summary>The entries, in file order.</summary>
    public IEnumerable<ConfigEntry> Entries => Items.OfType<ConfigEntry>();

    /// <summary>The nested sections, in file order.</summary>
    public IEnumerable<ConfigSection> Sections => Items.OfType<ConfigSection>();

    /// <summary>The nested sections called <paramref name="name"/>, in file order.</summary>
    /// <param name="name">The section name.</param>
    public IEnumerable<ConfigSection> SectionsNamed(string name) =>
        Sections.Where(s => string.Equals(s.Name, name, StringComparison.Ordinal));

    /// <summary>The last entry with <paramref name="key"/> (Corosync keeps the last of repeated keys), or null.</summary>
    /// <param name="key">The key.</param>
    public ConfigEntry? Find(string key) =>
        Entries.LastOrDefault(e => string.Equals(e.Key, key, StringComparison.Ordinal));

    /// <inheritdoc />
    public override bool ContentEquals(ConfigNode? other)
    {
        if (other is not ConfigSection section
            || !string.Equals(Name, section.Name, StringComparison.Ordinal)
            || Items.Count != section.Items.Count)
        {
            return false;
        }

        for (var i = 0; i < Items.Count; i++)
        {
            if (!Items[i].ContentEquals(section.Items[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The section written in <c>corosync.conf</c> syntax.</summary>
    public override string ToString() => CorosyncConfigWriter.Write(this);
}
