namespace Clustering.Membership.Groups;

/// <summary>Something a group's members are told, in total order: a message or a membership change.</summary>
/// <param name="Group">The group's name.</param>
public abstract record GroupEvent(string Group);
