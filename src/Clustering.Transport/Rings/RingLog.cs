using System.Net;
using Microsoft.Extensions.Logging;

namespace Clustering.Transport.Rings;

/// <summary>Log lines of the rings (event ids 3100-3199).</summary>
internal static partial class RingLog
{
    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "Ring {RingNumber}: {Transport} bound to {LocalEndPoint}, sending to {Destination}")]
    public static partial void Started(ILogger logger, int ringNumber, string transport, IPEndPoint localEndPoint, EndPoint destination);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Ring {RingNumber}: receive error on {LocalEndPoint}; the loop goes on")]
    public static partial void ReceiveError(ILogger logger, int ringNumber, EndPoint localEndPoint, Exception exception);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Debug, Message = "Ring {RingNumber}: send to {Destination} failed ({Error}); the datagram is lost")]
    public static partial void SendError(ILogger logger, int ringNumber, EndPoint destination, System.Net.Sockets.SocketError error);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Debug, Message = "Ring {RingNumber}: dropped a datagram from {Source}, which is not in the member list")]
    public static partial void UnlistedSource(ILogger logger, int ringNumber, EndPoint source);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Debug, Message = "Ring {RingNumber}: receive queue full, datagram dropped ({Overflows} so far)")]
    public static partial void ReceiveOverflow(ILogger logger, int ringNumber, long overflows);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Debug, Message = "Ring {RingNumber}: ICMP error reported on {LocalEndPoint} ({Error}); ignored")]
    public static partial void IcmpError(ILogger logger, int ringNumber, EndPoint localEndPoint, System.Net.Sockets.SocketError error);

    [LoggerMessage(EventId = 3106, Level = LogLevel.Debug, Message = "Ring {RingNumber}: dropped a datagram of {Length} bytes from {Source}, above the maximum of {Maximum}")]
    public static partial void Oversize(ILogger logger, int ringNumber, EndPoint source, int length, int maximum);

    [LoggerMessage(EventId = 3107, Level = LogLevel.Information, Message = "Ring {RingNumber}: udpu bound to {LocalEndPoint}, {PeerCount} other members")]
    public static partial void StartedUnicast(ILogger logger, int ringNumber, IPEndPoint localEndPoint, int peerCount);

    [LoggerMessage(EventId = 3108, Level = LogLevel.Warning, Message = "Ring {RingNumber}: The network interface is down ({Reason}); checking again every downcheck interval")]
    public static partial void InterfaceDown(ILogger logger, int ringNumber, string reason);

    [LoggerMessage(EventId = 3109, Level = LogLevel.Debug, Message = "Ring {RingNumber}: the network interface is still down (check {Attempt})")]
    public static partial void InterfaceStillDown(ILogger logger, int ringNumber, int attempt);

    [LoggerMessage(EventId = 3110, Level = LogLevel.Information, Message = "Ring {RingNumber}: The network interface [{LocalEndPoint}] is now up.")]
    public static partial void InterfaceUp(ILogger logger, int ringNumber, IPEndPoint localEndPoint);

    [LoggerMessage(EventId = 3111, Level = LogLevel.Error, Message = "Ring {RingNumber}: checking for the network interface failed; the ring stays down")]
    public static partial void InterfaceCheckFailed(ILogger logger, int ringNumber, Exception exception);

    [LoggerMessage(EventId = 3112, Level = LogLevel.Error, Message = "Ring {RingNumber}: the receiver of a datagram failed; the datagram is lost, the receive thread goes on")]
    public static partial void ReceiverFailed(ILogger logger, int ringNumber, Exception exception);

    [LoggerMessage(EventId = 3113, Level = LogLevel.Debug, Message = "Ring {RingNumber}: UDP segmentation offload on (UDP_SEGMENT sends, UDP_GRO receives)")]
    public static partial void SegmentationOffloadOn(ILogger logger, int ringNumber);

    [LoggerMessage(EventId = 3114, Level = LogLevel.Information, Message = "Ring {RingNumber}: UDP segmentation offload off ({Reason}); datagrams are sent and received one by one")]
    public static partial void SegmentationOffloadOff(ILogger logger, int ringNumber, string reason);

    [LoggerMessage(EventId = 3115, Level = LogLevel.Debug, Message = "Ring {RingNumber}: this node's own multicast frames are kept off its group socket (source {Source} excluded)")]
    public static partial void OwnCopiesBlocked(ILogger logger, int ringNumber, IPAddress source);

    [LoggerMessage(EventId = 3116, Level = LogLevel.Debug, Message = "Ring {RingNumber}: this node's own multicast frames are received and dropped ({Reason})")]
    public static partial void OwnCopiesNotBlocked(ILogger logger, int ringNumber, string reason);
}
