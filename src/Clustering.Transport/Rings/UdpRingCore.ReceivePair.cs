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
    /// The Linux receive thread of a multicast ring: <c>poll</c> on both sockets, the group socket served first. When
    /// the unicast socket has datagrams, a batch is read from it, then the group socket is drained with non-blocking
    /// <c>recvmmsg</c> calls (until one returns fewer than a full batch: the queue was empty), and only then is the
    /// unicast batch handed on. Everything queued on the group socket before the token was read thus reaches the
    /// receiver before the token. Each <c>recvmmsg</c> is one batch (<see cref="IRingReceiver.OnBatchEnd"/> once).
    /// Disposal shuts both sockets down for reading, which makes <c>poll</c> return.
    /// </summary>
    private unsafe void PairBatchReceiveLoop(Socket unicast, EndPoint unicastBound, Socket group, EndPoint groupBound)
    {
        var coalesced = ReceiveOffload;
        using var unicastBatch = NewReceiveBatch(coalesced);
        using var groupBatch = NewReceiveBatch(coalesced);
        var address = new SocketAddress(group.AddressFamily);
        var sources = new Dictionary<SocketAddress, IPEndPoint>();
        var unicastHandle = unicast.SafeHandle;
        var groupHandle = group.SafeHandle;
        bool unicastAdded = false, groupAdded = false;
        try
        {
            unicastHandle.DangerousAddRef(ref unicastAdded);
            groupHandle.DangerousAddRef(ref groupAdded);
            var unicastFd = (int)unicastHandle.DangerousGetHandle();
            var groupFd = (int)groupHandle.DangerousGetHandle();
            var polls = stackalloc LinuxSocketBatch.PollFd[2];
            int unicastUsed = unicastBatch.Count, groupUsed = groupBatch.Count;
            while (!IsDisposed)
            {
                polls[0] = new LinuxSocketBatch.PollFd { Fd = groupFd, Events = LinuxSocketBatch.PollIn };
                polls[1] = new LinuxSocketBatch.PollFd { Fd = unicastFd, Events = LinuxSocketBatch.PollIn };
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

                // Any event (data, or an error such as a late ICMP report) is collected by a receive call. Without
                // recv_flush the unicast socket goes first.
                if (!RecvFlush && polls[1].Revents != 0)
                {
                    var first = ReadBatch(unicastFd, unicastBatch, ref unicastUsed, unicastBound, wait: false);
                    if (first < 0)
                    {
                        break;
                    }

                    if (first > 0)
                    {
                        HandOnBatch(unicastBatch, first, IRingReceiver.SocketLane, accept: null, sources, address, coalesced);
                    }
                }

                if (polls[0].Revents != 0 && !IsDisposed)
                {
                    _ = ReceiveGroupBatch(groupFd, groupBatch, ref groupUsed, groupBound, sources, address, coalesced);
                }

                if (!RecvFlush || polls[1].Revents == 0 || IsDisposed)
                {
                    continue;
                }

                var count = ReadBatch(unicastFd, unicastBatch, ref unicastUsed, unicastBound, wait: false);
                if (count < 0)
                {
                    break;
                }

                if (count == 0)
                {
                    continue;
                }

                // recv_flush: whatever the group socket holds now was queued before the token just read.
                while (!IsDisposed && ReceiveGroupBatch(groupFd, groupBatch, ref groupUsed, groupBound, sources, address, coalesced) == groupBatch.Count)
                {
                }

                HandOnBatch(unicastBatch, count, IRingReceiver.SocketLane, accept: null, sources, address, coalesced);
            }
        }
        catch (ObjectDisposedException)
        {
            // A socket was closed before the loop took hold of it.
        }
        finally
        {
            if (groupAdded)
            {
                groupHandle.DangerousRelease();
            }

            if (unicastAdded)
            {
                unicastHandle.DangerousRelease();
            }
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
