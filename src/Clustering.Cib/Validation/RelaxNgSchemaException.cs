namespace Clustering.Cib.Validation;

/// <summary>A RELAX NG schema that cannot be loaded: a missing or unreadable file, bad XML, or a grammar error.</summary>
public sealed class RelaxNgSchemaException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RelaxNgSchemaException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public RelaxNgSchemaException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public RelaxNgSchemaException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a place in a schema file.</summary>
    public RelaxNgSchemaException(string message, string? file, int lineNumber, Exception? innerException = null)
        : base(file is null ? message : $"{file}:{lineNumber}: {message}", innerException)
    {
        File = file;
        LineNumber = lineNumber;
    }

    /// <summary>The schema file at fault, when known.</summary>
    public string? File { get; }

    /// <summary>The line in <see cref="File"/>, or 0.</summary>
    public int LineNumber { get; }
}
