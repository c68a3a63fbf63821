namespace Clustering.Cib.Versions;

/// <summary>What an update changed, for the version counter rules.</summary>
public enum CibChangeKind
{
    /// <summary>Nothing: no counter moves.</summary>
    None,

    /// <summary>Something under <c>/cib/configuration</c>: <c>epoch</c>+1, <c>num_updates</c>=0.</summary>
    Configuration,

    /// <summary>Only the status section or root attributes: <c>num_updates</c>+1.</summary>
    Other,
}
