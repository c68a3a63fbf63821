using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Clustering.Transport.Rings;

/// <summary>The receive side of a UDP ring: the receive threads (one per socket, or one per multicast ring serving its group socket before its token), batched <c>recvmmsg</c> with GRO splitting and the portable fallback, and the hand-over to the ring's receiver or queue.</summary>
internal sealed partial class UdpRingCore
{
    /// <summary>
    /// Starts a dedicated receive thread on <paramref name="socket"/> (or registers it with <see cref="SharedLoop"/>,
    /// where that is used); <paramref name="accept"/>, when given, filters sources. <paramref name="lane"/> names the thread to an attached <see cref="IRingReceiver"/>.
    /// </summary>
    public void StartReceiving(Socket socket, Func<IPAddress, bool>? accept, int lane)
    {
        var bound = socket.LocalEndPoint ?? LocalEndPoint;
        if (UsesSharedLoop)
        {
            RegisterWithLoop(new SingleSource(this, socket, bound, accept, lane));
            return;
        }

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
                var count = ReadBatch(fd, batch, ref used, localEndPoint, wait: true);
                if (count < 0)
                {
                    break;
                }

                HandOnBatch(batch, count, lane, accept, sources, address, coalesced);
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
    /// One <c>recvmmsg</c> into <paramref name="batch"/> (blocking until one datagram when <paramref name="wait"/>):
    /// how many datagrams it read, 0 when none (a failure is counted and logged), or −1 when the ring stops (disposed,
    /// or the failure handling says so). <paramref name="used"/> carries how many slots the last call filled.
    /// </summary>
    private unsafe int ReadBatch(int fd, ReceiveBatch batch, ref int used, EndPoint localEndPoint, bool wait)
    {
        batch.Reset(used);
        var count = LinuxSocketBatch.RecvMmsg(fd, batch.Messages, (uint)batch.Count, wait ? LinuxSocketBatch.MsgWaitForOne : LinuxSocketBatch.MsgDontWait, null);
        if (IsDisposed)
        {
            return -1; // a shut-down socket reports an empty datagram
        }

        if (count <= 0)
        {
            used = batch.Count;
            if (count < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                var goOn = wait ? OnBatchReceiveError(fd, errno, localEndPoint) : OnNonBlockingReceiveError(errno, localEndPoint);
                return goOn ? 0 : -1;
            }

            return 0;
        }

        used = count;
        return count;
    }

    /// <summary>Hands on what <see cref="ReadBatch"/> read as one batch of <paramref name="lane"/> (one <see cref="IRingReceiver.OnBatchEnd"/>).</summary>
    private void HandOnBatch(ReceiveBatch batch, int count, int lane, Func<IPAddress, bool>? accept, Dictionary<SocketAddress, IPEndPoint> sources, SocketAddress address, bool coalesced)
    {
        var receiver = Volatile.Read(ref _receiver);
        if (HandOn(batch, count, receiver, lane, accept, sources, address, coalesced) && receiver is not null)
        {
            EndBatch(receiver, lane);
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

            // Coalesced by GRO: split back into the datagrams that were sent; each goes on (and is authenticated) alone.
            // GRO only merges datagrams of one flow, so the sender is resolved and checked once for all of them.
            if (!TryResolve(accept, sources, address, (datagram.Length + segment - 1) / segment, out var sender))
            {
                continue;
            }

            for (var offset = 0; offset < datagram.Length; offset += segment)
            {
                handed |= Take(receiver, lane, sender, datagram.Slice(offset, Math.Min(segment, datagram.Length - offset)), truncated: false);
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
        if (_loopSource is not null)
        {
            return OnSharedReceiveFailure(localEndPoint, e);
        }

        Counters.OnReceiveError();
        RingLog.ReceiveError(_logger, RingNumber, localEndPoint, e);
        return PauseAfterError();
    }

    /// <summary>
    /// Takes one received datagram: drops this node's own multicast, unlisted sources and oversize datagrams, then hands
    /// it to <paramref name="receiver"/> inline or queues a pooled copy. Returns whether it went to the receiver.
    /// </summary>
    private bool Take(IRingReceiver? receiver, int lane, Func<IPAddress, bool>? accept, Dictionary<SocketAddress, IPEndPoint> sources, SocketAddress address, Span<byte> datagram, bool truncated) =>
        TryResolve(accept, sources, address, datagrams: 1, out var source) && Take(receiver, lane, source, datagram, truncated);

    /// <summary>
    /// The sender of <paramref name="datagrams"/> datagrams as an endpoint (cached per address), or
    /// <see langword="false"/> when they are this node's own multicast looped back or come from a source that is not
    /// listed (each counted, logged once).
    /// </summary>
    private bool TryResolve(Func<IPAddress, bool>? accept, Dictionary<SocketAddress, IPEndPoint> sources, SocketAddress address, int datagrams, out IPEndPoint source)
    {
        source = null!;
        if (address.Equals(_localAddress))
        {
            Counters.OnOwnCopies(datagrams);
            return false; // our own multicast, looped back
        }

        if (!sources.TryGetValue(address, out var known))
        {
            if (sources.Count >= EndPointCacheLimit)
            {
                sources.Clear();
            }

            known = (IPEndPoint)EndPointFactory.Create(address);
            var key = new SocketAddress(address.Family, address.Size);
            address.Buffer.Span[..address.Size].CopyTo(key.Buffer.Span);
            sources.Add(key, known);
        }

        if (accept is not null && !accept(known.Address))
        {
            Counters.OnUnlistedSource(datagrams);
            RingLog.UnlistedSource(_logger, RingNumber, known);
            return false;
        }

        source = known;
        return true;
    }

    /// <summary>Takes one datagram of a resolved, accepted <paramref name="source"/>: see the overload above.</summary>
    private bool Take(IRingReceiver? receiver, int lane, IPEndPoint source, Span<byte> datagram, bool truncated)
    {
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
}
