namespace Clustering.Cib.Operations;

/// <summary>The options of one <see cref="CibStore"/> call, named after cibadmin's.</summary>
public sealed record CibCallOptions
{
    /// <summary>The default: no scope, no XPath, as the superuser.</summary>
    public static CibCallOptions Default { get; } = new();

    /// <summary><c>--scope</c>: the section to work in (<see cref="CibSections.Known"/>); <see langword="null"/> or unknown means the whole CIB.</summary>
    public string? Scope { get; init; }

    /// <summary><c>--xpath</c>: address the objects an XPath selects instead of a scope.</summary>
    public string? XPath { get; init; }

    /// <summary><c>--no-children</c>: a query returns the element without its children.</summary>
    public bool NoChildren { get; init; }

    /// <summary><c>--allow-create</c>: a modify that finds no object adds it under the scope.</summary>
    public bool AllowCreate { get; init; }

    /// <summary>The user the call acts as for ACLs; <see langword="null"/>, <c>root</c> and <c>hacluster</c> are unrestricted.</summary>
    public string? User { get; init; }

    /// <summary>The Unix groups of <see cref="User"/>, for <c>acl_group</c> entries.</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];
}
