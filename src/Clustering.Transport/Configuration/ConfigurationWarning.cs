namespace Clustering.Transport.Configuration;

/// <summary>Something in a <c>corosync.conf</c> that was accepted but deserves attention (an unknown key, a key with no effect here).</summary>
/// <param name="FileName">The file, or null when the text did not come from a file.</param>
/// <param name="Line">The 1-based line, or 0 when the warning is not about one line.</param>
/// <param name="Column">The 1-based column, or 0.</param>
/// <param name="Key">The key or section the warning is about, dotted from the root (<c>totem.interface.ttl</c>), or null.</param>
/// <param name="Message">What is wrong, in one sentence.</param>
public sealed record ConfigurationWarning(string? FileName, int Line, int Column, string? Key, string Message)
{
    /// <summary>The warning as a compiler-style line: <c>FILE:LINE:COL: warning: MESSAGE</c>.</summary>
    public override string ToString() => ConfigurationException.FormatLocation(FileName, Line, Column) + "warning: " + Message;
}
