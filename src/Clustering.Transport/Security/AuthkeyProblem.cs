namespace Clustering.Transport.Security;

/// <summary>Which rule an authkey file broke.</summary>
public enum AuthkeyProblem
{
    /// <summary>The file does not exist.</summary>
    Missing = 1,

    /// <summary>The key is shorter than <see cref="Authkey.MinLength"/> or longer than <see cref="Authkey.MaxLength"/> bytes.</summary>
    WrongSize = 2,

    /// <summary>The file's mode lets its group or other users read or write it.</summary>
    UnsafePermissions = 3,

    /// <summary>A key file already exists where a new one was to be written, and overwriting was not asked for.</summary>
    AlreadyExists = 4,

    /// <summary>The file exists but cannot be read or written (permissions of the process, a directory, an I/O error).</summary>
    Unreadable = 5,
}
