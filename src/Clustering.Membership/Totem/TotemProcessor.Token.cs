using Clustering.Transport.Framing;

namespace Clustering.Membership.Totem;

/// <summary>The regular token: ordering, retransmission, flow control, safe point, hold.</summary>
internal sealed partial class TotemProcessor
{
    private const uint MissingScanLimit = 4096;

    private void OnMcast(uint from, McastMessage message)
    {
        switch (State)
        {
            case TotemState.Operational:
                if (message.Ring == _ring.Id)
                {
                    if (_retransmitFrame is not null && message.Seq > _ring.LastForwardedSeq)
                    {
                        CancelTokenRetransmit();
                    }

                    StoreMessage(_ring, message);
                    Deliver(_ring);
                }
                else if (!_ring.IsMember(from) && message.Ring.Sequence > 0)
                {
                    EnterGather("foreign message", from);
                }

                break;
            case TotemState.Gather:
            case TotemState.Commit:
                if (message.Ring == _ring.Id && !_ring.Frozen && message.Recovered is null)
                {
                    StoreMessage(_ring, message);
                    Deliver(_ring);
                }

                break;
            case TotemState.Recovery:
                if (message.Ring == _newRing!.Id)
                {
                    if (_retransmitFrame is not null && message.Seq > _newRing.LastForwardedSeq)
                    {
                        CancelTokenRetransmit();
                    }

                    StoreMessage(_newRing, message);
                    if (message.Recovered is { } old && old.Ring == _ring.Id)
                    {
                        StoreMessage(_ring, old);
                    }
                }

                break;
        }
    }

    private void OnToken(TokenMessage token)
    {
        var ring = State switch
        {
            TotemState.Operational => _ring,
            TotemState.Recovery => _newRing,
            _ => null,
        };
        if (ring is null || token.Ring != ring.Id || _heldToken is not null)
        {
            return;
        }

        if (ring.SawToken && token.TokenSeq <= ring.LastTokenSeq)
        {
            return;
        }

        ring.SawToken = true;
        ring.LastTokenSeq = token.TokenSeq;
        CancelTokenRetransmit();
        Arm(TotemTimer.TokenLoss, _timings.EffectiveToken);
        ProcessToken(ring, token);
    }

    private void ProcessToken(RingState ring, TokenMessage t)
    {
        Statistics.OnTokenVisit();
        var receivedAru = t.Aru;
        var receivedSeq = t.Seq;
        var receivedRetransBacklog = t.RetransBacklog;
        ring.SeqUnchanged = ring.Forwarded && receivedSeq == ring.LastForwardedSeq ? ring.SeqUnchanged + 1 : 0;

        t.Fcc = Sub(t.Fcc, ring.MyLastSent);
        t.Backlog = Sub(t.Backlog, ring.MyLastBacklog);
        t.RetransBacklog = Sub(t.RetransBacklog, ring.MyLastRetransBacklog);
        var budget = (uint)Math.Min(_timings.MaxMessages, Math.Max(0, _timings.WindowSize - (long)t.Fcc));
        uint sent = 0;

        // Answer retransmission requests first.
        for (var i = 0; i < t.Rtr.Count && sent < budget;)
        {
            if (ring.Messages.TryGetValue(t.Rtr[i], out var held))
            {
                held.Encoded ??= TotemCodec.Encode(held);
                Output.Frames.Add(new OutboundFrame(0, FrameType.Multicast, held.Encoded) { Length = held.EncodedLength });
                t.Rtr.RemoveAt(i);
                Statistics.OnRetransmit();
                sent++;
            }
            else
            {
                i++;
            }
        }

        // Then new messages: application messages when operational, the old ring's messages in recovery.
        var firstNew = Output.Frames.Count;
        uint newSent = 0;
        if (State == TotemState.Operational)
        {
            var queued = SendQueued(ring, t, budget - sent);
            newSent = queued;
            sent += queued;

            // This visit changed the ring's seq: the ring is not idle (Corosync counts every seq change, its own
            // included). Holding the token right after sending would leave the new messages' safe point, and the
            // detection of a lost copy, to the hold timer.
            if (queued > 0)
            {
                ring.SeqUnchanged = 0;
            }
        }
        else
        {
            while (sent < budget && _retrans.TryDequeue(out var old))
            {
                SendNew(ring, t, new McastMessage(ring.Id, t.Seq + 1, _me, DeliveryOrder.Agreed, ReadOnlyMemory<byte>.Empty, old));
                sent++;
            }
        }

        t.Fcc += sent;
        ring.MyLastSent = sent;
        Statistics.OnFramesSent(sent);
        var backlog = State == TotemState.Operational ? (uint)_packer.PendingChunks : 0;
        t.Backlog += backlog;
        ring.MyLastBacklog = backlog;
        var retransBacklog = State == TotemState.Recovery ? (uint)_retrans.Count : 0;
        t.RetransBacklog += retransBacklog;
        ring.MyLastRetransBacklog = retransBacklog;

        RequestMissing(ring, t);

        UpdateAru(ring, t);

        // Safe point: what this node forwarded last time and what came back after a full rotation are both lower
        // bounds that nobody raised in between, so every member holds everything up to the smaller one.
        if (ring.Forwarded)
        {
            var safe = Math.Min(ring.LastForwardedAru, receivedAru);
            if (safe > ring.SafeUpTo)
            {
                ring.SafeUpTo = safe;
            }
        }

        if (t.AruAddr == _me && ring.Aru < t.Seq && ring.Aru == ring.LastVisitAru)
        {
            ring.AruStuck++;
        }
        else
        {
            ring.AruStuck = 0;
        }

        ring.LastVisitAru = ring.Aru;
        if (ring.AruStuck >= _timings.FailReceiveConst)
        {
            TotemLog.FailedToReceive(_logger, ring.Aru, ring.AruStuck);
            FailedToReceive();
            return;
        }

        if (State == TotemState.Recovery)
        {
            if (t.InstallSeq is null && ring.Members[0] == _me && receivedRetransBacklog == 0 && _retrans.Count == 0
                && ring.Forwarded && receivedSeq == ring.LastForwardedSeq && ring.LastForwardedAru == receivedSeq
                && receivedAru == receivedSeq && ring.Aru == receivedSeq && t.Seq == receivedSeq)
            {
                t.InstallSeq = receivedSeq;
            }

            if (t.InstallSeq is { } install && ring.Aru >= install)
            {
                Install(install);
            }
        }

        if (State == TotemState.Operational)
        {
            Deliver(ring);
        }

        ring.Free(_releasedMessages);
        // Corosync's hold rule: the representative holds an idle token once more than seqno_unchanged_const visits in a
        // row saw the seq unchanged (here also only with nothing to retransmit, queued or missing); every other member
        // expects it held from seqno_unchanged_const on. When the representative holds, every other member's count at
        // its last visit is at most one below the representative's (one below when the representative changed the seq
        // last), so each of them expects the hold and cancels it for its next message. The seq alone decides, not the
        // aru: a member further on may raise the aru before the token reaches the representative.
        _tokenHeldElsewhere = State == TotemState.Operational && ring.Members[0] != _me
            && ring.SeqUnchanged >= _timings.SeqnoUnchangedConst;
        if (State == TotemState.Operational && ring.Members[0] == _me && t.Rtr.Count == 0 && _packer.Count == 0
            && t.Aru == t.Seq && ring.SeqUnchanged > _timings.SeqnoUnchangedConst)
        {
            _heldToken = t;
            Arm(TotemTimer.Hold, _timings.Hold);
            return;
        }

        ForwardToken(ring, t);
        AccelerateToken(firstNew, newSent);
    }

    /// <summary>
    /// The accelerated ring: moves the token just forwarded (the last frame of the output, right after the
    /// <paramref name="count"/> new messages from <paramref name="firstNew"/> on) ahead of the last
    /// <see cref="TotemTimings.AcceleratedWindow"/> of them, so it goes out before them. Retransmissions stay ahead of
    /// the token. Nothing moves when the token was not sent (held, or looped back on a ring of one).
    /// </summary>
    private void AccelerateToken(int firstNew, uint count)
    {
        var window = _timings.AcceleratedWindow;
        var frames = Output.Frames;
        var last = frames.Count - 1;
        if (window == 0 || count == 0 || last != firstNew + count || frames[last].Type != FrameType.Token)
        {
            return;
        }

        var token = frames[last];
        var at = last - (int)Math.Min(count, (uint)window);
        frames.RemoveAt(last);
        frames.Insert(at, token);
        Statistics.OnAcceleratedToken();
    }

    /// <summary>
    /// Multicasts up to <paramref name="budget"/> frames of queued application messages on token <paramref name="t"/>,
    /// packed (each frame carries as many queued messages, or fragments of one, as fit; window and max_messages count
    /// frames): each gets the next seq, is stored (and so counts in this node's aru) and goes out.
    /// </summary>
    /// <returns>The frames sent.</returns>
    private uint SendQueued(RingState ring, TokenMessage t, uint budget)
    {
        uint sent = 0;
        while (sent < budget && _packer.Count > 0)
        {
            var length = _packer.WriteChunk(_chunk, out var order);
            var message = TotemCodec.CreateMcast(ring.Id, t.Seq + 1, _me, order, _chunk.AsSpan(0, length), _pool);
            t.Seq = message.Seq;
            StoreMessage(ring, message);
            Output.Frames.Add(new OutboundFrame(0, FrameType.Multicast, message.Encoded!) { Length = message.EncodedLength });
            sent++;
        }

        return sent;
    }

    /// <summary>
    /// The held token, released because this node has messages of its own, is used as a token visit before it is
    /// forwarded: the queued messages go out on it (within what is left of max_messages and the window), and the
    /// token's seq, fcc, backlog and aru are updated as a visit updates them. Without this the messages would wait a
    /// whole rotation for the token to come back. The ring is busy again, so the idle count restarts (as Corosync
    /// restarts it on a hold cancel) and the token goes round the ring for the safe point.
    /// </summary>
    /// <returns>The new messages sent.</returns>
    private uint SendOnHeldToken(RingState ring, TokenMessage t)
    {
        if (_packer.Count == 0)
        {
            return 0;
        }

        var left = Math.Min(_timings.MaxMessages - (long)ring.MyLastSent, _timings.WindowSize - (long)t.Fcc);
        var sent = SendQueued(ring, t, (uint)Math.Max(0, left));
        t.Fcc += sent;
        ring.MyLastSent += sent;
        Statistics.OnFramesSent(sent);
        var backlog = (uint)_packer.PendingChunks;
        t.Backlog = Sub(t.Backlog, ring.MyLastBacklog) + backlog;
        ring.MyLastBacklog = backlog;
        UpdateAru(ring, t);
        ring.SeqUnchanged = 0;
        Deliver(ring);
        return sent;
    }

    /// <summary>The token's aru: lowered by whoever lacks messages; only its owner (or anyone, when nobody owns it) may raise it.</summary>
    private void UpdateAru(RingState ring, TokenMessage t)
    {
        if (ring.Aru < t.Aru || t.AruAddr == _me || t.AruAddr == 0)
        {
            t.Aru = ring.Aru;
            t.AruAddr = t.Aru == t.Seq ? 0 : _me;
        }
    }

    private void SendNew(RingState ring, TokenMessage t, McastMessage message)
    {
        t.Seq = message.Seq;
        message.Encoded = TotemCodec.Encode(message);
        StoreMessage(ring, message);
        Multicast(FrameType.Multicast, message.Encoded);
    }

    private void RequestMissing(RingState ring, TokenMessage t)
    {
        // Look no further than a bounded distance ahead, whatever seq a (corrupt) token claims. On an accelerated ring,
        // messages announced since this node last forwarded the token may still be on their way (their sender sends
        // them after passing the token on); those announced before it were sent before their sender took the token
        // again, which it had to for the token to come back here, so only they may be missing.
        var upTo = t.Seq;
        if (_timings.AcceleratedWindow > 0 && State == TotemState.Operational)
        {
            upTo = ring.Forwarded ? Math.Min(upTo, ring.LastForwardedSeq) : ring.Aru;
        }

        var last = (uint)Math.Min(upTo, (ulong)ring.Aru + MissingScanLimit);
        for (var seq = ring.Aru + 1; seq <= last && t.Rtr.Count < TotemCodec.MaxRtr; seq++)
        {
            if (ring.Messages.ContainsKey(seq) || t.Rtr.Contains(seq))
            {
                continue;
            }

            ring.MissCounts.TryGetValue(seq, out var count);
            count++;
            ring.MissCounts[seq] = count;
            if (count >= _timings.MissCountConst)
            {
                t.Rtr.Add(seq);
            }
        }
    }

    private void ForwardToken(RingState ring, TokenMessage t)
    {
        t.TokenSeq++;
        ring.Forwarded = true;
        ring.LastForwardedAru = t.Aru;
        ring.LastForwardedSeq = t.Seq;
        var next = ring.Next(_me);
        if (next == _me)
        {
            _loopback.Enqueue((FrameType.Token, t));
            return;
        }

        if (_pool is null)
        {
            SendToken(new OutboundFrame(next, FrameType.Token, TotemCodec.Encode(t)), pooled: false);
            return;
        }

        var buffer = _pool.Rent(TotemCodec.EncodedSize(t));
        var length = TotemCodec.Encode(t, buffer);
        SendToken(new OutboundFrame(next, FrameType.Token, buffer) { Length = length }, pooled: true);
    }

    private void ReleaseHeldToken()
    {
        Cancel(TotemTimer.Hold);
        if (_heldToken is { } token)
        {
            _heldToken = null;
            if (State == TotemState.Operational && token.Ring == _ring.Id)
            {
                var firstNew = Output.Frames.Count;
                var sent = SendOnHeldToken(_ring, token);
                ForwardToken(_ring, token);
                AccelerateToken(firstNew, sent);
            }

            RecycleToken(token);
        }
    }

    private static uint Sub(uint value, uint minus) => value > minus ? value - minus : 0;
}
