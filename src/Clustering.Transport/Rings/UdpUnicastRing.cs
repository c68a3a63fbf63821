using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clustering.Transport.Rings;

/// <summary>
/// A ring over UDP unicast (Corosync's <c>transport: udpu</c>, totemudpu): one socket bound to
/// <see cref="LocalEndPoint"/>; "send to all" is one unicast to each member of the nodelist except this node.
/// </summary>
public sealed class UdpUnicastRing : IRing, IPushRing, IBatchSendRing
{
    private readonly UdpRingCore _core;
    private readonly Socket _socket;
    private readonly (IPEndPoint EndPoint, SocketAddress Address)[] _peers;

    private UdpUnicastRing(UdpUnicastRingOptions options, ILogger logger)
    {
        LocalEndPoint = options.LocalEndPoint!;
        var family = LocalEndPoint.AddressFamily;
        _core = new UdpRingCore(this, options.RingNumber, LocalEndPoint, options.MaxDatagramSize ?? UdpRingValidation.MaxPayload(family),
            options.ReceiveQueueCapacity, logger, options.TimeProvider)
        {
            BatchedIo = options.BatchedIo,
            SharedLoop = options.ReceiveLoop,
        };
        Members = options.Members.Distinct().ToArray();
        _peers = Members.Where(m => !m.Equals(LocalEndPoint)).Select(m => (m, m.Serialize())).ToArray();
        var listed = Members.Select(m => m.Address).ToHashSet();
        _socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            UdpMulticastRing.Configure(options.RingNumber, LocalEndPoint, "bind", () => _socket.Bind(LocalEndPoint));
        }
        catch
        {
            _socket.Dispose();
            throw;
        }

        UdpRingCore.EnlargeBuffers(_socket);
        _core.Own(_socket);
        _core.EnableSegmentationOffload(options.SegmentationOffload, LocalEndPoint.Address, [_socket]);
        _core.StartReceiving(_socket, options.BlockUnlistedSources ? listed.Contains : null, IRingReceiver.SocketLane);
        RingLog.StartedUnicast(logger, options.RingNumber, LocalEndPoint, _peers.Length);
    }

    /// <summary>Opens a unicast ring: binds the socket and starts receiving.</summary>
    /// <param name="options">The ring's local endpoint and nodelist.</param>
    /// <param name="loggerFactory">Where the ring logs; nowhere when <see langword="null"/>.</param>
    /// <returns>The running ring; dispose it to close the socket.</returns>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    /// <exception cref="RingBindException">The socket could not be bound.</exception>
    public static UdpUnicastRing Create(UdpUnicastRingOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var logger = (ILogger?)loggerFactory?.CreateLogger<UdpUnicastRing>() ?? NullLogger.Instance;
        return new UdpUnicastRing(options, logger);
    }

    /// <inheritdoc />
    public int RingNumber => _core.RingNumber;

    /// <inheritdoc />
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The nodelist, without duplicates.</summary>
    public IReadOnlyList<IPEndPoint> Members { get; }

    /// <inheritdoc />
    public int MaxDatagramSize => _core.MaxDatagramSize;

    /// <inheritdoc />
    public ChannelReader<RingDatagram> Received => _core.Received;

    /// <inheritdoc />
    public RingCounters Counters => _core.Counters;

    /// <inheritdoc />
    /// <remarks>One unicast per other member; each counts in <see cref="RingCounters.DatagramsSent"/>.</remarks>
    public ValueTask SendToAllAsync(ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken = default)
    {
        _core.CheckSend(datagram.Length, cancellationToken);
        var span = datagram.Span;
        foreach (var (endPoint, address) in _peers)
        {
            _core.Send(_socket, address, endPoint, span);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask SendToAsync(IPEndPoint destination, ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        _core.CheckSend(datagram.Length, cancellationToken);
        _core.Send(_socket, destination, datagram.Span);
        return ValueTask.CompletedTask;
    }

    /// <summary>The ring's socket (for tests that change its options).</summary>
    internal Socket Socket => _socket;

    /// <summary>Whether UDP segmentation offload is in use (asked for, and the kernel passed the probe at start).</summary>
    internal bool SegmentationOffloadActive => _core.Segmentation;

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _core.DisposeAsync();

    /// <inheritdoc />
    void IBatchSendRing.SendBatch(byte[] buffer, ReadOnlySpan<BatchDatagram> datagrams) => _core.SendBatch(_socket, buffer, datagrams, _peers);

    /// <inheritdoc />
    void IPushRing.Attach(IRingReceiver receiver) => _core.Attach(receiver);
}
