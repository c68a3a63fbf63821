using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clustering.Transport.Rings;

/// <summary>
/// A ring over UDP multicast (Corosync's <c>transport: udp</c>, totemudp). Two sockets, as in Corosync: one
/// bound to the local address on <c>mcastport - 1</c> that sends everything and receives unicasts (its
/// address is <see cref="LocalEndPoint"/>), and one bound to the group on <c>mcastport</c> with
/// <c>SO_REUSEADDR</c>, joined to the group on the chosen interface, that receives multicasts. Multicast
/// loopback is on so several nodes on one host hear each other; a node's own multicasts come back with its
/// own source address and are discarded. As in Corosync (<c>recv_flush</c> before the token is processed), a datagram
/// read from the unicast socket is handed on only after every datagram already queued on the group socket, so the
/// token never overtakes the frames sent before it.
/// </summary>
/// <remarks>On a loopback address (127.0.0.N) the outgoing multicast interface is set to 127.0.0.1 and
/// the group is joined there, so a test can run several nodes on one machine without touching its network.</remarks>
public sealed class UdpMulticastRing : IRing, IPushRing, IBatchSendRing
{
    private readonly UdpRingCore _core;
    private readonly Socket _sendSocket;
    private readonly Socket _groupSocket;
    private readonly SocketAddress _groupAddress;
    private readonly (IPEndPoint EndPoint, SocketAddress Address)[] _group;

    private UdpMulticastRing(UdpMulticastRingOptions options, IPAddress local, ILogger logger)
    {
        static IPAddress interfaceAddressOf(IPAddress local) =>
            IPAddress.IsLoopback(local) && local.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Loopback : local;

        var group = options.MulticastAddress!;
        var family = local.AddressFamily;
        LocalEndPoint = new IPEndPoint(local, options.MulticastPort - 1);
        GroupEndPoint = new IPEndPoint(group, options.MulticastPort);
        _groupAddress = GroupEndPoint.Serialize();
        _group = [(GroupEndPoint, _groupAddress)];
        _core = new UdpRingCore(this, options.RingNumber, LocalEndPoint, options.MaxDatagramSize ?? UdpRingValidation.MaxPayload(family),
            options.ReceiveQueueCapacity, logger, options.TimeProvider)
        {
            BatchedIo = options.BatchedIo,
            SharedLoop = options.ReceiveLoop,
            RecvFlush = options.RecvFlush,
        };

        var interfaceIndex = family == AddressFamily.InterNetworkV6 ? IPv6InterfaceIndex(local) : 0;
        _sendSocket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        _groupSocket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            var ring = options.RingNumber;
            var interfaceAddress = interfaceAddressOf(local);
            Configure(ring, LocalEndPoint, "bind", () => _sendSocket.Bind(LocalEndPoint));
            Configure(ring, interfaceAddress, "set the multicast interface to", () =>
            {
                if (family == AddressFamily.InterNetwork)
                {
                    _sendSocket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, interfaceAddress.GetAddressBytes());
                    _sendSocket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, options.Ttl);
                    _sendSocket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, true);
                }
                else
                {
                    _sendSocket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastInterface, interfaceIndex);
                    _sendSocket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastTimeToLive, options.Ttl);
                    _sendSocket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastLoopback, true);
                }
            });

            // Linux filters by the bound address, so binding the group keeps other traffic to the port out;
            // other systems only accept the wildcard.
            // A scoped IPv6 group (ff12:: link-local...) is bound with the interface as its scope.
            var groupBind = !OperatingSystem.IsLinux()
                ? new IPEndPoint(family == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, options.MulticastPort)
                : family == AddressFamily.InterNetwork ? GroupEndPoint : new IPEndPoint(new IPAddress(group.GetAddressBytes(), interfaceIndex), options.MulticastPort);
            _groupSocket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            Configure(ring, groupBind, "bind", () => _groupSocket.Bind(groupBind));
            Configure(ring, GroupEndPoint, "join multicast group", () =>
            {
                if (family == AddressFamily.InterNetwork)
                {
                    _groupSocket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(group, interfaceAddress));
                }
                else
                {
                    _groupSocket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.AddMembership, new IPv6MulticastOption(group, interfaceIndex));
                }
            });
        }
        catch
        {
            _sendSocket.Dispose();
            _groupSocket.Dispose();
            throw;
        }

        OwnCopiesBlocked = BlockOwnCopies(_groupSocket, group, interfaceAddressOf(local), interfaceIndex, local, out var notBlocked);
        if (OwnCopiesBlocked)
        {
            RingLog.OwnCopiesBlocked(logger, options.RingNumber, local);
        }
        else
        {
            RingLog.OwnCopiesNotBlocked(logger, options.RingNumber, notBlocked);
        }

        UdpRingCore.EnlargeBuffers(_sendSocket);
        UdpRingCore.EnlargeBuffers(_groupSocket);
        _core.Own(_sendSocket);
        _core.Own(_groupSocket);
        _core.EnableSegmentationOffload(options.SegmentationOffload, local, [_sendSocket, _groupSocket]);
        // The token (unicast) is handed on only after the frames already queued on the group socket (recv_flush).
        _core.StartReceivingPair(_sendSocket, _groupSocket);
        RingLog.Started(logger, options.RingNumber, "udp", LocalEndPoint, GroupEndPoint);
    }

    /// <summary>Opens a multicast ring: resolves the local address, binds both sockets, joins the group and starts receiving.</summary>
    /// <param name="options">The interface block.</param>
    /// <param name="loggerFactory">Where the ring logs; nowhere when <see langword="null"/>.</param>
    /// <returns>The running ring; dispose it to leave the group and close the sockets.</returns>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    /// <exception cref="BindNetAddressNotFoundException"><see cref="UdpMulticastRingOptions.BindNetAddress"/> matches no local interface.</exception>
    /// <exception cref="RingBindException">A socket could not be bound or joined to the group.</exception>
    public static UdpMulticastRing Create(UdpMulticastRingOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var local = options.LocalAddress
            ?? Rings.BindNetAddress.Resolve(options.BindNetAddress!, options.Interfaces ?? Rings.BindNetAddress.LocalInterfaces());
        var logger = (ILogger?)loggerFactory?.CreateLogger<UdpMulticastRing>() ?? NullLogger.Instance;
        return new UdpMulticastRing(options, local, logger);
    }

    /// <inheritdoc />
    public int RingNumber => _core.RingNumber;

    /// <inheritdoc />
    /// <remarks>The local address on <c>mcastport - 1</c>: where this node sends from and receives unicasts.</remarks>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The multicast group and <c>mcastport</c> that <see cref="SendToAllAsync"/> sends to.</summary>
    public IPEndPoint GroupEndPoint { get; }

    /// <inheritdoc />
    public int MaxDatagramSize => _core.MaxDatagramSize;

    /// <inheritdoc />
    public ChannelReader<RingDatagram> Received => _core.Received;

    /// <inheritdoc />
    public RingCounters Counters => _core.Counters;

    /// <inheritdoc />
    /// <remarks>One datagram to the group; it counts once in <see cref="RingCounters.DatagramsSent"/>.</remarks>
    public ValueTask SendToAllAsync(ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken = default)
    {
        _core.CheckSend(datagram.Length, cancellationToken);
        _core.Send(_sendSocket, _groupAddress, GroupEndPoint, datagram.Span);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask SendToAsync(IPEndPoint destination, ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        _core.CheckSend(datagram.Length, cancellationToken);
        _core.Send(_sendSocket, destination, datagram.Span);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Whether the kernel keeps this node's own multicast frames off its group socket (on Linux): see
    /// <see cref="BlockOwnCopies"/>. Otherwise they arrive and the ring drops them by their source address.
    /// </summary>
    internal bool OwnCopiesBlocked { get; }

    /// <summary>Whether UDP segmentation offload is in use (asked for, and the kernel passed the probe at start).</summary>
    internal bool SegmentationOffloadActive => _core.Segmentation;

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _core.DisposeAsync();

    /// <inheritdoc />
    void IBatchSendRing.SendBatch(byte[] buffer, ReadOnlySpan<BatchDatagram> datagrams) => _core.SendBatch(_sendSocket, buffer, datagrams, _group);

    /// <inheritdoc />
    void IPushRing.Attach(IRingReceiver receiver) => _core.Attach(receiver);

    internal static void Configure(int ringNumber, object target, string operation, Action action)
    {
        try
        {
            action();
        }
        catch (SocketException e)
        {
            throw new RingBindException(ringNumber, target as EndPoint ?? new IPEndPoint((IPAddress)target, 0), operation, e);
        }
    }

    /// <summary>
    /// Multicast loops every frame a node sends back to its own group socket (loop-back stays on so that several nodes
    /// can share a host), where it costs the kernel a queued copy and the node a read, only to be dropped. On Linux the
    /// group socket's membership excludes the node's own address as a source (<c>IP_BLOCK_SOURCE</c> for IPv4,
    /// <c>MCAST_BLOCK_SOURCE</c> for IPv6), which the kernel checks before queueing anything. Only the node's frames
    /// come from that address on this ring: every member sends from its address on <c>mcastport - 1</c>, which no two
    /// sockets can bind. Best effort: where it is refused (another system, a kernel without source filtering), the own
    /// copies are received and dropped as before.
    /// </summary>
    /// <returns>Whether the block took.</returns>
    private static bool BlockOwnCopies(Socket groupSocket, IPAddress group, IPAddress interfaceAddress, int interfaceIndex, IPAddress local, out string reason)
    {
        // Linux <linux/in.h>, <linux/in6.h>, <bits/socket.h>.
        const int SolIp = 0;
        const int SolIPv6 = 41;
        const int IpBlockSource = 38;
        const int McastBlockSource = 43;
        const ushort AfInet6 = 10;
        if (!OperatingSystem.IsLinux() || (local.AddressFamily == AddressFamily.InterNetworkV6 && !Environment.Is64BitProcess))
        {
            reason = OperatingSystem.IsLinux() ? "IPv6 on a 32-bit process" : "not Linux";
            return false;
        }

        Span<byte> request = stackalloc byte[264];
        request.Clear();
        int level, name, length;
        if (local.AddressFamily == AddressFamily.InterNetwork)
        {
            // struct ip_mreq_source { imr_multiaddr; imr_interface; imr_sourceaddr; }, IPv4 addresses in network order.
            (level, name, length) = (SolIp, IpBlockSource, 12);
            _ = group.TryWriteBytes(request[..4], out _);
            _ = interfaceAddress.TryWriteBytes(request[4..8], out _);
            _ = local.TryWriteBytes(request[8..12], out _);
        }
        else
        {
            // struct group_source_req { u32 gsr_interface; (4 bytes of padding) sockaddr_storage gsr_group, gsr_source; }
            // on 64-bit Linux (sockaddr_storage is 8-aligned, 128 bytes), each address a sockaddr_in6.
            (level, name, length) = (SolIPv6, McastBlockSource, 264);
            MemoryMarshal.Write(request, (uint)interfaceIndex);
            WriteSockaddrIn6(request.Slice(8, 28), group, AfInet6, (uint)interfaceIndex);
            WriteSockaddrIn6(request.Slice(136, 28), local, AfInet6, (uint)local.ScopeId);
        }

        try
        {
            groupSocket.SetRawSocketOption(level, name, request[..length]);
            reason = "";
            return true;
        }
        catch (SocketException e)
        {
            reason = (name == IpBlockSource ? "IP_BLOCK_SOURCE" : "MCAST_BLOCK_SOURCE") + " refused: " + e.SocketErrorCode;
            return false;
        }

        static void WriteSockaddrIn6(Span<byte> destination, IPAddress address, ushort family, uint scope)
        {
            // sin6_family (host order), sin6_port 0, sin6_flowinfo 0, sin6_addr, sin6_scope_id (host order).
            MemoryMarshal.Write(destination, family);
            _ = address.TryWriteBytes(destination.Slice(8, 16), out _);
            MemoryMarshal.Write(destination[24..], scope);
        }
    }

    private static int IPv6InterfaceIndex(IPAddress local)
    {
        if (local.ScopeId != 0)
        {
            return (int)local.ScopeId;
        }

        if (IPAddress.IsLoopback(local))
        {
            return NetworkInterface.IPv6LoopbackInterfaceIndex;
        }

        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            var properties = nic.GetIPProperties();
            if (properties.UnicastAddresses.Any(u => u.Address.Equals(local)))
            {
                return properties.GetIPv6Properties().Index;
            }
        }

        return 0; // the system's default multicast interface
    }
}
