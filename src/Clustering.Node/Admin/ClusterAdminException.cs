namespace Clustering.Node.Admin;

/// <summary>An admin request failed: the endpoint refused it, or the client could not reach or understand the endpoint.</summary>
public sealed class ClusterAdminException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ClusterAdminException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What failed.</param>
    public ClusterAdminException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The cause.</param>
    public ClusterAdminException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with its code and message.</summary>
    /// <param name="code">Why it failed.</param>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The cause, if any.</param>
    public ClusterAdminException(AdminErrorCode code, string message, Exception? innerException = null)
        : base(message, innerException) => Code = code;

    /// <summary>Why it failed.</summary>
    public AdminErrorCode Code { get; }
}
