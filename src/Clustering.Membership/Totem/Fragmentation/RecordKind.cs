namespace Clustering.Membership.Totem.Fragmentation;

/// <summary>What one record of a packed chunk holds (the low two bits of the record's first byte).</summary>
internal enum RecordKind : byte
{
    /// <summary>A whole message.</summary>
    Whole = 0,

    /// <summary>The first fragment of a message (its header also carries the message's total length).</summary>
    First = 1,

    /// <summary>A fragment between the first and the last.</summary>
    Middle = 2,

    /// <summary>The last fragment of a message.</summary>
    Last = 3,
}
