namespace Clustering.Membership.Groups;

/// <summary>Something a group's members are told, in total order: a message or a membership change.</summary>
public abstract record GroupEvent
{
    /// <summary>Creates an event of <paramref name="group"/>.</summary>
    /// <param name="group">The group's name.</param>
    protected GroupEvent(string group)
    {
        Group = group;
    }

    /// <summary>The group's name.</summary>
    public string Group { get; private protected set; }
}
