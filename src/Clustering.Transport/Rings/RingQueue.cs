using System.Threading.Channels;

namespace Clustering.Transport.Rings;

/// <summary>The bounded receive queue every ring uses, and the argument checks every ring shares.</summary>
internal static class RingQueue
{
    public static Channel<RingDatagram> Create(int capacity) =>
        Channel.CreateBounded<RingDatagram>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: the writer counts and drops.
            SingleReader = false,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        });

    /// <summary>Queues <paramref name="datagram"/>, or returns its buffer and counts an overflow when the queue is full or closed.</summary>
    public static bool Write(ChannelWriter<RingDatagram> writer, RingCounters counters, RingDatagram datagram)
    {
        // Counted before it is queued: a reader that took it must find it counted.
        var length = datagram.Length;
        counters.OnReceived(length);
        if (writer.TryWrite(datagram))
        {
            return true;
        }

        datagram.Dispose();
        counters.OnReceivedThenOverflowed(length);
        return false;
    }

    /// <summary>Closes the queue and returns the buffers of datagrams nobody read.</summary>
    public static void CompleteAndDrain(Channel<RingDatagram> queue)
    {
        queue.Writer.TryComplete();
        while (queue.Reader.TryRead(out var left))
        {
            left.Dispose();
        }
    }

    /// <summary>The checks before any send: not disposed, not cancelled, not oversize.</summary>
    public static void CheckSend(IRing ring, bool disposed, int length, CancellationToken cancellationToken, string datagramParameter = "datagram")
    {
        ObjectDisposedException.ThrowIf(disposed, ring);
        cancellationToken.ThrowIfCancellationRequested();
        if (length > ring.MaxDatagramSize)
        {
            throw new ArgumentException($"A datagram of {length} bytes exceeds ring {ring.RingNumber}'s maximum of {ring.MaxDatagramSize} bytes.", datagramParameter);
        }
    }
}
