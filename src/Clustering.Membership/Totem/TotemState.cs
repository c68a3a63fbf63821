namespace Clustering.Membership.Totem;

/// <summary>The four states of the Totem single-ring protocol.</summary>
internal enum TotemState
{
    /// <summary>Not started yet.</summary>
    Stopped = 0,

    /// <summary>A ring is installed; the token circulates and messages are ordered.</summary>
    Operational = 1,

    /// <summary>Collecting the membership through join messages until every live node agrees (consensus).</summary>
    Gather = 2,

    /// <summary>The commit token is making its first rotation of the proposed ring.</summary>
    Commit = 3,

    /// <summary>The new ring exchanges the old rings' messages so that every survivor delivers the same set.</summary>
    Recovery = 4,
}
