using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Clustering.Transport.Rings;

/// <summary>A batch of datagrams sent in order: <c>sendmmsg</c>, with runs of equal-size datagrams as one UDP GSO message, and the one-by-one fallback.</summary>
internal sealed partial class UdpRingCore
{
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
}
