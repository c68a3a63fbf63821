using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Clustering.Transport.Rings;

/// <summary>
/// Checks, before a ring uses it, that the kernel does UDP segmentation offload right: two throw-away sockets on the
/// ring's local address, the receiver with <c>UDP_GRO</c> on; the sender sends three datagrams (two of one size and a
/// shorter one) as one <c>UDP_SEGMENT</c> message; the receiver must get back exactly those three datagrams, coalesced
/// (with their segment size) or not. Linux only.
/// </summary>
internal static unsafe class SegmentationProbe
{
    private const int Segment = 200;
    private const int Tail = 72;
    private const int Total = (2 * Segment) + Tail;
    private static readonly TimeSpan Patience = TimeSpan.FromMilliseconds(500);

    /// <summary>Runs the probe; returns <see langword="null"/> when offload works, else why not.</summary>
    public static string? Run(IPAddress local)
    {
        try
        {
            using var receiver = new Socket(local.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            using var sender = new Socket(local.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            receiver.Bind(new IPEndPoint(local, 0));
            sender.Bind(new IPEndPoint(local, 0));
            if (EnableGro(receiver) is { } problem)
            {
                return problem;
            }

            var sent = Send(sender, (IPEndPoint)receiver.LocalEndPoint!);
            return sent ?? Receive(receiver);
        }
        catch (SocketException e)
        {
            return $"probe socket: {e.SocketErrorCode}";
        }
    }

    /// <summary>Turns <c>UDP_GRO</c> on; returns <see langword="null"/> when it took, else why not.</summary>
    public static string? EnableGro(Socket socket) => SetGro(socket, 1);

    /// <summary>Turns <c>UDP_GRO</c> off again.</summary>
    public static string? DisableGro(Socket socket) => SetGro(socket, 0);

    private static string? SetGro(Socket socket, int value)
    {
        try
        {
            socket.SetRawSocketOption(LinuxSocketBatch.SolUdp, LinuxSocketBatch.UdpGro, MemoryMarshal.AsBytes(new ReadOnlySpan<int>(in value)));
            return null;
        }
        catch (SocketException e)
        {
            return $"UDP_GRO refused: {e.SocketErrorCode}";
        }
    }

    private static byte Pattern(int offset) => (byte)((offset / Segment) + 1 + (offset % 7));

    private static string? Send(Socket sender, IPEndPoint destination)
    {
        var data = new byte[Total];
        for (var i = 0; i < Total; i++)
        {
            data[i] = Pattern(i);
        }

        using var batch = new SendBatch(1, 3);
        var address = destination.Serialize();
        int result;
        fixed (byte* p = data)
        {
            batch.Add(address, destination, p, Segment, UdpRingCore.MaxSegmentedBytes);
            batch.Add(address, destination, p + Segment, Segment, UdpRingCore.MaxSegmentedBytes);
            batch.Add(address, destination, p + (2 * Segment), Tail, UdpRingCore.MaxSegmentedBytes);
            if (batch.Count != 1 || batch.Segments(0) != 3)
            {
                return "the probe's three datagrams did not form one segmented message";
            }

            batch.Seal();
            result = LinuxSocketBatch.SendMmsg((int)sender.SafeHandle.DangerousGetHandle(), batch.Messages, 1, 0);
        }

        return result == 1 ? null : $"UDP_SEGMENT send failed (errno {Marshal.GetLastPInvokeError()})";
    }

    private static string? Receive(Socket receiver)
    {
        using var batch = new ReceiveBatch(4, 65_536, ReceiveBatch.GroControlSize);
        var fd = (int)receiver.SafeHandle.DangerousGetHandle();
        Span<int> lengths = stackalloc int[3];
        var got = 0;
        var offset = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (offset < Total)
        {
            var left = Patience - clock.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                return $"the probe received {offset} of {Total} bytes in {Patience.TotalMilliseconds} ms";
            }

            var poll = new LinuxSocketBatch.PollFd { Fd = fd, Events = LinuxSocketBatch.PollIn };
            if (LinuxSocketBatch.Poll(&poll, 1, (int)Math.Ceiling(left.TotalMilliseconds)) <= 0)
            {
                continue;
            }

            batch.Reset(batch.Count);
            var count = LinuxSocketBatch.RecvMmsg(fd, batch.Messages, (uint)batch.Count, LinuxSocketBatch.MsgDontWait, null);
            for (var i = 0; i < count; i++)
            {
                var datagram = batch.Datagram(i);
                var segment = batch.SegmentSize(i);
                if (segment <= 0 || segment >= datagram.Length)
                {
                    segment = datagram.Length;
                }

                for (var start = 0; start < datagram.Length; start += segment)
                {
                    var piece = datagram.Slice(start, Math.Min(segment, datagram.Length - start));
                    if (got == lengths.Length || offset + piece.Length > Total)
                    {
                        return "the probe received more than it sent";
                    }

                    for (var b = 0; b < piece.Length; b++)
                    {
                        if (piece[b] != Pattern(offset + b))
                        {
                            return "the probe's datagrams came back altered";
                        }
                    }

                    lengths[got++] = piece.Length;
                    offset += piece.Length;
                }
            }
        }

        return lengths[0] == Segment && lengths[1] == Segment && lengths[2] == Tail
            ? null
            : $"the probe's datagrams came back as {lengths[0]}, {lengths[1]} and {lengths[2]} bytes instead of {Segment}, {Segment} and {Tail}";
    }
}
