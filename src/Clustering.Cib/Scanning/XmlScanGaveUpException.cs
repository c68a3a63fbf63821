namespace Clustering.Cib.Scanning;

/// <summary>
/// Thrown by <see cref="Utf8XmlScanner"/> when it meets something it does not handle or finds wrong: the caller
/// then reads the same bytes again with <see cref="System.Xml.XmlReader"/>, which accepts or refuses the document
/// with its own wording and positions. The message says why, for tests and debugging only.
/// </summary>
internal sealed class XmlScanGaveUpException : Exception
{
    /// <summary>Creates the exception.</summary>
    public XmlScanGaveUpException()
    {
    }

    /// <summary>Creates the exception with the reason.</summary>
    public XmlScanGaveUpException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the reason and a cause.</summary>
    public XmlScanGaveUpException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
