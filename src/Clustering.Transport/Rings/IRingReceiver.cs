using System.Net;

namespace Clustering.Transport.Rings;

/// <summary>
/// The push path of a ring: a consumer that takes each datagram inline, on the thread that received it, instead of
/// reading <see cref="IRing.Received"/>. <see cref="Redundancy.RingSet"/> uses it so that authentication, the replay
/// check and the redundancy monitor run on the socket's receive thread, with no hand-off between threads.
/// </summary>
/// <remarks>
/// Calls with the same <c>lane</c> never overlap (each lane is one receiving thread); calls with different lanes
/// may run at the same time. The receiver must return quickly: it holds up the socket it is called from.
/// </remarks>
internal interface IRingReceiver
{
    /// <summary>Lane of a ring's first receive thread (the unicast socket, or the only socket).</summary>
    const int SocketLane = 0;

    /// <summary>Lane of a ring's second receive thread (the multicast group socket).</summary>
    const int GroupLane = 1;

    /// <summary>Lane of a forwarding pump (a wrapper that reads an inner ring's queue, such as <see cref="DowncheckRing"/>).</summary>
    const int PumpLane = 2;

    /// <summary>The number of lanes.</summary>
    const int LaneCount = 3;

    /// <summary>Takes one datagram. <paramref name="datagram"/> is the receive buffer: valid, and writable, only during the call.</summary>
    /// <param name="ringNumber">The ring it arrived on.</param>
    /// <param name="lane">Which receiving thread calls (0 to <see cref="LaneCount"/> − 1).</param>
    /// <param name="source">The sender's address on the ring.</param>
    /// <param name="datagram">The datagram's bytes.</param>
    void OnReceived(int ringNumber, int lane, IPEndPoint source, Span<byte> datagram);

    /// <summary>
    /// Ends a batch: the datagrams handed to <see cref="OnReceived"/> on this lane since the last call arrived together
    /// (one <c>recvmmsg</c>, or a single datagram where there is no batching). A receiver may hold work back until
    /// then, such as waking its consumer once per batch instead of once per datagram. Called on the same thread.
    /// </summary>
    /// <param name="ringNumber">The ring.</param>
    /// <param name="lane">The receiving thread's lane.</param>
    void OnBatchEnd(int ringNumber, int lane);
}

/// <summary>A ring that can push its datagrams to an <see cref="IRingReceiver"/>.</summary>
internal interface IPushRing : IRing
{
    /// <summary>
    /// From now on, hands every received datagram to <paramref name="receiver"/> instead of queueing it in
    /// <see cref="IRing.Received"/>. Datagrams queued before the call stay there for the caller to drain.
    /// </summary>
    /// <param name="receiver">The consumer; it stays attached until the ring is disposed.</param>
    void Attach(IRingReceiver receiver);
}
