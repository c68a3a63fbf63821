using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Clustering.Transport.Rings;

/// <summary>
/// What both UDP rings share: the bounded receive queue, the receive loops (one per socket) and the sends.
/// Receiving reuses one <see cref="SocketAddress"/> and one receive buffer per loop, copies each datagram
/// into a pooled buffer of its size, and caches the <see cref="IPEndPoint"/> of each source, so a steady
/// stream of datagrams allocates nothing.
/// </summary>
internal sealed class UdpRingCore : IAsyncDisposable
{
    /// <summary>Large enough for any UDP payload (IPv4 65 507, IPv6 65 527 bytes).</summary>
    private const int ReceiveBufferSize = 65_536;

    /// <summary>Source and destination caches are cleared when they reach this size (a bound on memory, not a limit on members).</summary>
    private const int EndPointCacheLimit = 4096;

    /// <summary>The kernel socket buffer size asked for (the system caps it at net.core.rmem_max / wmem_max).</summary>
    private const int SocketBufferSize = 4 * 1024 * 1024;

    private static readonly IPEndPoint EndPointFactory = new(IPAddress.Any, 0);

    private readonly Channel<RingDatagram> _queue;
    private readonly SocketAddress _localAddress;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
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

    public RingCounters Counters { get; } = new();

    public ChannelReader<RingDatagram> Received => _queue.Reader;

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Starts a receive loop on <paramref name="socket"/>; <paramref name="accept"/>, when given, filters sources.</summary>
    public void StartReceiving(Socket socket, Func<IPAddress, bool>? accept)
    {
        var token = _stop.Token;
        var bound = socket.LocalEndPoint ?? LocalEndPoint;
        _loops.Add(Task.Run(() => ReceiveLoopAsync(socket, bound, accept, token), CancellationToken.None));
    }

    public void CheckSend(int length, CancellationToken cancellationToken) =>
        RingQueue.CheckSend(_owner, IsDisposed, length, cancellationToken);

    /// <summary>Sends to an endpoint, caching its serialized address.</summary>
    public ValueTask SendAsync(Socket socket, IPEndPoint destination, ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken)
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

        return SendAsync(socket, address, destination, datagram, cancellationToken);
    }

    /// <summary>Sends one datagram; an error from the operating system is counted and logged, never thrown (UDP may lose it anyway).</summary>
    /// <remarks>UDP sends nearly always complete at once: that path awaits nothing and allocates nothing.</remarks>
    public ValueTask SendAsync(Socket socket, SocketAddress address, EndPoint destination, ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken)
    {
        ValueTask<int> pending;
        try
        {
            pending = socket.SendToAsync(datagram, SocketFlags.None, address, cancellationToken);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            OnSendFailure(e, destination);
            return ValueTask.CompletedTask;
        }

        if (pending.IsCompletedSuccessfully)
        {
            _ = pending.Result;
            Counters.OnSent(datagram.Length);
            return ValueTask.CompletedTask;
        }

        return AwaitSendAsync(pending, destination, datagram.Length);
    }

    private async ValueTask AwaitSendAsync(ValueTask<int> pending, EndPoint destination, int length)
    {
        try
        {
            await pending.ConfigureAwait(false);
            Counters.OnSent(length);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            OnSendFailure(e, destination);
        }
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

    private async Task ReceiveLoopAsync(Socket socket, EndPoint localEndPoint, Func<IPAddress, bool>? accept, CancellationToken cancellationToken)
    {
        var buffer = GC.AllocateUninitializedArray<byte>(ReceiveBufferSize);
        var address = new SocketAddress(socket.AddressFamily);
        var sources = new Dictionary<SocketAddress, IPEndPoint>();
        while (!cancellationToken.IsCancellationRequested)
        {
            int length;
            try
            {
                length = await socket.ReceiveFromAsync(buffer, SocketFlags.None, address, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException) when (cancellationToken.IsCancellationRequested || IsDisposed)
            {
                break;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable)
            {
                // A late ICMP error for an earlier send (a member that is down): not a receive failure.
                RingLog.IcmpError(_logger, RingNumber, localEndPoint, e.SocketErrorCode);
                continue;
            }
#pragma warning disable CA1031 // The loop must survive anything: it logs, counts and goes on.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Counters.OnReceiveError();
                RingLog.ReceiveError(_logger, RingNumber, localEndPoint, e);
                if (!await PauseAsync(cancellationToken).ConfigureAwait(false))
                {
                    break;
                }

                continue;
            }

            if (address.Equals(_localAddress))
            {
                continue; // our own multicast, looped back
            }

            if (!sources.TryGetValue(address, out var source))
            {
                if (sources.Count >= EndPointCacheLimit)
                {
                    sources.Clear();
                }

                source = (IPEndPoint)EndPointFactory.Create(address);
                var key = new SocketAddress(address.Family, address.Size);
                address.Buffer.Span[..address.Size].CopyTo(key.Buffer.Span);
                sources.Add(key, source);
            }

            if (accept is not null && !accept(source.Address))
            {
                Counters.OnUnlistedSource();
                RingLog.UnlistedSource(_logger, RingNumber, source);
                continue;
            }

            if (length > MaxDatagramSize)
            {
                Counters.OnReceiveError();
                RingLog.Oversize(_logger, RingNumber, source, length, MaxDatagramSize);
                continue;
            }

            var rented = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
            buffer.AsSpan(0, length).CopyTo(rented);
            if (!RingQueue.Write(_queue.Writer, Counters, new RingDatagram(RingNumber, source, rented, length, ArrayPool<byte>.Shared)))
            {
                RingLog.ReceiveOverflow(_logger, RingNumber, Counters.ReceiveOverflows);
            }
        }
    }

    private async Task<bool> PauseAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10), _timeProvider, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
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

    /// <summary>Stops the loops, closes the sockets and the queue, and returns unread buffers.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        await Task.WhenAll(_loops).ConfigureAwait(false);
        RingQueue.CompleteAndDrain(_queue);
        _stop.Dispose();
    }
}
