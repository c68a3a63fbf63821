namespace Clustering.Transport.Configuration;

/// <summary>
/// A <c>corosync.conf</c> that cannot be used: a syntax error (message starting <c>parser error:</c>, as Corosync
/// words it), a value that is not of the key's type or out of its range (<c>parse error in config:</c>), or a
/// combination of values that does not hold together. Says where: file, line, column and key.
/// </summary>
public sealed class ConfigurationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ConfigurationException()
        : this("invalid configuration")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is wrong.</param>
    public ConfigurationException(string message)
        : base(message)
    {
        Reason = message;
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public ConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = message;
    }

    /// <summary>Creates the exception with its location.</summary>
    /// <param name="reason">What is wrong, without the location.</param>
    /// <param name="fileName">The file, or null.</param>
    /// <param name="line">The 1-based line, or 0 when unknown.</param>
    /// <param name="column">The 1-based column, or 0 when unknown.</param>
    /// <param name="key">The dotted key or section (<c>totem.token</c>), or null.</param>
    /// <param name="innerException">The cause, or null.</param>
    public ConfigurationException(string reason, string? fileName, int line, int column, string? key, Exception? innerException = null)
        : base(FormatLocation(fileName, line, column) + reason, innerException)
    {
        Reason = reason;
        FileName = fileName;
        Line = line;
        Column = column;
        Key = key;
    }

    /// <summary>The message without the location, e.g. <c>parser error: Missing closing brace</c>.</summary>
    public string Reason { get; }

    /// <summary>The file, or null when the text did not come from a file.</summary>
    public string? FileName { get; }

    /// <summary>The 1-based line, or 0 when the error is not about one line.</summary>
    public int Line { get; }

    /// <summary>The 1-based column, or 0 when unknown.</summary>
    public int Column { get; }

    /// <summary>The dotted key or section at fault (<c>totem.interface.mcastport</c>), or null for syntax errors.</summary>
    public string? Key { get; }

    /// <summary>Formats <c>FILE:LINE:COL: </c> with the parts that are known (nothing when none is).</summary>
    internal static string FormatLocation(string? fileName, int line, int column)
    {
        var text = fileName ?? (line > 0 ? "<text>" : string.Empty);
        if (line > 0)
        {
            text += ":" + line.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (column > 0)
            {
                text += ":" + column.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return text.Length == 0 ? string.Empty : text + ": ";
    }
}
