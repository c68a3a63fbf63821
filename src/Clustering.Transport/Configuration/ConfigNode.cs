namespace Clustering.Transport.Configuration;

/// <summary>
/// One item of a parsed <c>corosync.conf</c> tree: a <see cref="ConfigSection"/> (<c>name { … }</c>) or a
/// <see cref="ConfigEntry"/> (<c>key: value</c>). Positions are 1-based; 0 means "not read from a file".
/// </summary>
public abstract class ConfigNode
{
    /// <summary>Creates a node at a position.</summary>
    /// <param name="line">The 1-based line, or 0 when the node was built in code.</param>
    /// <param name="column">The 1-based column of the node's first character, or 0.</param>
    private protected ConfigNode(int line, int column)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(line);
        ArgumentOutOfRangeException.ThrowIfNegative(column);
        Line = line;
        Column = column;
    }

    /// <summary>The 1-based line the node starts on, or 0 when it was built in code.</summary>
    public int Line { get; }

    /// <summary>The 1-based column of the node's first non-blank character, or 0 when it was built in code.</summary>
    public int Column { get; }

    /// <summary>Whether <paramref name="other"/> has the same content (names, keys, values, order), ignoring positions.</summary>
    /// <param name="other">The node to compare with.</param>
    public abstract bool ContentEquals(ConfigNode? other);
}
