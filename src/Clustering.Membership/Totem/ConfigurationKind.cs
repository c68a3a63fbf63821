namespace Clustering.Membership.Totem;

/// <summary>The two kinds of configuration extended virtual synchrony delivers.</summary>
internal enum ConfigurationKind
{
    /// <summary>The members of the old configuration that move on together; delivered before the new regular configuration.</summary>
    Transitional = 0,

    /// <summary>The new ring's membership.</summary>
    Regular = 1,
}
