namespace Clustering.Cib;

/// <summary>
/// A CIB that cannot be read: not well-formed XML, a DTD or entity, or beyond a limit of <see cref="CibLoadOptions"/>.
/// <see cref="LineNumber"/> and <see cref="LinePosition"/> point at the offending place (0 when unknown).
/// </summary>
public sealed class CibLoadException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CibLoadException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public CibLoadException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public CibLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a message, a position and a cause.</summary>
    public CibLoadException(string message, int lineNumber, int linePosition, Exception? innerException = null)
        : base(lineNumber > 0 ? $"{message} (line {lineNumber}, position {linePosition})" : message, innerException)
    {
        Reason = message;
        LineNumber = lineNumber;
        LinePosition = linePosition;
    }

    /// <summary>What is wrong, without the position.</summary>
    public string Reason { get; } = "";

    /// <summary>The 1-based line of the problem, or 0 when unknown.</summary>
    public int LineNumber { get; }

    /// <summary>The 1-based column of the problem, or 0 when unknown.</summary>
    public int LinePosition { get; }
}
