namespace Clustering.Transport.Security;

/// <summary>An authkey file could not be loaded or saved. The message names the file and the rule it broke.</summary>
public sealed class AuthkeyException : Exception
{
    /// <summary>Creates the exception with an empty path and <see cref="AuthkeyProblem.Unreadable"/>.</summary>
    public AuthkeyException()
        : this("authkey error")
    {
    }

    /// <summary>Creates the exception with a message, an empty path and <see cref="AuthkeyProblem.Unreadable"/>.</summary>
    /// <param name="message">What went wrong.</param>
    public AuthkeyException(string message)
        : this(message, innerException: null)
    {
    }

    /// <summary>Creates the exception with a message and a cause, an empty path and <see cref="AuthkeyProblem.Unreadable"/>.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public AuthkeyException(string message, Exception? innerException)
        : this(string.Empty, AuthkeyProblem.Unreadable, message, innerException)
    {
    }

    /// <summary>Creates the exception for a file and a rule.</summary>
    /// <param name="path">The authkey file.</param>
    /// <param name="problem">The rule it broke.</param>
    /// <param name="message">A message that names the file and the rule.</param>
    /// <param name="innerException">The cause, if any.</param>
    public AuthkeyException(string path, AuthkeyProblem problem, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Path = path ?? string.Empty;
        Problem = problem;
    }

    /// <summary>The authkey file concerned.</summary>
    public string Path { get; }

    /// <summary>The rule it broke.</summary>
    public AuthkeyProblem Problem { get; }
}
