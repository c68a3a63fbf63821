using System.Diagnostics.Metrics;
using Clustering.Transport.Security;

namespace Clustering.Transport.Redundancy;

/// <summary>Options of a <see cref="RingSet"/>: who this node is, how frames are protected and how the rings back each other up.</summary>
public sealed class RingSetOptions
{
    /// <summary>This node's id (<c>nodeid</c>, or derived from the ring 0 address). Must not be 0.</summary>
    public uint NodeId { get; set; }

    /// <summary>
    /// This run of the node, stamped on every frame so that peers tell a restarted node from a replay of an old one.
    /// Must grow from one start to the next; <see langword="null"/> (the default) uses the wall clock in microseconds.
    /// </summary>
    public ulong? Incarnation { get; set; }

    /// <summary>Frame authentication and encryption (<c>cluster_name</c>, <c>crypto_hash</c>, <c>crypto_cipher</c>).</summary>
    public FrameProtectorOptions Protection { get; set; } = new();

    /// <summary>The redundant ring protocol (<c>rrp_mode</c> and the <c>rrp_*</c> knobs).</summary>
    public RedundancyOptions Redundancy { get; set; } = new();

    /// <summary>How many received frames may wait for the consumer; beyond it frames are dropped and counted. Default 8192.</summary>
    public int ReceiveQueueCapacity { get; set; } = 8192;

    /// <summary>How many sequences per sender the replay guard remembers. Default 1024.</summary>
    public int ReplayWindow { get; set; } = 1024;

    /// <summary>Where the <c>Clustering.Transport</c> meter is created; <see langword="null"/> creates a standalone meter.</summary>
    public IMeterFactory? MeterFactory { get; set; }

    /// <summary>Checks the options against the number of rings; throws <see cref="ArgumentException"/> naming the bad setting.</summary>
    /// <param name="ringCount">The number of rings the set will run.</param>
    public void Validate(int ringCount)
    {
        if (NodeId == 0)
        {
            throw new ArgumentException("NodeId must not be 0 (Corosync reserves node id 0).");
        }

        ArgumentNullException.ThrowIfNull(Protection);
        ArgumentNullException.ThrowIfNull(Redundancy);
        if (ReceiveQueueCapacity < 1)
        {
            throw new ArgumentException("ReceiveQueueCapacity must be at least 1.");
        }

        if (ReplayWindow < 64)
        {
            throw new ArgumentException("ReplayWindow must be at least 64.");
        }

        Redundancy.Validate(ringCount);
    }
}
