using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
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

    /// <summary>
    /// Starts a dedicated receive thread on <paramref name="socket"/>; <paramref name="accept"/>, when given, filters
    /// sources. <paramref name="lane"/> names the thread to an attached <see cref="IRingReceiver"/>.
    /// </summary>
    public void StartReceiving(Socket socket, Func<IPAddress, bool>? accept, int lane)
    {
        var bound = socket.LocalEndPoint ?? LocalEndPoint;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                ReceiveLoop(socket, bound, accept, lane);
            }
            finally
            {
                done.TrySetResult();
            }
        })
        {
            IsBackground = true,
            Name = $"ring {RingNumber} receive {lane}",
        };
        _loops.Add(done.Task);
        thread.Start();
    }

    /// <summary>
    /// Starts receiving on a multicast ring's two sockets so that a datagram read from <paramref name="unicast"/> (the
    /// token, on <see cref="IRingReceiver.SocketLane"/>) is handed on only after every datagram already queued on
    /// <paramref name="group"/> (the frames, on <see cref="IRingReceiver.GroupLane"/>) when it was read: Corosync's
    /// <c>recv_flush</c>, which keeps a token from overtaking the frames sent before it. On Linux with
    /// <see cref="BatchedIo"/> one thread polls both sockets (<see cref="PairBatchReceiveLoop"/>); otherwise two threads
    /// share a lock (<see cref="PortableUnicastLoop"/> and <see cref="PortableGroupLoop"/>).
    /// </summary>
    public void StartReceivingPair(Socket unicast, Socket group)
    {
        var unicastBound = unicast.LocalEndPoint ?? LocalEndPoint;
        var groupBound = group.LocalEndPoint ?? LocalEndPoint;
        if (BatchedIo && LinuxSocketBatch.IsSupported)
        {
            StartThread(() => PairBatchReceiveLoop(unicast, unicastBound, group, groupBound), "receive");
            return;
        }

        var flush = new PortableGroupFlush(group, groupBound);
        StartThread(() => PortableGroupLoop(flush), $"receive {IRingReceiver.GroupLane}");
        StartThread(() => PortableUnicastLoop(unicast, unicastBound, flush), $"receive {IRingReceiver.SocketLane}");
    }

    private void StartThread(Action loop, string name)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                loop();
            }
            finally
            {
                done.TrySetResult();
            }
        })
        {
            IsBackground = true,
            Name = $"ring {RingNumber} {name}",
        };
        _loops.Add(done.Task);
        thread.Start();
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

                // Any event (data, or an error such as a late ICMP report) is collected by a receive call.
                if (polls[0].Revents != 0)
                {
                    _ = ReceiveGroupBatch(groupFd, groupBatch, ref groupUsed, groupBound, sources, address, coalesced);
                }

                if (polls[1].Revents == 0 || IsDisposed)
                {
                    continue;
                }

                unicastBatch.Reset(unicastUsed);
                var count = LinuxSocketBatch.RecvMmsg(unicastFd, unicastBatch.Messages, (uint)unicastBatch.Count, LinuxSocketBatch.MsgDontWait, null);
                if (IsDisposed)
                {
                    break;
                }

                if (count < 0)
                {
                    unicastUsed = unicastBatch.Count;
                    if (!OnNonBlockingReceiveError(Marshal.GetLastPInvokeError(), unicastBound))
                    {
                        break;
                    }

                    continue;
                }

                unicastUsed = count;

                // recv_flush: whatever the group socket holds now was queued before the token just read.
                while (!IsDisposed && ReceiveGroupBatch(groupFd, groupBatch, ref groupUsed, groupBound, sources, address, coalesced) == groupBatch.Count)
                {
                }

                var receiver = Volatile.Read(ref _receiver);
                if (HandOn(unicastBatch, count, receiver, IRingReceiver.SocketLane, accept: null, sources, address, coalesced) && receiver is not null)
                {
                    EndBatch(receiver, IRingReceiver.SocketLane);
                }
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
    private unsafe int ReceiveGroupBatch(int fd, ReceiveBatch batch, ref int used, EndPoint localEndPoint, Dictionary<SocketAddress, IPEndPoint> sources, SocketAddress address, bool coalesced)
    {
        batch.Reset(used);
        var count = LinuxSocketBatch.RecvMmsg(fd, batch.Messages, (uint)batch.Count, LinuxSocketBatch.MsgDontWait, null);
        if (IsDisposed)
        {
            return 0;
        }

        if (count <= 0)
        {
            used = batch.Count;
            if (count < 0)
            {
                _ = OnNonBlockingReceiveError(Marshal.GetLastPInvokeError(), localEndPoint);
            }

            return 0;
        }

        used = count;
        var receiver = Volatile.Read(ref _receiver);
        if (HandOn(batch, count, receiver, IRingReceiver.GroupLane, accept: null, sources, address, coalesced) && receiver is not null)
        {
            EndBatch(receiver, IRingReceiver.GroupLane);
        }

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
                if (!FlushGroup(flush))
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

    private enum ReceiveResult
    {
        Received,
        Retry,
        Stop,
    }

    /// <summary>One portable receive, with the loop's error handling: ICMP reports logged, failures counted and paused on.</summary>
    private ReceiveResult TryReceive(Socket socket, EndPoint localEndPoint, byte[] buffer, SocketAddress address, bool blocking, out int length)
    {
        length = 0;
        try
        {
            length = socket.ReceiveFrom(buffer, SocketFlags.None, address); // not blocking when !blocking: polled readable under the lock
        }
        catch (ObjectDisposedException)
        {
            return ReceiveResult.Stop;
        }
        catch (SocketException) when (IsDisposed)
        {
            return ReceiveResult.Stop;
        }
        catch (SocketException e) when (IsIcmpError(e.SocketErrorCode))
        {
            // A late ICMP error for an earlier send (a member that is down): not a receive failure.
            RingLog.IcmpError(_logger, RingNumber, localEndPoint, e.SocketErrorCode);
            return ReceiveResult.Retry;
        }
        catch (SocketException e) when (!blocking && e.SocketErrorCode == SocketError.WouldBlock)
        {
            return ReceiveResult.Retry;
        }
#pragma warning disable CA1031 // The loop must survive anything: it logs, counts and goes on.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return OnReceiveFailure(localEndPoint, e) ? ReceiveResult.Retry : ReceiveResult.Stop;
        }

        // A closed socket may report an empty datagram.
        return IsDisposed ? ReceiveResult.Stop : ReceiveResult.Received;
    }

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

    /// <summary>The most messages one <c>sendmmsg</c> carries.</summary>
    public const int SendBatchCapacity = 64;

    /// <summary>
    /// The most datagrams one segmented (UDP GSO) message carries: the kernel's <c>UDP_MAX_SEGMENTS</c> is 64 (128 on
    /// the newest kernels).
    /// </summary>
    public const int MaxSegments = 64;

    /// <summary>The most bytes one segmented message carries: its UDP payload must fit an IPv4/IPv6 packet.</summary>
    public const int MaxSegmentedBytes = 65_000;

    private readonly Lock _sendGate = new();
    private SendBatch? _sendBatch;

    /// <summary>
    /// Whether a batch sends runs of datagrams of one size to one destination as one segmented message (UDP GSO,
    /// <c>UDP_SEGMENT</c>); set by the ring once its probe has shown the kernel does it right.
    /// </summary>
    public bool Segmentation { get; private set; }

    /// <summary>
    /// Sends a batch in order: each datagram to its destination, or to each of <paramref name="all"/> when it has none.
    /// On Linux one <c>sendmmsg</c> carries up to <see cref="SendBatchCapacity"/> messages (and, with
    /// <see cref="Segmentation"/>, a message carries a run of equal-size datagrams to one destination); a partial send
    /// goes on from the first message not sent, and a message the kernel refuses is counted and logged as a single send's
    /// error is, then skipped. Elsewhere (or with <see cref="BatchedIo"/> off) each datagram goes through <see cref="Send(Socket, SocketAddress, EndPoint, ReadOnlySpan{byte})"/>.
    /// </summary>
    public void SendBatch(Socket socket, byte[] buffer, ReadOnlySpan<BatchDatagram> datagrams, ReadOnlySpan<(IPEndPoint EndPoint, SocketAddress Address)> all)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, _owner);
        if (!BatchedIo || !LinuxSocketBatch.IsSupported)
        {
            SendOneByOne(socket, buffer, datagrams, all);
            return;
        }

        lock (_sendGate)
        {
            ObjectDisposedException.ThrowIf(IsDisposed, _owner); // checked again: disposal frees the batch under this lock
            var handle = socket.SafeHandle;
            var added = false;
            try
            {
                handle.DangerousAddRef(ref added);
                SendBatched((int)handle.DangerousGetHandle(), buffer, datagrams, all);
            }
            catch (ObjectDisposedException e)
            {
                throw new ObjectDisposedException(_owner.GetType().FullName, e);
            }
            finally
            {
                if (added)
                {
                    handle.DangerousRelease();
                }
            }
        }
    }

    private void SendOneByOne(Socket socket, byte[] buffer, ReadOnlySpan<BatchDatagram> datagrams, ReadOnlySpan<(IPEndPoint EndPoint, SocketAddress Address)> all)
    {
        foreach (var datagram in datagrams)
        {
            var bytes = buffer.AsSpan(datagram.Offset, datagram.Length);
            if (datagram.Destination is { } destination)
            {
                Send(socket, destination, bytes);
                continue;
            }

            foreach (var (endPoint, address) in all)
            {
                Send(socket, address, endPoint, bytes);
            }
        }
    }

    /// <summary>
    /// Fills the native batch and sends it. A run of datagrams to all members goes out member by member (each member's
    /// datagrams consecutive, so a segmented send can carry them), which keeps the order each destination sees.
    /// </summary>
    private unsafe void SendBatched(int fd, byte[] buffer, ReadOnlySpan<BatchDatagram> datagrams, ReadOnlySpan<(IPEndPoint EndPoint, SocketAddress Address)> all)
    {
        var batch = _sendBatch ??= new SendBatch(SendBatchCapacity, MaxSegments);
        var limit = Segmentation ? MaxSegmentedBytes : 0;
        fixed (byte* data = buffer)
        {
            var i = 0;
            while (i < datagrams.Length)
            {
                if (datagrams[i].Destination is { } destination)
                {
                    var address = Resolve(destination);
                    Append(fd, batch, address, destination, data + datagrams[i].Offset, datagrams[i].Length, limit);
                    i++;
                    continue;
                }

                var end = i;
                while (end < datagrams.Length && datagrams[end].Destination is null)
                {
                    end++;
                }

                foreach (var (endPoint, address) in all)
                {
                    for (var k = i; k < end; k++)
                    {
                        Append(fd, batch, address, endPoint, data + datagrams[k].Offset, datagrams[k].Length, limit);
                    }
                }

                i = end;
            }

            Flush(fd, batch);
        }
    }

    private unsafe void Append(int fd, SendBatch batch, SocketAddress address, EndPoint destination, byte* data, int length, int limit)
    {
        if (!batch.Add(address, destination, data, length, limit))
        {
            Flush(fd, batch);
            batch.Add(address, destination, data, length, limit);
        }
    }

    /// <summary>Sends every message of <paramref name="batch"/>, going on after partial sends and refused messages; empties it.</summary>
    private unsafe void Flush(int fd, SendBatch batch)
    {
        if (batch.Count == 0)
        {
            return;
        }

        batch.Seal();
        try
        {
            var next = 0;
            while (next < batch.Count)
            {
                var sent = LinuxSocketBatch.SendMmsg(fd, batch.Messages + next, (uint)(batch.Count - next), 0);
                if (sent > 0)
                {
                    for (var i = next; i < next + sent; i++)
                    {
                        Counters.OnSent(batch.Bytes(i), batch.Segments(i));
                    }

                    next += sent;
                    continue;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (sent == 0 || errno == LinuxSocketBatch.EIntr)
                {
                    continue;
                }

                if (errno == LinuxSocketBatch.EAgain)
                {
                    // A non-blocking socket with a full buffer: wait until it can take more, as a blocking send would.
                    var poll = new LinuxSocketBatch.PollFd { Fd = fd, Events = LinuxSocketBatch.PollOut };
                    _ = LinuxSocketBatch.Poll(&poll, 1, -1);
                    continue;
                }

                ObjectDisposedException.ThrowIf(IsDisposed, _owner);
                if (batch.Segments(next) > 1)
                {
                    // The kernel refused a segmented message (the probe ran over loopback; a device without checksum
                    // offload, or IPsec, refuses with EIO): stop segmenting on this ring and send these datagrams one by one.
                    if (Segmentation)
                    {
                        Segmentation = false;
                        var reason = $"a segmented send failed: {LinuxSocketBatch.ToSocketError(errno)} (errno {errno})";
                        RingLog.SegmentationOffloadOff(_logger, RingNumber, reason);
                    }

                    SendSegmentsOneByOne(fd, batch, next);
                    next++;
                    continue;
                }

                // The first message not sent was refused (ENOBUFS, an unreachable destination...): count it as a single
                // send's error, and go on with the rest.
                for (var s = 0; s < batch.Segments(next); s++)
                {
                    Counters.OnSendError();
                }

                LogSendError(batch.Destination(next), errno);
                next++;
            }
        }
        finally
        {
            batch.Clear();
        }
    }

    /// <summary>Sends each datagram of the segmented message <paramref name="index"/> as a message of its own.</summary>
    private unsafe void SendSegmentsOneByOne(int fd, SendBatch batch, int index)
    {
        var message = batch.Messages[index];
        var iovecs = message.Header.Iov;
        for (var k = 0; k < batch.Segments(index); k++)
        {
            var single = message;
            single.Header.Iov = iovecs + k;
            single.Header.IovLength = 1;
            single.Header.Control = null;
            single.Header.ControlLength = 0;
            single.Length = 0;
            while (true)
            {
                if (LinuxSocketBatch.SendMmsg(fd, &single, 1, 0) == 1)
                {
                    Counters.OnSent((int)iovecs[k].Length);
                    break;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno == LinuxSocketBatch.EIntr)
                {
                    continue;
                }

                if (errno == LinuxSocketBatch.EAgain)
                {
                    var poll = new LinuxSocketBatch.PollFd { Fd = fd, Events = LinuxSocketBatch.PollOut };
                    _ = LinuxSocketBatch.Poll(&poll, 1, -1);
                    continue;
                }

                Counters.OnSendError();
                LogSendError(batch.Destination(index), errno);
                break;
            }
        }
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
    /// One socket's receive thread: blocking receives into one reused buffer, so a steady stream allocates nothing.
    /// With a receiver attached the datagram is handed on inline; otherwise it is copied into a pooled buffer of its
    /// size and queued. Disposing the ring closes the socket, which ends the blocking receive. On Linux the batched
    /// loop (<see cref="BatchReceiveLoop"/>) runs instead.
    /// </summary>
    private void ReceiveLoop(Socket socket, EndPoint localEndPoint, Func<IPAddress, bool>? accept, int lane)
    {
        if (BatchedIo && LinuxSocketBatch.IsSupported)
        {
            BatchReceiveLoop(socket, localEndPoint, accept, lane);
            return;
        }

        var buffer = GC.AllocateUninitializedArray<byte>(ReceiveBufferSize);
        var address = new SocketAddress(socket.AddressFamily);
        var sources = new Dictionary<SocketAddress, IPEndPoint>();
        while (!IsDisposed)
        {
            int length;
            try
            {
                length = socket.ReceiveFrom(buffer, SocketFlags.None, address);
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException) when (IsDisposed)
            {
                break;
            }
            catch (SocketException e) when (IsIcmpError(e.SocketErrorCode))
            {
                // A late ICMP error for an earlier send (a member that is down): not a receive failure.
                RingLog.IcmpError(_logger, RingNumber, localEndPoint, e.SocketErrorCode);
                continue;
            }
#pragma warning disable CA1031 // The loop must survive anything: it logs, counts and goes on.
            catch (Exception e)
#pragma warning restore CA1031
            {
                if (!OnReceiveFailure(localEndPoint, e))
                {
                    break;
                }

                continue;
            }

            if (IsDisposed)
            {
                break; // a closed socket may report an empty datagram
            }

            var receiver = Volatile.Read(ref _receiver);
            if (Take(receiver, lane, accept, sources, address, buffer.AsSpan(0, length), truncated: false) && receiver is not null)
            {
                EndBatch(receiver, lane);
            }
        }
    }

    /// <summary>
    /// The Linux receive thread: one <c>recvmmsg</c> with <c>MSG_WAITFORONE</c> blocks for the first datagram and takes
    /// up to <see cref="BatchSize"/> that are already queued, into preallocated native headers over one pinned buffer
    /// (no allocation per call). The batch is handed on datagram by datagram, then the receiver hears once that the
    /// batch ended (so its consumer runs once per batch, not per datagram). Disposal shuts the socket down for reading,
    /// which wakes a blocked call.
    /// </summary>
    private unsafe void BatchReceiveLoop(Socket socket, EndPoint localEndPoint, Func<IPAddress, bool>? accept, int lane)
    {
        // With GRO a datagram may be several coalesced ones (up to 64 KiB): fewer, larger slots, and room for the
        // control message that gives the segment size.
        var coalesced = ReceiveOffload;
        using var batch = NewReceiveBatch(coalesced);
        var address = new SocketAddress(socket.AddressFamily);
        var sources = new Dictionary<SocketAddress, IPEndPoint>();
        var handle = socket.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var fd = (int)handle.DangerousGetHandle();
            var used = batch.Count;
            while (!IsDisposed)
            {
                batch.Reset(used);
                var count = LinuxSocketBatch.RecvMmsg(fd, batch.Messages, (uint)batch.Count, LinuxSocketBatch.MsgWaitForOne, null);
                if (IsDisposed)
                {
                    break; // a shut-down socket reports an empty datagram
                }

                if (count < 0)
                {
                    used = batch.Count;
                    if (!OnBatchReceiveError(fd, Marshal.GetLastPInvokeError(), localEndPoint))
                    {
                        break;
                    }

                    continue;
                }

                used = count;
                var receiver = Volatile.Read(ref _receiver);
                var handed = HandOn(batch, count, receiver, lane, accept, sources, address, coalesced);
                if (handed && receiver is not null)
                {
                    EndBatch(receiver, lane);
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // The socket was closed before the loop took hold of it.
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Hands on the <paramref name="count"/> datagrams of the last <c>recvmmsg</c> into <paramref name="batch"/>,
    /// splitting GRO-coalesced ones back into the datagrams that were sent; returns whether any went to the receiver.
    /// </summary>
    private bool HandOn(ReceiveBatch batch, int count, IRingReceiver? receiver, int lane, Func<IPAddress, bool>? accept, Dictionary<SocketAddress, IPEndPoint> sources, SocketAddress address, bool coalesced)
    {
        var handed = false;
        for (var i = 0; i < count; i++)
        {
            var source = batch.Source(i);
            if (source.Length < sizeof(ushort) || source.Length > address.Buffer.Length)
            {
                continue; // no address, or not one of this socket's family
            }

            address.Size = source.Length;
            source.CopyTo(address.Buffer.Span);
            var datagram = batch.Datagram(i);
            var segment = coalesced ? batch.SegmentSize(i) : 0;
            if (segment <= 0 || segment >= datagram.Length || batch.Truncated(i))
            {
                handed |= Take(receiver, lane, accept, sources, address, datagram, batch.Truncated(i));
                continue;
            }

            // Coalesced by GRO: split back into the datagrams that were sent; each goes on (and is checked) alone.
            for (var offset = 0; offset < datagram.Length; offset += segment)
            {
                handed |= Take(receiver, lane, accept, sources, address, datagram.Slice(offset, Math.Min(segment, datagram.Length - offset)), truncated: false);
            }
        }

        return handed;
    }

    /// <summary>Handles a failed <c>recvmmsg</c>; returns whether the loop goes on.</summary>
    private unsafe bool OnBatchReceiveError(int fd, int errno, EndPoint localEndPoint)
    {
        switch (errno)
        {
            case LinuxSocketBatch.EIntr:
                return true;
            case LinuxSocketBatch.EAgain:
                // A non-blocking socket: wait until it is readable (or shut down), then receive again.
                var poll = new LinuxSocketBatch.PollFd { Fd = fd, Events = LinuxSocketBatch.PollIn };
                _ = LinuxSocketBatch.Poll(&poll, 1, -1);
                return true;
        }

        var error = LinuxSocketBatch.ToSocketError(errno);
        if (IsIcmpError(error))
        {
            RingLog.IcmpError(_logger, RingNumber, localEndPoint, error);
            return true;
        }

        return OnReceiveFailure(localEndPoint, new SocketException((int)error, $"recvmmsg failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})"));
    }

    private static bool IsIcmpError(SocketError error) =>
        error is SocketError.ConnectionReset or SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable;

    /// <summary>Counts and logs a receive failure and pauses; returns whether the loop goes on.</summary>
    private bool OnReceiveFailure(EndPoint localEndPoint, Exception e)
    {
        Counters.OnReceiveError();
        RingLog.ReceiveError(_logger, RingNumber, localEndPoint, e);
        return PauseAfterError();
    }

    /// <summary>
    /// Takes one received datagram: drops this node's own multicast, unlisted sources and oversize datagrams, then hands
    /// it to <paramref name="receiver"/> inline or queues a pooled copy. Returns whether it went to the receiver.
    /// </summary>
    private bool Take(IRingReceiver? receiver, int lane, Func<IPAddress, bool>? accept, Dictionary<SocketAddress, IPEndPoint> sources, SocketAddress address, Span<byte> datagram, bool truncated)
    {
        if (address.Equals(_localAddress))
        {
            return false; // our own multicast, looped back
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
            return false;
        }

        var length = datagram.Length;
        if (truncated || length > MaxDatagramSize)
        {
            Counters.OnReceiveError();
            RingLog.Oversize(_logger, RingNumber, source, truncated ? length + 1 : length, MaxDatagramSize);
            return false;
        }

        if (receiver is not null)
        {
            Counters.OnReceived(length);
            Deliver(receiver, lane, source, datagram);
            return true;
        }

        // Rented here, returned by whoever reads the queue: a pool that serves every thread alike.
        var rented = _copies.Rent(Math.Max(length, 1));
        datagram.CopyTo(rented);
        if (!RingQueue.Write(_queue.Writer, Counters, new RingDatagram(RingNumber, source, rented, length, _copies)))
        {
            RingLog.ReceiveOverflow(_logger, RingNumber, Counters.ReceiveOverflows);
        }

        return false;
    }

    private void EndBatch(IRingReceiver receiver, int lane)
    {
        try
        {
            receiver.OnBatchEnd(RingNumber, lane);
        }
#pragma warning disable CA1031 // As in Deliver.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Counters.OnReceiveError();
            RingLog.ReceiverFailed(_logger, RingNumber, e);
        }
    }

    private void Deliver(IRingReceiver receiver, int lane, IPEndPoint source, Span<byte> datagram)
    {
        try
        {
            receiver.OnReceived(RingNumber, lane, source, datagram);
        }
#pragma warning disable CA1031 // A failing consumer must not end the receive thread: it is logged and counted.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Counters.OnReceiveError();
            RingLog.ReceiverFailed(_logger, RingNumber, e);
        }
    }

    private bool PauseAfterError()
    {
        try
        {
            Task.Delay(TimeSpan.FromMilliseconds(10), _timeProvider, _stop.Token).Wait(_stop.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Shuts <paramref name="socket"/> down for reading, which wakes a thread blocked in <c>recvmmsg</c> or <c>poll</c>
    /// on it (closing alone would wait for that call to return). On an unconnected UDP socket Linux reports ENOTCONN but still wakes
    /// the waiters, which is all this is for.
    /// </summary>
    private static void WakeReceiver(Socket socket)
    {
        if (!LinuxSocketBatch.IsSupported)
        {
            return;
        }

        var added = false;
        try
        {
            socket.SafeHandle.DangerousAddRef(ref added);
            _ = LinuxSocketBatch.Shutdown((int)socket.SafeHandle.DangerousGetHandle(), LinuxSocketBatch.ShutRead);
        }
        catch (ObjectDisposedException)
        {
            // Already closed: no thread can be blocked in it.
        }
        finally
        {
            if (added)
            {
                socket.SafeHandle.DangerousRelease();
            }
        }
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

    /// <summary>Stops the receive threads (closing a socket ends its blocking receive), closes the queue, and returns unread buffers.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
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
