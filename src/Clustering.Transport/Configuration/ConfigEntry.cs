namespace Clustering.Transport.Configuration;

/// <summary>A <c>key: value</c> line of <c>corosync.conf</c>. The value is everything after the first colon, trimmed; it may contain spaces and colons.</summary>
public sealed class ConfigEntry : ConfigNode
{
    /// <summary>Creates an entry; <paramref name="key"/> and <paramref name="value"/> must be writable back to <c>corosync.conf</c>.</summary>
    /// <param name="key">The key: not empty, no blanks, colons, braces or control characters.</param>
    /// <param name="value">The value: no braces opening a section (<c>{</c>), no control characters, no leading or trailing blanks.</param>
    /// <param name="line">The 1-based line, or 0 when built in code.</param>
    /// <param name="column">The 1-based column of the key, or 0.</param>
    /// <param name="valueColumn">The 1-based column of the value's first character, or 0.</param>
    /// <exception cref="ArgumentException">The key or value cannot be written as a <c>corosync.conf</c> line.</exception>
    public ConfigEntry(string key, string value, int line = 0, int column = 0, int valueColumn = 0)
        : base(line, column)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (!ConfigSyntax.IsValidName(key))
        {
            throw new ArgumentException($"'{key}' is not a valid corosync.conf key (it must be non-empty, without blanks, ':', '{{', '}}', '#' or control characters)", nameof(key));
        }

        if (!ConfigSyntax.IsValidValue(value))
        {
            throw new ArgumentException($"'{value}' is not a valid corosync.conf value (no '{{', control characters, or leading and trailing blanks)", nameof(value));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(valueColumn);
        Key = key;
        Value = value;
        ValueColumn = valueColumn;
    }

    /// <summary>The key, the text before the first colon.</summary>
    public string Key { get; }

    /// <summary>The value, the text after the first colon (possibly empty).</summary>
    public string Value { get; }

    /// <summary>The 1-based column of the value's first character (after the colon and blanks), or 0.</summary>
    public int ValueColumn { get; }

    /// <inheritdoc />
    public override bool ContentEquals(ConfigNode? other) =>
        other is ConfigEntry entry
        && string.Equals(Key, entry.Key, StringComparison.Ordinal)
        && string.Equals(Value, entry.Value, StringComparison.Ordinal);

    /// <summary>The entry as it is written: <c>key: value</c>.</summary>
    public override string ToString() => Value.Length == 0 ? Key + ":" : Key + ": " + Value;
}
