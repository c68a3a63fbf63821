using Clustering.Membership.Groups;
using Clustering.Membership.Quorum;
using Clustering.Membership.Totem;
using Clustering.Node.Diagnostics;
using Clustering.Node.Internal;

namespace Clustering.Node;

/// <summary>The dispatcher: Totem's events in total order → votequorum, the group table and the joined groups.</summary>
public sealed partial class ClusterNode
{
    private readonly GroupEventBatch.Pool _groupBatches = new(1024);
    private readonly List<ClusterGroup> _pendingGroups = [];
    private bool _batching;
    private bool _flushNeeded;

    private async Task DispatchAsync()
    {
        var token = _stop.Token;
        var reader = Totem.Events;
        var events = new List<GroupEvent>();
        try
        {
            while (true)
            {
                // Without a votequorum deadline the wait takes no token: the channel's reusable waiter then serves it
                // without allocating. Stopping completes Totem's events, which ends this wait.
                var ready = _voteQuorum.NextDeadline is null
                    ? await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false)
                    : await WaitForEventsAsync(reader, token).ConfigureAwait(false);
                if (!ready)
                {
                    if (reader.Completion.IsCompleted)
                    {
                        return;
                    }

                    // The last_man_standing window passed.
                    ApplyQuorum(_voteQuorum.OnTick(Now));
                    continue;
                }

                while (reader.TryRead(out var e))
                {
                    switch (e)
                    {
                        case TotemConfigurationChange { IsTransitional: false } regular:
                            OnRegularConfiguration(regular, events);
                            break;
                        case TotemDeliveryBatch batch:
                            // The messages of a group for a member go to it as batches: one wake-up of its reader.
                            _batching = true;
                            try
                            {
                                for (var i = 0; i < batch.Count; i++)
                                {
                                    await DispatchDeliveryAsync(batch[i], events, token).ConfigureAwait(false);
                                    if (_flushNeeded)
                                    {
                                        await FlushPendingAsync(token).ConfigureAwait(false);
                                    }
                                }
                            }
                            finally
                            {
                                _batching = false;
                                batch.Dispose();
                            }

                            await FlushPendingAsync(token).ConfigureAwait(false);
                            break;
                        case TotemDelivery delivery:
                            try
                            {
                                await DispatchDeliveryAsync(delivery, events, token).ConfigureAwait(false);
                            }
                            finally
                            {
                                delivery.Dispose();
                            }

                            break;
                    }

                    await RouteIfAnyAsync(events, token).ConfigureAwait(false);
                }

                ApplyQuorum(_voteQuorum.OnTick(Now));
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped.
        }
        catch (Exception e)
        {
            NodeLog.DispatcherFailed(_logger, e);
            throw;
        }
    }

    /// <summary>
    /// One delivered message in total order: a group's data straight to its handles (the fast path), anything else to
    /// votequorum or the group table, whose group events are routed before the next message.
    /// </summary>
    private ValueTask DispatchDeliveryAsync(TotemDelivery delivery, List<GroupEvent> events, CancellationToken token)
    {
        var routed = TryRouteGroupDataAsync(delivery, _batching, token);
        if (routed.IsCompletedSuccessfully)
        {
            if (routed.Result)
            {
                return ValueTask.CompletedTask;
            }

            OnDelivery(delivery, events);
            return RouteIfAnyAsync(events, token);
        }

        return AwaitDispatchAsync(routed, delivery, events, token);
    }

    private async ValueTask AwaitDispatchAsync(ValueTask<bool> routed, TotemDelivery delivery, List<GroupEvent> events, CancellationToken token)
    {
        if (!await routed.ConfigureAwait(false))
        {
            OnDelivery(delivery, events);
            await RouteIfAnyAsync(events, token).ConfigureAwait(false);
        }
    }

    private ValueTask RouteIfAnyAsync(List<GroupEvent> events, CancellationToken token) =>
        events.Count == 0 ? ValueTask.CompletedTask : RouteAndClearAsync(events, token);

    private async ValueTask RouteAndClearAsync(List<GroupEvent> events, CancellationToken token)
    {
        // The messages batched so far come before these events.
        await FlushPendingAsync(token).ConfigureAwait(false);
        await RouteAsync(events, token).ConfigureAwait(false);
        events.Clear();
    }

    /// <summary>Hands every member its batch of messages; waits (one message at a time) only where a queue is full.</summary>
    private ValueTask FlushPendingAsync(CancellationToken token)
    {
        _flushNeeded = false;
        for (var i = 0; i < _pendingGroups.Count; i++)
        {
            var handle = _pendingGroups[i];
            var batch = handle.Pending!;
            handle.Pending = null;
            if (!handle.TryDeliverNow(batch))
            {
                return FlushRestAsync(i, batch, token);
            }
        }

        _pendingGroups.Clear();
        return ValueTask.CompletedTask;
    }

    private async ValueTask FlushRestAsync(int index, GroupEventBatch batch, CancellationToken token)
    {
        try
        {
            await DeliverOneByOneAsync(_pendingGroups[index], batch, token).ConfigureAwait(false);
            for (var i = index + 1; i < _pendingGroups.Count; i++)
            {
                var handle = _pendingGroups[i];
                var next = handle.Pending!;
                handle.Pending = null;
                if (!handle.TryDeliverNow(next))
                {
                    await DeliverOneByOneAsync(handle, next, token).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            // Stopped meanwhile: what was not handed on is dropped.
            foreach (var handle in _pendingGroups)
            {
                if (handle.Pending is { } left)
                {
                    handle.Pending = null;
                    left.DisposeFrom(0);
                }
            }

            _pendingGroups.Clear();
        }
    }

    /// <summary>A batch the member's queue has no room for: its messages one by one, each waiting for room.</summary>
    private async ValueTask DeliverOneByOneAsync(ClusterGroup handle, GroupEventBatch batch, CancellationToken token)
    {
        for (var m = 0; m < batch.Count; m++)
        {
            if (handle.TryDeliverNow(batch[m]))
            {
                continue;
            }

            bool left;
            try
            {
                left = await handle.DeliverAsync(batch[m], token).ConfigureAwait(false);
            }
            catch
            {
                batch.DisposeFrom(m + 1);
                throw;
            }

            if (left)
            {
                Unregister(handle);
                batch.DisposeFrom(m + 1);
                return;
            }
        }

        batch.Return();
    }

    /// <summary>Waits for events; <see langword="false"/> when the stream ended or votequorum's deadline came first.</summary>
    private async Task<bool> WaitForEventsAsync(System.Threading.Channels.ChannelReader<TotemRingEvent> reader, CancellationToken token)
    {
        if (_voteQuorum.NextDeadline is not { } due)
        {
            return await reader.WaitToReadAsync(token).ConfigureAwait(false);
        }

        var delay = due - Now;
        if (delay <= TimeSpan.Zero)
        {
            return false;
        }

        using var window = CancellationTokenSource.CreateLinkedTokenSource(token);
        var wait = reader.WaitToReadAsync(window.Token).AsTask();
        var timer = Task.Delay(delay, _time, window.Token);
        var first = await Task.WhenAny(wait, timer).ConfigureAwait(false);
        await window.CancelAsync().ConfigureAwait(false);
        if (first == wait)
        {
            return await wait.ConfigureAwait(false);
        }

        token.ThrowIfCancellationRequested();
        return false;
    }

    /// <summary>
    /// The fast path of a group's data message (the steady-state traffic), allocation-free: decodes the group name into
    /// a stack buffer, finds the local handles without building a string, and hands each joined handle a pooled
    /// message. <see langword="false"/> for anything else, which the group table then applies.
    /// </summary>
    internal ValueTask<bool> TryRouteGroupDataAsync(TotemDelivery delivery, CancellationToken token) =>
        TryRouteGroupDataAsync(delivery, batching: false, token);

    /// <summary>
    /// <see cref="TryRouteGroupDataAsync(TotemDelivery, CancellationToken)"/>; with <paramref name="batching"/> (the
    /// dispatcher inside a Totem batch, on its own thread) a handle's messages collect in its pending batch instead,
    /// handed on by <see cref="FlushPendingAsync"/>. Only the dispatcher passes <see langword="true"/>: the pending
    /// batches are its own state, and a caller on another thread must never reach them.
    /// </summary>
    private ValueTask<bool> TryRouteGroupDataAsync(TotemDelivery delivery, bool batching, CancellationToken token)
    {
        var payload = delivery.Payload.Span;
        if (!GroupData.TryRead(payload, out var nameLength, out var processId, out var dataOffset))
        {
            return ValueTask.FromResult(false);
        }

        Span<char> name = stackalloc char[GroupData.MaxNameChars];
        if (!GroupData.TryDecodeName(payload.Slice(GroupData.NameOffset, nameLength), name, out var chars))
        {
            return ValueTask.FromResult(false);
        }

        _metrics.Deliveries.Add(1);
        if (!Volatile.Read(ref _handles).GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(name[..chars], out var handles))
        {
            // No local member: the message is not this node's to deliver.
            return ValueTask.FromResult(true);
        }

        _metrics.GroupMessages.Add(1);
        var sender = new GroupMember(delivery.Sender, processId);
        for (var i = 0; i < handles.Length; i++)
        {
            var handle = handles[i];
            if (!handle.IsJoined)
            {
                continue;
            }

            var message = GroupMessage.CreatePooled(handle.Name, sender, payload[dataOffset..]);
            if (batching)
            {
                var pending = handle.Pending;
                if (pending is null)
                {
                    handle.Pending = pending = _groupBatches.Rent();
                    _pendingGroups.Add(handle);
                }

                pending.Add(message);
                _flushNeeded |= pending.Count >= handle.MaxBatch;
                continue;
            }

            if (handle.TryDeliverNow(message))
            {
                continue;
            }

            var delivered = handle.DeliverAsync(message, token);
            if (!delivered.IsCompletedSuccessfully)
            {
                return AwaitRestAsync(delivered, handles, i, delivery, dataOffset, sender, token);
            }

            if (delivered.Result)
            {
                Unregister(handle);
            }
        }

        return ValueTask.FromResult(true);
    }

    /// <summary>The rest of <see cref="TryRouteGroupDataAsync(TotemDelivery, bool, CancellationToken)"/> once a handle's buffer was full.</summary>
    private async ValueTask<bool> AwaitRestAsync(ValueTask<bool> pending, ClusterGroup[] handles, int index, TotemDelivery delivery, int dataOffset, GroupMember sender, CancellationToken token)
    {
        if (await pending.ConfigureAwait(false))
        {
            Unregister(handles[index]);
        }

        for (var i = index + 1; i < handles.Length; i++)
        {
            var handle = handles[i];
            if (handle.IsJoined)
            {
                var message = GroupMessage.CreatePooled(handle.Name, sender, delivery.Payload.Span[dataOffset..]);
                if (await handle.DeliverAsync(message, token).ConfigureAwait(false))
                {
                    Unregister(handle);
                }
            }
        }

        return true;
    }

    private void OnRegularConfiguration(TotemConfigurationChange change, List<GroupEvent> events)
    {
        _metrics.MembershipChanges.Add(1);
        var previous = Membership?.Members ?? [];
        var left = previous.Where(n => !change.Members.Contains(n));
        NodeLog.MembershipFormed(_logger, change.Ring, new NodeIdList(change.Joined), new NodeIdList(left));
        NodeLog.Members(_logger, change.Members.Count, new NodeIdList(change.Members));
        _membership.Publish(new ClusterMembership(change.Ring, change.Members));

        // Votequorum: nodes that stayed keep the votes they told us; new nodes count once their message arrives.
        foreach (var node in _heard.Keys.Where(n => !change.Members.Contains(n)).ToList())
        {
            _heard.Remove(node);
        }

        ApplyQuorum(_voteQuorum.OnMembership(_heard.Keys, Now));
        var current = _voteQuorum.Current;
        var flags = current.Flags & ~QuorumFlags.Quorate;
        _control.Writer.TryWrite(new QuorumInfo(_quorumOptions.VotesOf(NodeId), current.ExpectedVotes, flags).Encode());

        // Process groups: members on departed nodes leave (NODEDOWN); our join list tells merged nodes our members.
        byte[] joinList;
        lock (_groupsGate)
        {
            joinList = _groups.OnConfiguration(change.Members, events);
        }

        _control.Writer.TryWrite(Frame(joinList));
    }

    private void OnDelivery(TotemDelivery delivery, List<GroupEvent> events)
    {
        _metrics.Deliveries.Add(1);
        var payload = delivery.Payload.Span;
        if (payload.IsEmpty)
        {
            Malformed(delivery.Sender, 0);
            return;
        }

        switch ((NodeService)payload[0])
        {
            case NodeService.Quorum when QuorumInfo.TryDecode(payload, out var info):
                OnQuorumInfo(delivery.Sender, info);
                break;
            case NodeService.Groups:
                var count = events.Count;
                bool malformed;
                lock (_groupsGate)
                {
                    var before = _groups.MalformedMessages;
                    _groups.OnDelivered(delivery.Sender, payload[1..], events);
                    malformed = _groups.MalformedMessages != before;
                }

                if (malformed)
                {
                    Malformed(delivery.Sender, payload.Length);
                }

                for (var i = count; i < events.Count; i++)
                {
                    if (events[i] is GroupMessage)
                    {
                        _metrics.GroupMessages.Add(1);
                    }
                }

                break;
            default:
                Malformed(delivery.Sender, payload.Length);
                break;
        }
    }

    private void OnQuorumInfo(uint sender, QuorumInfo info)
    {
        if (Membership is not { } membership || !membership.Members.Contains(sender))
        {
            // Sent in an older configuration the sender is no longer part of.
            return;
        }

        var configured = _quorumOptions.VotesOf(sender);
        if (info.Votes != configured)
        {
            NodeLog.VotesMismatch(_logger, sender, info.Votes, configured);
        }

        _heard[sender] = info with { Votes = configured };
        var changed = false;
        if (info.ExpectedVotes > _voteQuorum.Current.HighestExpected)
        {
            changed |= _voteQuorum.SetExpectedVotes(info.ExpectedVotes);
            NodeLog.ExpectedRaised(_logger, info.ExpectedVotes, sender);
        }

        changed |= _voteQuorum.OnMembership(_heard.Keys, Now);
        ApplyQuorum(changed);
    }

    private void ApplyQuorum(bool quorateChanged)
    {
        var next = _voteQuorum.Current;
        var published = Quorum;
        if (quorateChanged)
        {
            _metrics.QuorumChanges.Add(1);
            if (next.Quorate)
            {
                NodeLog.QuorumAcquired(_logger);
                NodeLog.Primary(_logger);
            }
            else
            {
                NodeLog.QuorumLost(_logger);
                NodeLog.NonPrimary(_logger);
            }
        }

        if (!SameQuorum(published, next))
        {
            _quorum.Publish(next);
        }
    }

    private static bool SameQuorum(QuorumSnapshot a, QuorumSnapshot b) =>
        a.Quorate == b.Quorate && a.ExpectedVotes == b.ExpectedVotes && a.HighestExpected == b.HighestExpected
        && a.TotalVotes == b.TotalVotes && a.Quorum == b.Quorum && a.Flags == b.Flags && a.WaitingForAll == b.WaitingForAll
        && a.Members.SequenceEqual(b.Members);

    private void Malformed(uint sender, int length)
    {
        _metrics.Malformed.Add(1);
        NodeLog.Malformed(_logger, sender, length);
    }

    /// <summary>Hands group events to the local handles of their group, in order; waits while a handle's buffer is full.</summary>
    private async Task RouteAsync(List<GroupEvent> events, CancellationToken token)
    {
        foreach (var e in events)
        {
            if (!Volatile.Read(ref _handles).TryGetValue(e.Group, out var handles))
            {
                continue;
            }

            foreach (var handle in handles)
            {
                if (e is GroupConfigurationChange change)
                {
                    LogChange(change);
                }

                if (await handle.DeliverAsync(e, token).ConfigureAwait(false))
                {
                    Unregister(handle);
                }
            }
        }
    }

    private void LogChange(GroupConfigurationChange change)
    {
        foreach (var joined in change.Joined)
        {
            if (joined.Member.NodeId == NodeId)
            {
                NodeLog.GroupJoined(_logger, change.Group, joined.Member);
            }
        }

        foreach (var left in change.Left)
        {
            if (left.Member.NodeId == NodeId)
            {
                NodeLog.GroupLeft(_logger, change.Group, left.Member);
            }
        }
    }
}
