using System.Globalization;

namespace Clustering.Membership.Totem;

/// <summary>
/// A ring id store in a file of the state directory (<c>ringid_&lt;nodeid&gt;</c>, as Corosync names it), holding the
/// sequence number as decimal text. Writes go to a temporary file that is flushed and renamed over the old one, so a
/// crash leaves either the old or the new value.
/// </summary>
internal sealed class FileRingIdStore : IRingIdStore
{
    /// <summary>Creates a store for node <paramref name="nodeId"/> in <paramref name="stateDirectory"/> (created when missing).</summary>
    public FileRingIdStore(string stateDirectory, uint nodeId)
    {
        ArgumentException.ThrowIfNullOrEmpty(stateDirectory);
        Directory.CreateDirectory(stateDirectory);
        Path = System.IO.Path.Combine(stateDirectory, string.Create(CultureInfo.InvariantCulture, $"ringid_{nodeId}"));
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public ulong Load()
    {
        string text;
        try
        {
            if (!File.Exists(Path))
            {
                return 0;
            }

            text = File.ReadAllText(Path).Trim();
        }
        catch (IOException e)
        {
            throw new RingIdStoreException($"cannot read the ring id file {Path}: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new RingIdStoreException($"cannot read the ring id file {Path}: {e.Message}", e);
        }

        if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            throw new RingIdStoreException($"the ring id file {Path} does not hold a ring sequence number");
        }

        return value;
    }

    /// <inheritdoc />
    public void Save(ulong sequence)
    {
        var temporary = Path + ".tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                var bytes = System.Text.Encoding.ASCII.GetBytes(sequence.ToString(CultureInfo.InvariantCulture) + "\n");
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, Path, overwrite: true);
        }
        catch (IOException e)
        {
            throw new RingIdStoreException($"cannot write the ring id file {Path}: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new RingIdStoreException($"cannot write the ring id file {Path}: {e.Message}", e);
        }
    }
}
