using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Clustering.Transport.Rings;

/// <summary>
/// The receive side of a ring served by a node's <see cref="UdpReceiveLoop"/> instead of its own threads: the same
/// reads and hand-over as <see cref="BatchReceiveLoop"/> and <see cref="PairBatchReceiveLoop"/>, one wake-up at a time,
/// with non-blocking <c>recvmmsg</c>, and a failure that leaves the ring out of the poll for a while instead of pausing
/// the thread (which serves the other rings too).
/// </summary>
internal sealed partial class UdpRingCore
{
    /// <summary>How long a ring stays out of a shared loop's poll after a receive failure (its own thread pauses as long).</summary>
    private static readonly TimeSpan FailurePause = TimeSpan.FromMilliseconds(10);

    private LoopSource? _loopSource;

    /// <summary>The node's shared receive loop, or <see langword="null"/> for the ring's own threads. Set before the first start.</summary>
    public UdpReceiveLoop? SharedLoop { get; init; }

    /// <summary>Whether the ring's sockets are (to be) served by <see cref="SharedLoop"/>.</summary>
    private bool UsesSharedLoop => SharedLoop is not null && BatchedIo && LinuxSocketBatch.IsSupported;

    /// <summary>When a failure in the shared loop took the ring out of the poll (a timestamp; 0: it is polled). Loop thread only.</summary>
    private long _mutedSince;

    private void RegisterWithLoop(LoopSource source)
    {
        _loopSource = source;
        try
        {
            SharedLoop!.Register(source);
        }
        catch
        {
            // The loop was disposed meanwhile: the ring is not created, so its sockets are closed here.
            _loopSource = null;
            source.Release();
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }

            throw;
        }
    }

    /// <summary>Takes the ring out of its shared loop and frees what the loop used; called by <see cref="DisposeAsync"/>.</summary>
    private async ValueTask LeaveLoopAsync()
    {
        if (_loopSource is not { } source)
        {
            return;
        }

        await SharedLoop!.UnregisterAsync(source).ConfigureAwait(false);
        source.Release();
    }

    /// <summary>In a shared loop: counts and logs a failure and takes the ring out of the poll for <see cref="FailurePause"/>.</summary>
    private bool OnSharedReceiveFailure(EndPoint localEndPoint, Exception e)
    {
        Counters.OnReceiveError();
        RingLog.ReceiveError(_logger, RingNumber, localEndPoint, e);
        _mutedSince = Math.Max(1, _timeProvider.GetTimestamp());
        return !IsDisposed;
    }

    private int MutedMilliseconds()
    {
        if (_mutedSince == 0)
        {
            return 0;
        }

        var left = FailurePause - _timeProvider.GetElapsedTime(_mutedSince);
        if (left <= TimeSpan.Zero)
        {
            _mutedSince = 0;
            return 0;
        }

        return (int)Math.Ceiling(left.TotalMilliseconds);
    }

    /// <summary>What a ring's sockets hold while a shared loop serves them: handle references, batches, caches.</summary>
    private abstract unsafe class LoopSource : ReceiveLoopSource
    {
        private readonly List<SafeHandle> _handles = [];
        private readonly List<IDisposable> _owned = [];

        protected LoopSource(UdpRingCore core)
        {
            Core = core;
        }

        protected UdpRingCore Core { get; }

        /// <summary>Holds <paramref name="socket"/>'s descriptor open until <see cref="Release"/>; returns it.</summary>
        protected int Hold(Socket socket)
        {
            var handle = socket.SafeHandle;
            var added = false;
            handle.DangerousAddRef(ref added);
            _handles.Add(handle);
            return (int)handle.DangerousGetHandle();
        }

        protected T Own<T>(T resource)
            where T : IDisposable
        {
            _owned.Add(resource);
            return resource;
        }

        public sealed override int MutedMilliseconds() => Core.MutedMilliseconds();

        public sealed override void OnPollFailure(int errno)
        {
            if (!Core.IsDisposed)
            {
                _ = Core.OnSharedReceiveFailure(Core.LocalEndPoint, new SocketException((int)LinuxSocketBatch.ToSocketError(errno), $"poll failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})"));
            }
        }

        public sealed override void OnServeFailure(Exception exception)
        {
            if (!Core.IsDisposed)
            {
                _ = Core.OnSharedReceiveFailure(Core.LocalEndPoint, exception);
            }
        }

        /// <summary>Frees the batches and lets the sockets close; only once the loop has left the source.</summary>
        public void Release()
        {
            foreach (var resource in _owned)
            {
                resource.Dispose();
            }

            foreach (var handle in _handles)
            {
                handle.DangerousRelease();
            }

            _owned.Clear();
            _handles.Clear();
        }
    }

    /// <summary>A unicast ring's one socket: one non-blocking <c>recvmmsg</c> batch per wake-up.</summary>
    private sealed unsafe class SingleSource : LoopSource
    {
        private readonly int _fd;
        private readonly EndPoint _bound;
        private readonly Func<IPAddress, bool>? _accept;
        private readonly int _lane;
        private readonly ReceiveBatch _batch;
        private readonly SocketAddress _address;
        private readonly Dictionary<SocketAddress, IPEndPoint> _sources = [];
        private readonly bool _coalesced;
        private int _used;

        public SingleSource(UdpRingCore core, Socket socket, EndPoint bound, Func<IPAddress, bool>? accept, int lane)
            : base(core)
        {
            _coalesced = core.ReceiveOffload;
            _batch = Own(core.NewReceiveBatch(_coalesced));
            _used = _batch.Count;
            _address = new SocketAddress(socket.AddressFamily);
            _bound = bound;
            _accept = accept;
            _lane = lane;
            _fd = Hold(socket);
        }

        public override int SocketCount => 1;

        public override void Fill(LinuxSocketBatch.PollFd* polls) =>
            polls[0] = new LinuxSocketBatch.PollFd { Fd = _fd, Events = LinuxSocketBatch.PollIn };

        public override void Serve(LinuxSocketBatch.PollFd* polls)
        {
            if (polls[0].Revents == 0 || Core.IsDisposed)
            {
                return;
            }

            var count = Core.ReadBatch(_fd, _batch, ref _used, _bound, wait: false);
            if (count > 0)
            {
                Core.HandOnBatch(_batch, count, _lane, _accept, _sources, _address, _coalesced);
            }
        }
    }

    /// <summary>
    /// A multicast ring's two sockets, served by the shared loop or by the ring's own thread
    /// (<see cref="PairBatchReceiveLoop"/>). With <c>recv_flush</c> the group socket is served first and a batch read
    /// from the unicast socket (the token) is handed on only after the group socket has been drained; without it the
    /// unicast socket goes first.
    /// </summary>
    private sealed unsafe class PairSource : LoopSource
    {
        private readonly int _unicastFd;
        private readonly int _groupFd;
        private readonly EndPoint _unicastBound;
        private readonly EndPoint _groupBound;
        private readonly ReceiveBatch _unicastBatch;
        private readonly ReceiveBatch _groupBatch;
        private readonly SocketAddress _address;
        private readonly Dictionary<SocketAddress, IPEndPoint> _sources = [];
        private readonly bool _coalesced;
        private int _unicastUsed;
        private int _groupUsed;

        public PairSource(UdpRingCore core, Socket unicast, EndPoint unicastBound, Socket group, EndPoint groupBound)
            : base(core)
        {
            _coalesced = core.ReceiveOffload;
            _unicastBatch = Own(core.NewReceiveBatch(_coalesced));
            _groupBatch = Own(core.NewReceiveBatch(_coalesced));
            _unicastUsed = _unicastBatch.Count;
            _groupUsed = _groupBatch.Count;
            _address = new SocketAddress(group.AddressFamily);
            _unicastBound = unicastBound;
            _groupBound = groupBound;
            try
            {
                _groupFd = Hold(group);
                _unicastFd = Hold(unicast);
            }
            catch
            {
                Release(); // the batches, and the group socket's hold when the unicast one failed
                throw;
            }
        }

        public override int SocketCount => 2;

        public override void Fill(LinuxSocketBatch.PollFd* polls)
        {
            polls[0] = new LinuxSocketBatch.PollFd { Fd = _groupFd, Events = LinuxSocketBatch.PollIn };
            polls[1] = new LinuxSocketBatch.PollFd { Fd = _unicastFd, Events = LinuxSocketBatch.PollIn };
        }

        public override void Serve(LinuxSocketBatch.PollFd* polls)
        {
            var core = Core;
            if (core.IsDisposed)
            {
                return;
            }

            // Any event (data, or an error such as a late ICMP report) is collected by a receive call. Without
            // recv_flush the unicast socket goes first.
            if (!core.RecvFlush && polls[1].Revents != 0)
            {
                if (core.ReadBatch(_unicastFd, _unicastBatch, ref _unicastUsed, _unicastBound, wait: false) is var first and > 0)
                {
                    core.HandOnBatch(_unicastBatch, first, IRingReceiver.SocketLane, accept: null, _sources, _address, _coalesced);
                }
            }

            if (polls[0].Revents != 0 && !core.IsDisposed)
            {
                _ = core.ReceiveGroupBatch(_groupFd, _groupBatch, ref _groupUsed, _groupBound, _sources, _address, _coalesced);
            }

            if (!core.RecvFlush || polls[1].Revents == 0 || core.IsDisposed)
            {
                return;
            }

            var count = core.ReadBatch(_unicastFd, _unicastBatch, ref _unicastUsed, _unicastBound, wait: false);
            if (count <= 0)
            {
                return;
            }

            // recv_flush: whatever the group socket holds now was queued before the token just read.
            while (!core.IsDisposed && core.ReceiveGroupBatch(_groupFd, _groupBatch, ref _groupUsed, _groupBound, _sources, _address, _coalesced) == _groupBatch.Count)
            {
            }

            core.HandOnBatch(_unicastBatch, count, IRingReceiver.SocketLane, accept: null, _sources, _address, _coalesced);
        }
    }
}
