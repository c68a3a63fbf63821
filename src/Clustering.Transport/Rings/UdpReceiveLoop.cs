using System.Runtime.InteropServices;

namespace Clustering.Transport.Rings;

/// <summary>
/// One receive thread ("rings receive") for every UDP ring of a node, as Corosync runs all its rings in one thread: it
/// <c>poll</c>s the receive sockets of every ring registered with it (a multicast ring's unicast and group sockets, a
/// unicast ring's socket) and serves each ring exactly as the ring's own thread would (the multicast ring's
/// <c>recv_flush</c>, GRO splitting, dropping unlisted sources, one <see cref="IRingReceiver.OnBatchEnd"/> per
/// <c>recvmmsg</c>). A batch sent on two rings thus wakes one thread per node instead of two.
/// </summary>
/// <remarks>
/// <para>Give the same loop to the rings of one node through <see cref="UdpMulticastRingOptions.ReceiveLoop"/> or
/// <see cref="UdpUnicastRingOptions.ReceiveLoop"/>. A ring registers its sockets when it is created and unregisters them
/// when it is disposed; the other rings keep running. The thread starts with the first ring and runs until the loop is
/// disposed (with no ring registered it sleeps in <c>poll</c> on its wake-up <c>eventfd</c> alone). Dispose the loop
/// after its rings: disposing it first stops receiving on every ring still registered (they can still be disposed).</para>
/// <para>Fairness: per wake-up every ready socket gets one <c>recvmmsg</c> batch, and the ring served first rotates, so
/// a busy ring cannot starve another. The one exception is <c>recv_flush</c>: after a multicast ring reads a token, it
/// drains its group socket before handing the token on, as its own thread does. A ring whose receive fails is counted
/// and logged and then left out of the poll for 10 ms (its own thread would pause as long); the other rings go on.</para>
/// <para>Only used where the rings batch receives with <c>recvmmsg</c> (64-bit Linux). Elsewhere the option is ignored
/// and each ring keeps its own receive threads, and the loop never starts a thread.</para>
/// </remarks>
public sealed class UdpReceiveLoop : IAsyncDisposable
{
    /// <summary>The name of the loop's thread.</summary>
    public const string ThreadName = "rings receive";

    private readonly Lock _gate = new();
    private readonly List<ReceiveLoopSource> _sources = [];
    private readonly List<ReceiveLoopSource> _leaving = [];
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _version;
    private int _wakeFd = -1;
    private bool _started;
    private bool _ended;
    private int _disposed;

    /// <summary>How many rings are registered.</summary>
    public int RingCount
    {
        get
        {
            lock (_gate)
            {
                return _sources.Count;
            }
        }
    }

    /// <summary>Whether the loop has been disposed (it serves no ring any more).</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>The managed thread id of the loop's thread once it has started, else <see langword="null"/> (for diagnostics).</summary>
    public int? ThreadId { get; private set; }

    /// <summary>Adds a ring's sockets to the poll, starting the thread with the first one.</summary>
    /// <exception cref="ObjectDisposedException">The loop has been disposed.</exception>
    internal void Register(ReceiveLoopSource source)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            if (!_started)
            {
                Start();
            }

            _sources.Add(source);
            _version++;
            Wake();
        }
    }

    /// <summary>
    /// Takes a ring's sockets out of the poll; the task completes once the loop thread will not touch them again (at
    /// once when the loop has ended or never served the source).
    /// </summary>
    internal Task UnregisterAsync(ReceiveLoopSource source)
    {
        lock (_gate)
        {
            if (!_sources.Remove(source) || _ended)
            {
                return Task.CompletedTask;
            }

            _leaving.Add(source);
            _version++;
            Wake();
        }

        return source.Left.Task;
    }

    /// <summary>Stops the thread (the rings still registered receive nothing more) and closes the wake-up <c>eventfd</c>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            await _stopped.Task.ConfigureAwait(false);
            return;
        }

        bool started;
        lock (_gate)
        {
            started = _started;
        }

        if (!started)
        {
            _stopped.TrySetResult();
            return;
        }

        lock (_gate)
        {
            Wake();
        }

        await _stopped.Task.ConfigureAwait(false);
        lock (_gate)
        {
            _ = LinuxSocketBatch.Close(_wakeFd);
            _wakeFd = -1;
        }
    }

    private void Start()
    {
        var fd = LinuxSocketBatch.EventFd(0, LinuxSocketBatch.EventFdFlags);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new InvalidOperationException($"The shared receive loop could not create its eventfd: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");
        }

        _wakeFd = fd;
        var thread = new Thread(Run) { IsBackground = true, Name = ThreadName };
        thread.Start();
        ThreadId = thread.ManagedThreadId;
        _started = true;
    }

    /// <summary>Makes the thread's <c>poll</c> return; called under the lock (so the descriptor is not closed meanwhile).</summary>
    private unsafe void Wake()
    {
        var fd = _wakeFd;
        if (fd < 0)
        {
            return;
        }

        ulong one = 1;
        _ = LinuxSocketBatch.Write(fd, &one, sizeof(ulong));
    }

    private unsafe void Run()
    {
        var active = Array.Empty<ReceiveLoopSource>();
        var offsets = Array.Empty<int>();
        var capacity = 0;
        LinuxSocketBatch.PollFd* polls = null;
        var version = -1;
        var first = 0;
        try
        {
            while (!IsDisposed)
            {
                if (Volatile.Read(ref _version) != version)
                {
                    ReceiveLoopSource[] left;
                    lock (_gate)
                    {
                        version = _version;
                        active = [.. _sources];
                        left = [.. _leaving];
                        _leaving.Clear();
                    }

                    foreach (var source in left)
                    {
                        source.Left.TrySetResult();
                    }

                    offsets = new int[active.Length];
                    var needed = 1 + active.Sum(s => s.SocketCount);
                    if (needed > capacity)
                    {
                        NativeMemory.Free(polls);
                        capacity = needed;
                        polls = (LinuxSocketBatch.PollFd*)NativeMemory.AllocZeroed((nuint)capacity, (nuint)sizeof(LinuxSocketBatch.PollFd));
                    }
                }

                polls[0] = new LinuxSocketBatch.PollFd { Fd = _wakeFd, Events = LinuxSocketBatch.PollIn };
                var count = 1;
                var timeout = -1;
                for (var i = 0; i < active.Length; i++)
                {
                    var muted = active[i].MutedMilliseconds();
                    if (muted > 0)
                    {
                        offsets[i] = -1;
                        timeout = timeout < 0 ? muted : Math.Min(timeout, muted);
                        continue;
                    }

                    offsets[i] = count;
                    active[i].Fill(polls + count);
                    count += active[i].SocketCount;
                }

                if (LinuxSocketBatch.Poll(polls, (nuint)count, timeout) < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno != LinuxSocketBatch.EIntr)
                    {
                        foreach (var source in active)
                        {
                            source.OnPollFailure(errno);
                        }
                    }

                    continue;
                }

                if (polls[0].Revents != 0)
                {
                    ulong value;
                    _ = LinuxSocketBatch.Read(_wakeFd, &value, sizeof(ulong));
                }

                if (active.Length == 0)
                {
                    continue;
                }

                // One batch per ready socket, the ring served first rotating: no ring can starve another.
                first = (first + 1) % active.Length;
                for (var n = 0; n < active.Length && !IsDisposed; n++)
                {
                    var i = (first + n) % active.Length;
                    if (offsets[i] < 0)
                    {
                        continue;
                    }

                    try
                    {
                        active[i].Serve(polls + offsets[i]);
                    }
#pragma warning disable CA1031 // One ring's unexpected failure must not end the thread that serves the others.
                    catch (Exception e)
#pragma warning restore CA1031
                    {
                        active[i].OnServeFailure(e);
                    }
                }
            }
        }
        finally
        {
            NativeMemory.Free(polls);
            ReceiveLoopSource[] left;
            lock (_gate)
            {
                _ended = true;
                left = [.. _leaving];
                _leaving.Clear();
            }

            foreach (var source in left)
            {
                source.Left.TrySetResult();
            }

            _stopped.TrySetResult();
        }
    }
}

/// <summary>
/// A ring's sockets as served by a <see cref="UdpReceiveLoop"/>: the descriptors to poll, and what one wake-up does with
/// them. Called on the loop thread only.
/// </summary>
internal abstract unsafe class ReceiveLoopSource
{
    /// <summary>Completed by the loop once it will not touch this source again.</summary>
    public TaskCompletionSource Left { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How many descriptors <see cref="Fill"/> writes.</summary>
    public abstract int SocketCount { get; }

    /// <summary>Writes the descriptors to poll, <see cref="SocketCount"/> of them.</summary>
    public abstract void Fill(LinuxSocketBatch.PollFd* polls);

    /// <summary>Serves one wake-up: the same descriptors, with what <c>poll</c> reported.</summary>
    public abstract void Serve(LinuxSocketBatch.PollFd* polls);

    /// <summary>How long (ms, rounded up) the source stays out of the poll after a failure; 0 when it is polled.</summary>
    public abstract int MutedMilliseconds();

    /// <summary>The loop's <c>poll</c> itself failed.</summary>
    public abstract void OnPollFailure(int errno);

    /// <summary><see cref="Serve"/> threw: counted and logged as a receive failure of the source's ring.</summary>
    public abstract void OnServeFailure(Exception exception);
}
