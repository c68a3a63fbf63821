using System.Text.Json;

namespace Clustering.NodeHost;

/// <summary>Writes <see cref="HostEvent"/>s to standard output, one JSON object per line, never interleaved.</summary>
internal sealed class EventWriter(TextWriter output)
{
    private readonly Lock _gate = new();

    /// <summary>Writes one event line and flushes it.</summary>
    public void Write(HostEvent e)
    {
        var line = JsonSerializer.Serialize(e, HostEventJson.Default.HostEvent);
        lock (_gate)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }
}
