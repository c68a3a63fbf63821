namespace Clustering.NodeHost;

/// <summary>The command line is wrong; the message says how.</summary>
public sealed class HostArgumentException : Exception
{
    /// <summary>Creates the exception.</summary>
    public HostArgumentException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is wrong.</param>
    public HostArgumentException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public HostArgumentException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
