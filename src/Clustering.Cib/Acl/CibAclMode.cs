namespace Clustering.Cib.Acl;

/// <summary>The access an ACL rule grants or refuses.</summary>
[Flags]
public enum CibAclMode
{
    /// <summary>No mark.</summary>
    None = 0,

    /// <summary><c>read</c>: the element and its subtree may be read.</summary>
    Read = 1,

    /// <summary><c>write</c>: the element and its subtree may be read and changed.</summary>
    Write = 2,

    /// <summary><c>deny</c>: the element and its subtree may be neither read nor changed.</summary>
    Deny = 4,
}
