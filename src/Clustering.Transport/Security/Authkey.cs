using System.Globalization;
using System.Security.Cryptography;

namespace Clustering.Transport.Security;

/// <summary>
/// The shared secret of a cluster: a file of random bytes, like Corosync's <c>/etc/corosync/authkey</c>.
/// Frame authentication and encryption keys are derived from it (see <see cref="FrameProtector"/>).
/// The bytes live in a pinned array that <see cref="Dispose"/> zeroes.
/// </summary>
/// <remarks>
/// Lengths follow Corosync: 128 bytes by default (Corosync 2 requires exactly that), anything from 128 to
/// 4096 bytes accepted (Corosync 3's range). Files are written with mode 0400 and refused when group or
/// others can access them.
/// </remarks>
public sealed class Authkey : IDisposable
{
    /// <summary>The length <see cref="Generate"/> uses by default, in bytes (1024 bits, Corosync 2's size).</summary>
    public const int DefaultLength = 128;

    /// <summary>The shortest key accepted, in bytes.</summary>
    public const int MinLength = 128;

    /// <summary>The longest key accepted, in bytes.</summary>
    public const int MaxLength = 4096;

    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private readonly byte[] _key;
    private bool _disposed;

    private Authkey(int length)
    {
        _key = GC.AllocateArray<byte>(length, pinned: true);
    }

    /// <summary>The key length in bytes.</summary>
    public int Length => _key.Length;

    /// <summary>The key bytes, for key derivation inside this assembly.</summary>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    internal ReadOnlySpan<byte> Bytes
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _key;
        }
    }

    /// <summary>Creates a new key from the operating system's cryptographic random number generator.</summary>
    /// <param name="length">The key length in bytes, from <see cref="MinLength"/> to <see cref="MaxLength"/>.</param>
    /// <returns>The new key.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is outside the accepted range.</exception>
    public static Authkey Generate(int length = DefaultLength)
    {
        if (length is < MinLength or > MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"An authkey is {MinLength} to {MaxLength} bytes long.");
        }

        var key = new Authkey(length);
        RandomNumberGenerator.Fill(key._key);
        return key;
    }

    /// <summary>Creates a key from bytes held elsewhere (a configuration value, a secret store). The bytes are copied.</summary>
    /// <param name="key">The key, <see cref="MinLength"/> to <see cref="MaxLength"/> bytes.</param>
    /// <returns>The key.</returns>
    /// <exception cref="ArgumentException">The key has a length outside the accepted range.</exception>
    public static Authkey FromBytes(ReadOnlySpan<byte> key)
    {
        if (key.Length is < MinLength or > MaxLength)
        {
            throw new ArgumentException($"An authkey is {MinLength} to {MaxLength} bytes long, not {key.Length}.", nameof(key));
        }

        var result = new Authkey(key.Length);
        key.CopyTo(result._key);
        return result;
    }

    /// <summary>Reads a key file, checking that it exists, is private to its owner and has an accepted length.</summary>
    /// <param name="path">The key file.</param>
    /// <param name="options">How strictly to check; <see langword="null"/> for the defaults.</param>
    /// <returns>The key.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="AuthkeyException">The file is missing, unsafe, of a wrong size or unreadable; the message says which.</exception>
    public static Authkey Load(string path, AuthkeyLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new AuthkeyLoadOptions();

        if (Directory.Exists(path))
        {
            throw new AuthkeyException(path, AuthkeyProblem.Unreadable, $"Authkey '{path}' is a directory, not a key file.");
        }

        if (!File.Exists(path))
        {
            throw new AuthkeyException(path, AuthkeyProblem.Missing, $"Authkey '{path}' does not exist. Create one with 'clusterctl keygen -k {path}' and copy it to every node.");
        }

        try
        {
            if (!OperatingSystem.IsWindows() && !options.AllowGroupOrOtherAccess)
            {
                var mode = File.GetUnixFileMode(path);
                if ((mode & GroupOrOther) != 0)
                {
                    var octal = Convert.ToString((int)mode & 0x1FF, 8).PadLeft(4, '0');
                    throw new AuthkeyException(
                        path,
                        AuthkeyProblem.UnsafePermissions,
                        $"Authkey '{path}' has mode {octal}: its group or other users can access it, and anyone who reads it can forge cluster traffic. Run 'chmod 0400 {path}' (or 0600).");
                }
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.None);
            var length = stream.Length;
            if (length is < MinLength or > MaxLength)
            {
                throw WrongSize(path, length.ToString(CultureInfo.InvariantCulture));
            }

            var key = new Authkey((int)length);
            try
            {
                stream.ReadExactly(key._key);
                if (stream.ReadByte() >= 0)
                {
                    throw WrongSize(path, "more than " + length.ToString(CultureInfo.InvariantCulture));
                }

                return key;
            }
            catch
            {
                key.Dispose();
                throw;
            }
        }
        catch (AuthkeyException)
        {
            throw;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AuthkeyException(path, AuthkeyProblem.Unreadable, $"Authkey '{path}' cannot be read: {e.Message}", e);
        }
    }

    /// <summary>
    /// Writes the key to <paramref name="path"/> atomically: the bytes go to a temporary file created with
    /// mode 0400 in the same directory, which then replaces (or, without <paramref name="overwrite"/>, takes) the name.
    /// </summary>
    /// <param name="path">The key file to write.</param>
    /// <param name="overwrite">Replace an existing file; without it an existing file is an error.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    /// <exception cref="AuthkeyException">The file exists (and <paramref name="overwrite"/> is false), or it cannot be written.</exception>
    public void Save(string path, bool overwrite = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ObjectDisposedException.ThrowIf(_disposed, this);

        if (!overwrite && (File.Exists(path) || Directory.Exists(path)))
        {
            throw AlreadyExists(path, null);
        }

        var full = System.IO.Path.GetFullPath(path);
        var directory = System.IO.Path.GetDirectoryName(full) ?? ".";
        var temp = System.IO.Path.Combine(directory, "." + System.IO.Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            var streamOptions = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                BufferSize = 0,
            };
            if (!OperatingSystem.IsWindows())
            {
                streamOptions.UnixCreateMode = UnixFileMode.UserRead;
            }

            using (var stream = new FileStream(temp, streamOptions))
            {
                stream.Write(_key);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite);
        }
        catch (IOException e) when (!overwrite && File.Exists(full))
        {
            TryDelete(temp);
            throw AlreadyExists(path, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new AuthkeyException(path, AuthkeyProblem.Unreadable, $"Authkey '{path}' cannot be written: {e.Message}", e);
        }
    }

    /// <summary>Zeroes the key bytes. Later use of the key throws <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            CryptographicOperations.ZeroMemory(_key);
            _disposed = true;
        }
    }

    private static AuthkeyException WrongSize(string path, string actual) =>
        new(path, AuthkeyProblem.WrongSize, $"Authkey '{path}' is {actual} bytes long; an authkey must be {MinLength} to {MaxLength} bytes.");

    private static AuthkeyException AlreadyExists(string path, Exception? cause) =>
        new(path, AuthkeyProblem.AlreadyExists, $"Authkey '{path}' already exists; refusing to overwrite it (remove it first, or ask for overwriting).", cause);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The temporary file stays behind; it holds a key nobody uses and is private to its owner.
        }
    }
}
