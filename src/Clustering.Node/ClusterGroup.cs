using System.Buffers;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Clustering.Membership.Groups;
using Clustering.Membership.Totem;
using Clustering.Node.Internal;

namespace Clustering.Node;

/// <summary>
/// This node's membership of one process group (a CPG handle): send to the group in agreed or safe order and read
/// its events — every member's messages and every membership change with its reason — in the one total order all
/// members share. <see cref="LeaveAsync"/> leaves (others see LEAVE); disposing without leaving ends the member
/// (others see PROCDOWN).
/// </summary>
public sealed class ClusterGroup : IAsyncDisposable
{
    private readonly ClusterNode _node;
    private readonly Channel<object> _events;
    private readonly GroupEventReader _reader;
    private readonly TaskCompletionSource _joined = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _left = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly byte[] _dataHeader;
    private const int MaxBatchMessages = GroupEventBatch.InitialCapacity;
    private readonly int _capacity;
    private IReadOnlyList<GroupMember> _members = [];
    private int _queued; // events in the queue, counting each message of a batch
    private int _state; // 0 joining, 1 joined, 2 left or ended

    internal ClusterGroup(ClusterNode node, string name, GroupMember member, int capacity, bool inlineReader)
    {
        _node = node;
        Name = name;
        Member = member;
        // Items are events or batches of messages (at most MaxBatch, and never more than the capacity).
        _events = Channel.CreateBounded<object>(new BoundedChannelOptions(capacity)
        {
            SingleWriter = true,
            AllowSynchronousContinuations = inlineReader,
        });
        _reader = new GroupEventReader(_events.Reader, () => Interlocked.Decrement(ref _queued));
        _capacity = capacity;
        MaxBatch = Math.Min(MaxBatchMessages, capacity);

        // Service byte and the group table's Data header, encoded once: a send only appends the payload.
        _dataHeader = ClusterNode.Frame(ProcessGroupTable.Send(name, member.ProcessId, []));
    }

    /// <summary>The group's name.</summary>
    public string Name { get; }

    /// <summary>This member: this node's id and the member id the node gave it.</summary>
    public GroupMember Member { get; }

    /// <summary>The group's members after the last membership change this member saw (itself included).</summary>
    public IReadOnlyList<GroupMember> Members => Volatile.Read(ref _members);

    /// <summary>Whether this member has joined and not yet left.</summary>
    public bool IsJoined => Volatile.Read(ref _state) == 1;

    /// <summary>
    /// The group's events in total order: its own join first, then messages and membership changes; completes after
    /// its leave. The zero-copy way to read: each <see cref="GroupMessage"/> here is pooled — its payload is valid
    /// until the reader disposes it, and disposing every message when done with it (keeping a
    /// <see cref="GroupMessage.Copy"/> of any it must hold on to) makes the node's delivery path allocation-free in
    /// steady state. Wait with <c>WaitToReadAsync()</c> without a cancellation token to avoid an allocation per wait.
    /// Not disposing is safe, it only forgoes the reuse. <see cref="ReadEventsAsync"/> is the simpler alternative.
    /// </summary>
    public ChannelReader<GroupEvent> Events => _reader;

    internal Task JoinedTask => _joined.Task;

    /// <summary>The most messages the dispatcher puts in one batch for this member.</summary>
    internal int MaxBatch { get; }

    /// <summary>Events waiting in this member's queue, each message of a batch counted (for tests and diagnostics).</summary>
    internal int QueuedEvents => Volatile.Read(ref _queued);

    /// <summary>The batch the dispatcher is filling for this member (dispatcher only).</summary>
    internal GroupEventBatch? Pending { get; set; }

    /// <summary>
    /// Reads <see cref="Events"/> as an async stream of events the caller owns: each message is a copy that stays
    /// valid for as long as the caller keeps it (one allocation per message; read <see cref="Events"/> for the
    /// zero-copy path).
    /// </summary>
    /// <param name="cancellationToken">Ends the stream.</param>
    public async IAsyncEnumerable<GroupEvent> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await _reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (_reader.TryRead(out var e))
            {
                if (e is GroupMessage { IsPooled: true } pooled)
                {
                    var copy = pooled.Copy();
                    pooled.Dispose();
                    yield return copy;
                }
                else
                {
                    yield return e;
                }
            }
        }
    }

    /// <summary>
    /// Sends <paramref name="payload"/> to every member of the group (this one included), waiting while the node's
    /// send queue is full.
    /// </summary>
    /// <param name="payload">The message, copied.</param>
    /// <param name="order">Agreed (the default) or safe delivery.</param>
    /// <param name="cancellationToken">Stops waiting for room in the send queue.</param>
    /// <exception cref="InvalidOperationException">This member has left, or the node is not running.</exception>
    /// <exception cref="ArgumentException">The message is larger than the protocol carries.</exception>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> payload, MessageOrder order = MessageOrder.Agreed, CancellationToken cancellationToken = default)
    {
        if (!IsJoined)
        {
            throw new InvalidOperationException($"Member {Member} is not in group '{Name}'.");
        }

        var length = _dataHeader.Length + payload.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            _dataHeader.CopyTo(buffer, 0);
            payload.Span.CopyTo(buffer.AsSpan(_dataHeader.Length));
            await _node.SendGroupAsync(buffer.AsMemory(0, length), order, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Leaves the group and waits until the leave is delivered in total order (the last event of <see cref="Events"/>).</summary>
    /// <param name="cancellationToken">Stops waiting; the leave still happens.</param>
    /// <exception cref="InvalidOperationException">This member has already left, or the node is not running.</exception>
    public async Task LeaveAsync(CancellationToken cancellationToken = default)
    {
        if (!IsJoined)
        {
            throw new InvalidOperationException($"Member {Member} is not in group '{Name}'.");
        }

        await _node.SendGroupAsync(ClusterNode.Frame(ProcessGroupTable.Leave(Name, Member.ProcessId)), MessageOrder.Agreed, cancellationToken).ConfigureAwait(false);
        await _left.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends this member without waiting: if it has not left, the others see it leave with PROCDOWN.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _state, 2) == 1)
        {
            _node.SendGroupControl(ClusterNode.Frame(ProcessGroupTable.ProcessDown(Member.ProcessId)));
        }

        _node.Unregister(this);
        Complete(null);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Hands a message to this joined member without waiting (the steady-state path, synchronous so that nothing is
    /// allocated); <see langword="false"/> when it must go through <see cref="DeliverAsync"/> instead (the buffer is
    /// full, or the member is not joined).
    /// </summary>
    internal bool TryDeliverNow(GroupMessage message)
    {
        if (Volatile.Read(ref _state) != 1)
        {
            return false;
        }

        Interlocked.Increment(ref _queued);
        if (_events.Writer.TryWrite(message))
        {
            return true;
        }

        Interlocked.Decrement(ref _queued);
        return false;
    }

    /// <summary>
    /// Hands a batch of messages to this joined member without waiting, as one item of its queue (one wake-up of its
    /// reader); <see langword="false"/> when the member is not joined, or the batch would take the events waiting
    /// beyond the queue's capacity (counted in events, each message of a batch one): then its messages go one by one
    /// through <see cref="DeliverAsync"/>, which waits for room.
    /// </summary>
    internal bool TryDeliverNow(GroupEventBatch batch)
    {
        if (Volatile.Read(ref _state) != 1 || Volatile.Read(ref _queued) + batch.Count > _capacity)
        {
            return false;
        }

        Interlocked.Add(ref _queued, batch.Count);
        if (_events.Writer.TryWrite(batch))
        {
            return true;
        }

        Interlocked.Add(ref _queued, -batch.Count);
        return false;
    }

    /// <summary>Hands one event to this member; <see langword="true"/> when the member has now left.</summary>
    internal async ValueTask<bool> DeliverAsync(GroupEvent e, CancellationToken token)
    {
        var state = Volatile.Read(ref _state);
        if (state == 2)
        {
            (e as GroupMessage)?.Dispose();
            return true;
        }

        var leaving = false;
        if (e is GroupConfigurationChange change)
        {
            if (state == 0)
            {
                if (!change.Joined.Any(j => j.Member == Member))
                {
                    // Events of the group before this member's join are not its to see.
                    return false;
                }

                Interlocked.CompareExchange(ref _state, 1, 0);
                _joined.TrySetResult();
            }

            Volatile.Write(ref _members, change.Members);
            leaving = change.Left.Any(l => l.Member == Member);
        }
        else if (state == 0)
        {
            (e as GroupMessage)?.Dispose();
            return false;
        }

        Interlocked.Increment(ref _queued);
        try
        {
            await _events.Writer.WriteAsync(e, token).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            Interlocked.Decrement(ref _queued);
            (e as GroupMessage)?.Dispose();
            return true;
        }
        catch (OperationCanceledException)
        {
            Interlocked.Decrement(ref _queued);
            (e as GroupMessage)?.Dispose();
            throw;
        }

        if (leaving)
        {
            Volatile.Write(ref _state, 2);
            Complete(null);
        }

        return leaving;
    }

    internal void Complete(Exception? error)
    {
        if (Interlocked.Exchange(ref _state, 2) != 2 || error is null)
        {
            _events.Writer.TryComplete(error);
        }

        _joined.TrySetException(error ?? new InvalidOperationException($"Member {Member} ended before joining group '{Name}'."));
        _left.TrySetResult();
    }
}
