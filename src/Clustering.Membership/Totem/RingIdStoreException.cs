namespace Clustering.Membership.Totem;

/// <summary>The ring id file cannot be read or written, or holds something that is not a ring sequence number.</summary>
internal sealed class RingIdStoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RingIdStoreException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public RingIdStoreException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public RingIdStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
