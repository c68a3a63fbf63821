using Clustering.Transport.Framing;

namespace Clustering.Transport.Redundancy;

/// <summary>Counts of a <see cref="RingSet"/>, readable at any time without a metrics listener.</summary>
public sealed class RingSetStatistics
{
    private readonly long[] _dropped = new long[Enum.GetValues<FrameDropReason>().Max(r => (int)r) + 1];
    private long _framesSent;
    private long _datagramsSent;
    private long _framesAccepted;
    private long _redundantCopies;
    private long _redundantCopiesUnauthenticated;
    private long _deliveryOverflows;

    /// <summary>Frames handed to <see cref="RingSet.SendToAllAsync"/> or <see cref="RingSet.SendToAsync"/> and sent on at least one ring.</summary>
    public long FramesSent => Volatile.Read(ref _framesSent);

    /// <summary>Datagrams written to rings (an active-mode frame counts once per ring).</summary>
    public long DatagramsSent => Volatile.Read(ref _datagramsSent);

    /// <summary>First copies of authenticated frames accepted (including ring probes, which are not delivered).</summary>
    public long FramesAccepted => Volatile.Read(ref _framesAccepted);

    /// <summary>Second and later copies of a frame (active mode), discarded as expected.</summary>
    public long RedundantCopies => Volatile.Read(ref _redundantCopies);

    /// <summary>
    /// The part of <see cref="RedundantCopies"/> recognised from the header alone (sender, incarnation and sequence of
    /// a frame already accepted from another ring) and dropped before authentication and decryption.
    /// </summary>
    public long RedundantCopiesUnauthenticated => Volatile.Read(ref _redundantCopiesUnauthenticated);

    /// <summary>Frames dropped because the consumer did not keep up with <see cref="RingSetOptions.ReceiveQueueCapacity"/>.</summary>
    public long DeliveryOverflows => Volatile.Read(ref _deliveryOverflows);

    /// <summary>All datagrams dropped for any <see cref="FrameDropReason"/>.</summary>
    public long TotalDropped
    {
        get
        {
            long total = 0;
            for (var i = 0; i < _dropped.Length; i++)
            {
                total += Volatile.Read(ref _dropped[i]);
            }

            return total;
        }
    }

    /// <summary>Datagrams dropped for one reason.</summary>
    public long Dropped(FrameDropReason reason)
        => (uint)reason < (uint)_dropped.Length ? Volatile.Read(ref _dropped[(int)reason]) : 0;

    internal void OnFrameSent(int datagrams)
    {
        Interlocked.Increment(ref _framesSent);
        Interlocked.Add(ref _datagramsSent, datagrams);
    }

    internal void OnAccepted() => Interlocked.Increment(ref _framesAccepted);

    internal void OnRedundantCopy() => Interlocked.Increment(ref _redundantCopies);

    internal void OnUnauthenticatedRedundantCopy()
    {
        Interlocked.Increment(ref _redundantCopiesUnauthenticated);
        Interlocked.Increment(ref _redundantCopies);
    }

    internal void OnDeliveryOverflow() => Interlocked.Increment(ref _deliveryOverflows);

    internal void OnDropped(FrameDropReason reason)
    {
        if ((uint)reason < (uint)_dropped.Length)
        {
            Interlocked.Increment(ref _dropped[(int)reason]);
        }
    }
}
