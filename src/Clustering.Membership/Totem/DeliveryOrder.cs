namespace Clustering.Membership.Totem;

/// <summary>The delivery guarantee asked for a message.</summary>
internal enum DeliveryOrder : byte
{
    /// <summary>Agreed order: delivered in the total order as soon as every earlier message has been delivered.</summary>
    Agreed = 0,

    /// <summary>
    /// Safe order: delivered in the total order only once every member of the configuration is known to have
    /// received the message (or, in a transitional configuration, every member of that configuration).
    /// </summary>
    Safe = 1,
}
