using System.Net;
using System.Net.Sockets;

namespace Clustering.Transport.Rings;

/// <summary>A ring could not open, bind or configure one of its sockets (address in use, address not local, multicast join refused...).</summary>
public sealed class RingBindException : IOException
{
    /// <summary>Creates the exception for a socket operation on <paramref name="endPoint"/> that failed.</summary>
    /// <param name="ringNumber">The ring.</param>
    /// <param name="endPoint">The endpoint (or multicast group) involved.</param>
    /// <param name="operation">What was attempted, such as "bind" or "join multicast group".</param>
    /// <param name="innerException">The socket error.</param>
    public RingBindException(int ringNumber, EndPoint endPoint, string operation, SocketException innerException)
        : base($"Ring {ringNumber}: {operation} {endPoint} failed: {innerException?.Message} ({innerException?.SocketErrorCode}).", innerException)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(innerException);
        RingNumber = ringNumber;
        EndPoint = endPoint;
        SocketError = innerException.SocketErrorCode;
    }

    /// <summary>Creates the exception.</summary>
    public RingBindException()
    {
        EndPoint = new IPEndPoint(IPAddress.None, 0);
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public RingBindException(string message)
        : base(message)
    {
        EndPoint = new IPEndPoint(IPAddress.None, 0);
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public RingBindException(string message, Exception innerException)
        : base(message, innerException)
    {
        EndPoint = new IPEndPoint(IPAddress.None, 0);
    }

    /// <summary>The ring.</summary>
    public int RingNumber { get; }

    /// <summary>The endpoint (or multicast group) involved.</summary>
    public EndPoint EndPoint { get; }

    /// <summary>The operating system's error.</summary>
    public SocketError SocketError { get; }
}
