using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Clustering.Transport.Rings;

/// <summary>
/// What both UDP rings share: the bounded receive queue, the receive threads (one per socket), the push path to an
/// attached <see cref="IRingReceiver"/> and the sends. Each receive thread blocks in the socket's receive, reuses one
/// <see cref="SocketAddress"/> and one receive buffer, and caches the <see cref="IPEndPoint"/> of each source; it hands
/// each datagram inline to the attached receiver, or else copies it into a pooled buffer of its size and queues it.
/// A steady stream of datagrams allocates nothing and crosses no thread-pool hand-off.
/// </summary>
internal sealed partial class UdpRingCore : IAsyncDisposable
{
    /// <summary>Large enough for any UDP payload (IPv4 65 507, IPv6 65 527 bytes).</summary>
    private const int ReceiveBufferSize = 65_536;

    /// <summary>Source and destination caches are cleared when they reach this size (a bound on memory, not a limit on members).</summary>
    private const int EndPointCacheLimit = 4096;

    /// <summary>The kernel socket buffer size asked for (the system caps it at net.core.rmem_max / wmem_max).</summary>
    private const int SocketBufferSize = 4 * 1024 * 1024;

    private static readonly IPEndPoint EndPointFactory = new(IPAddress.Any, 0);

    private readonly Channel<RingDatagram> _queue;
    private readonly DatagramPool _copies = new();
    private readonly SocketAddress _localAddress;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private IRingReceiver? _receiver;
    private readonly List<Socket> _sockets = [];
    private readonly ConcurrentDictionary<IPEndPoint, SocketAddress> _destinations = new();
    private readonly IRing _owner;
    private int _disposed;

    public UdpRingCore(IRing owner, int ringNumber, IPEndPoint localEndPoint, int maxDatagramSize, int receiveQueueCapacity, ILogger logger, TimeProvider timeProvider)
    {
        _owner = owner;
        RingNumber = ringNumber;
        LocalEndPoint = localEndPoint;
        MaxDatagramSize = maxDatagramSize;
        _localAddress = localEndPoint.Serialize();
        _queue = RingQueue.Create(receiveQueueCapacity);
        _logger = logger;
        _timeProvider = timeProvider;
    }

    public int RingNumber { get; }

    public IPEndPoint LocalEndPoint { get; }

    public int MaxDatagramSize { get; }

    /// <summary>
    /// Whether the receive threads use <c>recvmmsg</c> where the platform has it (Linux); <see langword="false"/> keeps
    /// the portable one-datagram-per-call path. Set before the first <see cref="StartReceiving"/>.
    /// </summary>
    public bool BatchedIo { get; init; } = true;

    /// <summary>
    /// For a multicast ring's socket pair (<see cref="StartReceivingPair"/>): whether a unicast datagram waits for the group
    /// socket's backlog (Corosync's <c>recv_flush</c>, the default), or is handed on first.
    /// </summary>
    public bool RecvFlush { get; init; } = true;

    /// <summary>The most datagrams one batched receive takes.</summary>
    public const int BatchSize = 16;

    /// <summary>The most datagrams one batched receive takes with GRO on (each may hold up to 64 KiB of coalesced ones).</summary>
    public const int CoalescedBatchSize = 8;

    /// <summary>
    /// Whether the receive sockets have <c>UDP_GRO</c> on, so a datagram may arrive as several coalesced ones with their
    /// segment size; set by the ring (with <see cref="EnableSegmentationOffload"/>) before the first <see cref="StartReceiving"/>.
    /// </summary>
    public bool ReceiveOffload { get; private set; }

    public RingCounters Counters { get; } = new();

    public ChannelReader<RingDatagram> Received => _queue.Reader;

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Hands every later datagram to <paramref name="receiver"/> on the receive threads.</summary>
    public void Attach(IRingReceiver receiver)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ObjectDisposedException.ThrowIf(IsDisposed, _owner);
        if (Interlocked.CompareExchange(ref _receiver, receiver, null) is not null)
        {
            throw new InvalidOperationException($"Ring {RingNumber} already has a receiver attached.");
        }
    }

    public void CheckSend(int length, CancellationToken cancellationToken) =>
        RingQueue.CheckSend(_owner, IsDisposed, length, cancellationToken);

    /// <summary>Sends to an endpoint, caching its serialized address.</summary>
    public void Send(Socket socket, IPEndPoint destination, ReadOnlySpan<byte> datagram) =>
        Send(socket, Resolve(destination), destination, datagram);

    /// <summary>
    /// Sends one datagram synchronously on the calling thread: a UDP send only copies into the kernel's socket buffer,
    /// so it does not wait for the network, and there is no asynchronous hand-off and no allocation. An error from the
    /// operating system is counted and logged, never thrown (UDP may lose the datagram anyway).
    /// </summary>
    public void Send(Socket socket, SocketAddress address, EndPoint destination, ReadOnlySpan<byte> datagram)
    {
        try
        {
            socket.SendTo(datagram, SocketFlags.None, address);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            OnSendFailure(e, destination);
            return;
        }

        Counters.OnSent(datagram.Length);
    }

    private void LogSendError(EndPoint destination, int errno)
    {
        var error = LinuxSocketBatch.ToSocketError(errno);
        RingLog.SendError(_logger, RingNumber, destination, error);
    }

    private SocketAddress Resolve(IPEndPoint destination)
    {
        if (!_destinations.TryGetValue(destination, out var address))
        {
            if (_destinations.Count >= EndPointCacheLimit)
            {
                _destinations.Clear();
            }

            address = destination.Serialize();
            _destinations.TryAdd(destination, address);
        }

        return address;
    }

    private void OnSendFailure(Exception e, EndPoint destination)
    {
        if (IsDisposed)
        {
            throw new ObjectDisposedException(_owner.GetType().FullName, e);
        }

        var error = e is SocketException socketError ? socketError.SocketErrorCode : SocketError.Shutdown;
        Counters.OnSendError();
        RingLog.SendError(_logger, RingNumber, destination, error);
    }

    /// <summary>
    /// Turns on UDP segmentation offload for this ring when <paramref name="wanted"/>: probes the kernel with
    /// <see cref="SegmentationProbe"/> from <paramref name="local"/>, then sets <c>UDP_GRO</c> on every receive socket and
    /// sends runs of equal-size datagrams as one segmented message. Anything that fails leaves it off, logged once.
    /// Call before <see cref="StartReceiving"/>.
    /// </summary>
    public void EnableSegmentationOffload(bool wanted, IPAddress local, IEnumerable<Socket> receiveSockets)
    {
        if (!wanted || !BatchedIo || !LinuxSocketBatch.IsSupported)
        {
            return;
        }

        var problem = SegmentationProbe.Run(local);
        if (problem is null)
        {
            var sockets = receiveSockets.ToArray();
            foreach (var socket in sockets)
            {
                problem ??= SegmentationProbe.EnableGro(socket);
            }

            if (problem is not null)
            {
                foreach (var socket in sockets)
                {
                    _ = SegmentationProbe.DisableGro(socket);
                }
            }
        }

        if (problem is not null)
        {
            RingLog.SegmentationOffloadOff(_logger, RingNumber, problem);
            return;
        }

        ReceiveOffload = true;
        Segmentation = true;
        RingLog.SegmentationOffloadOn(_logger, RingNumber);
    }

    /// <summary>Makes <paramref name="socket"/> closed with the ring.</summary>
    public void Own(Socket socket) => _sockets.Add(socket);

    /// <summary>Asks for large kernel buffers, as Corosync does, so bursts are not dropped; the kernel may cap them.</summary>
    public static void EnlargeBuffers(Socket socket)
    {
        try
        {
            socket.ReceiveBufferSize = SocketBufferSize;
            socket.SendBufferSize = SocketBufferSize;
        }
        catch (SocketException)
        {
            // The system's limit stays in force; not an error.
        }
    }

    /// <summary>
    /// Stops the receive threads (closing a socket ends its blocking receive) or leaves the shared receive loop (the loop
    /// and its other rings go on), closes the queue, and returns unread buffers.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await LeaveLoopAsync().ConfigureAwait(false);
        foreach (var socket in _sockets)
        {
            WakeReceiver(socket);
            socket.Dispose();
        }

        await Task.WhenAll(_loops).ConfigureAwait(false);
        lock (_sendGate)
        {
            _sendBatch?.Dispose();
            _sendBatch = null;
        }

        RingQueue.CompleteAndDrain(_queue);
        _stop.Dispose();
    }
}
