namespace Clustering.Tool.Commands.Bench;

/// <summary>A benchmark run that could not complete: a node failed to start, join or report. clusterctl exits 1.</summary>
internal sealed class BenchFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BenchFailedException()
    {
    }

    /// <summary>Creates the exception with a message that says what failed.</summary>
    public BenchFailedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public BenchFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
