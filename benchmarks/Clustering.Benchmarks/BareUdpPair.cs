using System.Net;
using System.Net.Sockets;

namespace Clustering.Benchmarks;

/// <summary>
/// The platform baseline of the socket benchmarks: two plain UDP sockets on loopback, one datagram sent from one to
/// the other and received, nothing else.
/// </summary>
internal sealed class BareUdpPair : IDisposable
{
    private readonly Socket _sender = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly Socket _receiver = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly SocketAddress _destination;
    private readonly SocketAddress _source = new(AddressFamily.InterNetwork);
    private readonly byte[] _buffer = new byte[65_536];

    public BareUdpPair()
    {
        _receiver.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _sender.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _destination = _receiver.LocalEndPoint!.Serialize();
    }

    /// <summary>One datagram there, blocking calls; returns the received length.</summary>
    public int RoundTrip(byte[] payload)
    {
        _sender.SendTo(payload, SocketFlags.None, _destination);
        return _receiver.ReceiveFrom(_buffer, SocketFlags.None, _source);
    }

    /// <summary>One datagram there, asynchronous calls; returns the received length.</summary>
    public async ValueTask<int> RoundTripAsync(byte[] payload)
    {
        await _sender.SendToAsync(payload, SocketFlags.None, _destination).ConfigureAwait(false);
        return await _receiver.ReceiveFromAsync(_buffer, SocketFlags.None, _source).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _sender.Dispose();
        _receiver.Dispose();
    }
}
