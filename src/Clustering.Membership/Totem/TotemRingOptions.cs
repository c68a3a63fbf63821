namespace Clustering.Membership.Totem;

/// <summary>Options of a <see cref="TotemRing"/>.</summary>
public sealed class TotemRingOptions
{
    /// <summary>The protocol timings (corosync.conf's totem timing keys, with Corosync's defaults).</summary>
    public Clustering.Transport.Configuration.TotemTimings Timings { get; set; } = new();

    /// <summary>
    /// Nodes in the configured nodelist (0, the default, when there is none). As in Corosync, a nodelist of three
    /// nodes or more adds <c>token_coefficient</c> × (nodes − 2) to the token timeout, and token_retransmit, hold and
    /// consensus (when not set) are computed from that effective token; the count is taken once, not from the live
    /// membership.
    /// </summary>
    public int NodelistSize { get; set; }

    /// <summary>How many application messages may wait to be sent; beyond it sends wait (back-pressure), and a waiting sender resumes once half of it is left. Default 1024.</summary>
    public int SendQueueCapacity { get; set; } = 1024;

    /// <summary>
    /// A directory where the ring sequence is persisted so that a restarted node never reuses a ring id
    /// (Corosync's ringid file); <see langword="null"/> keeps it in memory only.
    /// </summary>
    public string? StateDirectory { get; set; }

    /// <summary>
    /// The largest datagram a ring sends, headers included (corosync.conf's <c>totem.netmtu</c>, 576 or more). Default
    /// 1500. Application messages are packed into, or fragmented to, frames that fit it.
    /// </summary>
    public int NetMtu { get; set; } = 1500;

    /// <summary>
    /// The accelerated ring (Babay and Amir's Accelerated Ring protocol, which Spread runs; not a Corosync option): of the
    /// new messages a token visit sends, up to this many go out after the token is passed on instead of before it, so the
    /// next member works on the token while this one is still sending, and a rotation no longer waits for every
    /// member's sends. Order and virtual synchrony are unchanged: the token's seq counts the messages sent after it, and
    /// a member asks again only for messages announced a full rotation ago. Safe delivery comes up to one rotation
    /// later. 0 sends every message before the token, as Corosync does; every member of a ring may choose its own
    /// value. Default <see cref="DefaultAcceleratedWindow"/>.
    /// </summary>
    public int AcceleratedWindow { get; set; } = DefaultAcceleratedWindow;

    /// <summary>How many delivered events may wait for the consumer before the ring stops reading frames. Default 65536.</summary>
    public int EventQueueCapacity { get; set; } = 65536;

    /// <summary>
    /// When <see langword="true"/>, a reader waiting on <see cref="TotemRing.Events"/> resumes on the thread that
    /// publishes the events (a ring's receive thread, or a sender's thread), after that thread has sent the frames the
    /// protocol produced, instead of being scheduled on the thread pool: one thread hand-off less per delivery. Only for
    /// a reader that does little per event and never blocks (it hands events on and awaits when it must wait): while
    /// it runs, the ring reads no frames. Default <see langword="false"/>.
    /// </summary>
    public bool InlineEventReader { get; set; }

    /// <summary>
    /// When <see langword="true"/>, the messages delivered in one turn of the ring are published on
    /// <see cref="TotemRing.Events"/> as one <see cref="TotemDeliveryBatch"/> instead of one <see cref="TotemDelivery"/>
    /// each: the reader is woken once per batch (at high rates, once for the dozens of small messages packed into the
    /// frames that arrived together). Order is unchanged: configuration changes stay separate events between batches.
    /// <see cref="EventQueueCapacity"/> then counts batches, each of at most <see cref="TotemDeliveryBatch.MaxCount"/>
    /// messages. Default <see langword="false"/>.
    /// </summary>
    public bool BatchDeliveries { get; set; }

    /// <summary>The default <see cref="AcceleratedWindow"/>: every new message of a visit (Corosync's default <c>max_messages</c>) goes out after the token.</summary>
    public const int DefaultAcceleratedWindow = 17;
}
