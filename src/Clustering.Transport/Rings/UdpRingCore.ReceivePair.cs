using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Clustering.Transport.Rings;

/// <summary>
/// The receive side of a multicast ring (Corosync's <c>recv_flush</c>): one thread serves the unicast socket (the token)
/// and the group socket (the frames), and a token is handed on only after everything already queued on the group socket.
/// </summary>
internal sealed partial class UdpRingCore
{
    /// <summary>
    /// Starts receiving on a multicast ring's two sockets so that a datagram read from <paramref name="unicast"/> (the
    /// token, on <see cref="IRingReceiver.SocketLane"/>) is handed on only after every datagram already queued on
    /// <paramref name="group"/> (the frames, on <see cref="IRingReceiver.GroupLane"/>) when it was read: Corosync's
    /// <c>recv_flush</c>, which keeps a token from overtaking the frames sent before it. On Linux with
    /// <see cref="BatchedIo"/> one thread polls both sockets (<see cref="PairBatchReceiveLoop"/>, or the node's
    /// <see cref="SharedLoop"/> when the ring has one, with the same order); otherwise two threads
    /// share a lock (<see cref="PortableUnicastLoop"/> and <see cref="PortableGroupLoop"/>).
    /// </summary>
    public void StartReceivingPair(Socket unicast, Socket group)
    {
        var unicastBound = unicast.LocalEndPoint ?? LocalEndPoint;
        var groupBound = group.LocalEndPoint ?? LocalEndPoint;
        if (UsesSharedLoop)
        {
            RegisterWithLoop(new PairSource(this, unicast, unicastBound, group, groupBound));
            return;
        }

        if (BatchedIo && LinuxSocketBatch.IsSupported)
        {
            StartThread(() => PairBatchReceiveLoop(unicast, unicastBound, group, groupBound), "receive");
            return;
        }

        var flush = new PortableGroupFlush(group, groupBound);
        StartThread(() => PortableGroupLoop(flush), $"receive {IRingReceiver.GroupLane}");
        StartThread(() => PortableUnicastLoop(unicast, unicastBound, flush), $"receive {IRingReceiver.SocketLane}");
    }

    /// <summary>
    /// The Linux receive thread of a multicast ring: <c>poll</c> on both sockets, and each wake-up served as the shared
    /// loop serves it (<see cref="PairSource.Serve"/>: the group socket first, then the unicast one with
    /// <c>recv_flush</c>, or the unicast one first without it). Disposal shuts both sockets down for reading, which
    /// makes <c>poll</c> return.
    /// </summary>
    private unsafe void PairBatchReceiveLoop(Socket unicast, EndPoint unicastBound, Socket group, EndPoint groupBound)
    {
        PairSource source;
        try
        {
            source = new PairSource(this, unicast, unicastBound, group, groupBound);
        }
        catch (ObjectDisposedException)
        {
            return; // a socket was closed before the loop took hold of it
        }

        try
        {
            var polls = stackalloc LinuxSocketBatch.PollFd[2];
            while (!IsDisposed)
            {
                source.Fill(polls);
                if (LinuxSocketBatch.Poll(polls, 2, -1) < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == LinuxSocketBatch.EIntr)
                    {
                        continue;
                    }

                    if (IsDisposed || !OnReceiveFailure(groupBound, new SocketException((int)LinuxSocketBatch.ToSocketError(errno), $"poll failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})")))
                    {
                        break;
                    }

                    continue;
                }

                if (IsDisposed)
                {
                    break; // shut-down sockets report readable
                }

                source.Serve(polls);
            }
        }
        finally
        {
            source.Release();
        }
    }

    /// <summary>
    /// One non-blocking <c>recvmmsg</c> on the group socket, handed on as one batch; returns how many datagrams it
    /// took (0 when none were queued or the call failed).
    /// </summary>
    private int ReceiveGroupBatch(int fd, ReceiveBatch batch, ref int used, EndPoint localEndPoint, Dictionary<SocketAddress, IPEndPoint> sources, SocketAddress address, bool coalesced)
    {
        var count = ReadBatch(fd, batch, ref used, localEndPoint, wait: false);
        if (count <= 0)
        {
            return 0;
        }

        HandOnBatch(batch, count, IRingReceiver.GroupLane, accept: null, sources, address, coalesced);
        return count;
    }

    /// <summary>Handles a failed non-blocking <c>recvmmsg</c> (nothing queued is not a failure); returns whether the loop goes on.</summary>
    private bool OnNonBlockingReceiveError(int errno, EndPoint localEndPoint) =>
        errno is LinuxSocketBatch.EAgain or LinuxSocketBatch.EIntr || OnBatchReceiveError(-1, errno, localEndPoint);

    private ReceiveBatch NewReceiveBatch(bool coalesced) => coalesced
        ? new ReceiveBatch(CoalescedBatchSize, ReceiveBufferSize, ReceiveBatch.GroControlSize)
        : new ReceiveBatch(BatchSize, Math.Min(MaxDatagramSize + 1, ReceiveBufferSize));

    /// <summary>
    /// The portable path's group side, shared by a multicast ring's two threads: its socket, buffer and source cache,
    /// and the lock under which datagrams are read from the group socket and handed on, by either thread.
    /// </summary>
    private sealed class PortableGroupFlush(Socket socket, EndPoint localEndPoint)
    {
        public Lock Gate { get; } = new();

        public Socket Socket { get; } = socket;

        public EndPoint LocalEndPoint { get; } = localEndPoint;

        public byte[] Buffer { get; } = GC.AllocateUninitializedArray<byte>(ReceiveBufferSize);

        public SocketAddress Address { get; } = new(socket.AddressFamily);

        public Dictionary<SocketAddress, IPEndPoint> Sources { get; } = [];
    }

    /// <summary>
    /// The portable group thread: waits (outside the lock) until the group socket is readable, then under the lock
    /// reads and hands on every datagram queued there. Reads happen only under the lock, so a datagram is never held
    /// by one thread while the other flushes.
    /// </summary>
    private void PortableGroupLoop(PortableGroupFlush flush)
    {
        while (!IsDisposed)
        {
            bool readable;
            try
            {
                // A bounded wait, so a disposal is noticed even where closing a socket does not wake a poll.
                readable = flush.Socket.Poll(TimeSpan.FromMilliseconds(200), SelectMode.SelectRead);
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException e)
            {
                if (IsDisposed || !OnReceiveFailure(flush.LocalEndPoint, e))
                {
                    break;
                }

                continue;
            }

            if (readable && !IsDisposed)
            {
                lock (flush.Gate)
                {
                    if (!FlushGroup(flush))
                    {
                        break;
                    }
                }
            }
        }
    }

    /// <summary>
    /// The portable unicast thread: a blocking receive, then, under the group lock, every datagram queued on the group
    /// socket is handed on before the one just read.
    /// </summary>
    private void PortableUnicastLoop(Socket socket, EndPoint localEndPoint, PortableGroupFlush flush)
    {
        var buffer = GC.AllocateUninitializedArray<byte>(ReceiveBufferSize);
        var address = new SocketAddress(socket.AddressFamily);
        var sources = new Dictionary<SocketAddress, IPEndPoint>();
        while (!IsDisposed)
        {
            var result = TryReceive(socket, localEndPoint, buffer, address, blocking: true, out var length);
            if (result == ReceiveResult.Stop)
            {
                break;
            }

            if (result != ReceiveResult.Received)
            {
                continue;
            }

            lock (flush.Gate)
            {
                if (RecvFlush && !FlushGroup(flush))
                {
                    break;
                }

                var receiver = Volatile.Read(ref _receiver);
                if (Take(receiver, IRingReceiver.SocketLane, accept: null, sources, address, buffer.AsSpan(0, length), truncated: false) && receiver is not null)
                {
                    EndBatch(receiver, IRingReceiver.SocketLane);
                }
            }
        }
    }

    /// <summary>Under the group lock: reads and hands on every datagram queued on the group socket; returns whether receiving goes on.</summary>
    private bool FlushGroup(PortableGroupFlush flush)
    {
        while (!IsDisposed)
        {
            bool queued;
            try
            {
                queued = flush.Socket.Poll(TimeSpan.Zero, SelectMode.SelectRead);
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
            catch (SocketException e)
            {
                return !IsDisposed && OnReceiveFailure(flush.LocalEndPoint, e);
            }

            if (!queued)
            {
                return true;
            }

            var result = TryReceive(flush.Socket, flush.LocalEndPoint, flush.Buffer, flush.Address, blocking: false, out var length);
            if (result == ReceiveResult.Stop)
            {
                return false;
            }

            if (result != ReceiveResult.Received)
            {
                continue;
            }

            var receiver = Volatile.Read(ref _receiver);
            if (Take(receiver, IRingReceiver.GroupLane, accept: null, flush.Sources, flush.Address, flush.Buffer.AsSpan(0, length), truncated: false) && receiver is not null)
            {
                EndBatch(receiver, IRingReceiver.GroupLane);
            }
        }

        return false;
    }
}
