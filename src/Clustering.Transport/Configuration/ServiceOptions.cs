namespace Clustering.Transport.Configuration;

/// <summary>
/// A <c>service { name ver }</c> block: Corosync 1.x loaded a plugin by name and interface version
/// (<c>name: pacemaker</c>, <c>ver: 1</c> = the plugin gives membership only and pacemakerd runs apart).
/// Accepted so old files load; it has no effect here and the loader warns.
/// </summary>
public sealed record ServiceOptions
{
    /// <summary>The plugin name (<c>name</c>), required.</summary>
    public required string Name { get; init; }

    /// <summary>The plugin interface version (<c>ver</c>). Default 0.</summary>
    public int Version { get; init; }
}
