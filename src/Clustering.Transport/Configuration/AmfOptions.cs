namespace Clustering.Transport.Configuration;

/// <summary>
/// The <c>amf { mode }</c> section of openais' Availability Management Framework (Corosync 1.x era). Accepted so old
/// files load; it has no effect here and the loader warns.
/// </summary>
public sealed record AmfOptions
{
    /// <summary>The AMF mode (<c>mode</c>): <c>disabled</c> or <c>enabled</c>. Default disabled.</summary>
    public string Mode { get; init; } = "disabled";
}
