namespace Clustering.Tool.Commands;

/// <summary>A command line that cannot be understood: clusterctl prints it with the usage line and exits 2.</summary>
internal sealed class CommandLineException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CommandLineException()
    {
    }

    /// <summary>Creates the exception with a message that says what is wrong.</summary>
    public CommandLineException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public CommandLineException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
