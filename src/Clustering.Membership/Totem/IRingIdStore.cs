namespace Clustering.Membership.Totem;

/// <summary>
/// Keeps the highest ring sequence number a node has used, so that after a restart it never forms a ring with an id
/// it used before (Corosync's <c>ringid_&lt;nodeid&gt;</c> file in its state directory).
/// </summary>
internal interface IRingIdStore
{
    /// <summary>The stored sequence number, 0 when nothing was stored.</summary>
    ulong Load();

    /// <summary>Stores <paramref name="sequence"/> durably before the ring that uses it is announced.</summary>
    void Save(ulong sequence);
}
