namespace Clustering.NodeHost;

/// <summary>A command read from standard input is malformed or cannot run now; the host answers with an error line.</summary>
public sealed class CommandException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CommandException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is wrong.</param>
    public CommandException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public CommandException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
