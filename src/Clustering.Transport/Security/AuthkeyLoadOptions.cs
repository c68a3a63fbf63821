namespace Clustering.Transport.Security;

/// <summary>How <see cref="Authkey.Load"/> checks the key file.</summary>
public sealed class AuthkeyLoadOptions
{
    /// <summary>
    /// Accept a file whose mode lets its group or other users read or write it. Off by default: a key
    /// others can read lets them forge frames. On Windows the mode is never checked.
    /// </summary>
    public bool AllowGroupOrOtherAccess { get; set; }
}
