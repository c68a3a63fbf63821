namespace Clustering.Transport.Rings;

/// <summary>Thread-safe counts kept by one ring. Read them at any time; they only grow.</summary>
public sealed class RingCounters
{
    private long _datagramsSent;
    private long _datagramsReceived;
    private long _bytesSent;
    private long _bytesReceived;
    private long _sendErrors;
    private long _receiveOverflows;
    private long _unlistedSources;
    private long _receiveErrors;
    private long _ownCopies;

    /// <summary>Datagrams handed to the network (a multicast counts once; a udpu send to all counts once per member).</summary>
    public long DatagramsSent => Volatile.Read(ref _datagramsSent);

    /// <summary>Datagrams received from other members.</summary>
    public long DatagramsReceived => Volatile.Read(ref _datagramsReceived);

    /// <summary>Bytes handed to the network.</summary>
    public long BytesSent => Volatile.Read(ref _bytesSent);

    /// <summary>Bytes received from other members.</summary>
    public long BytesReceived => Volatile.Read(ref _bytesReceived);

    /// <summary>Sends the operating system refused (unreachable network, buffer full, ...). The datagram is lost, as UDP allows.</summary>
    public long SendErrors => Volatile.Read(ref _sendErrors);

    /// <summary>Datagrams dropped because the reader did not keep up and the receive queue was full.</summary>
    public long ReceiveOverflows => Volatile.Read(ref _receiveOverflows);

    /// <summary>Datagrams dropped because their source is not a listed member (udpu with <c>block_unlisted_ips</c>).</summary>
    public long UnlistedSources => Volatile.Read(ref _unlistedSources);

    /// <summary>Errors the receive loop met and logged (the loop goes on).</summary>
    public long ReceiveErrors => Volatile.Read(ref _receiveErrors);

    /// <summary>
    /// This node's own multicast datagrams, looped back to its group socket and dropped there. Stays 0 where the kernel
    /// keeps them off the socket (a multicast ring on Linux).
    /// </summary>
    public long OwnCopies => Volatile.Read(ref _ownCopies);

    internal void OnSent(int bytes)
    {
        Interlocked.Increment(ref _datagramsSent);
        Interlocked.Add(ref _bytesSent, bytes);
    }

    internal void OnSent(int bytes, int datagrams)
    {
        Interlocked.Add(ref _datagramsSent, datagrams);
        Interlocked.Add(ref _bytesSent, bytes);
    }

    internal void OnReceived(int bytes)
    {
        Interlocked.Increment(ref _datagramsReceived);
        Interlocked.Add(ref _bytesReceived, bytes);
    }

    /// <summary>Takes back an <see cref="OnReceived"/> counted before a queue refused the datagram, as an overflow.</summary>
    internal void OnReceivedThenOverflowed(int bytes)
    {
        Interlocked.Decrement(ref _datagramsReceived);
        Interlocked.Add(ref _bytesReceived, -bytes);
        Interlocked.Increment(ref _receiveOverflows);
    }

    internal void OnSendError() => Interlocked.Increment(ref _sendErrors);

    internal void OnReceiveOverflow() => Interlocked.Increment(ref _receiveOverflows);

    internal void OnUnlistedSource(int datagrams = 1) => Interlocked.Add(ref _unlistedSources, datagrams);

    internal void OnReceiveError() => Interlocked.Increment(ref _receiveErrors);

    internal void OnOwnCopies(int datagrams) => Interlocked.Add(ref _ownCopies, datagrams);
}
