using Clustering.Transport.Framing;

namespace Clustering.Membership.Totem;

/// <summary>Membership: gather (join messages and consensus) and commit (the commit token's first rotation).</summary>
internal sealed partial class TotemProcessor
{
    private readonly SortedSet<uint> _proc = [];
    private readonly SortedSet<uint> _failed = [];
    private readonly HashSet<uint> _consensus = [];
    private ulong _attemptSeq;
    private ulong _highRingSeq;
    private CommitTokenMessage? _commit;

    private void EnterGather(string reason, uint newcomer = 0)
    {
        if (State == TotemState.Recovery)
        {
            RevertRecovery();
        }

        if (State == TotemState.Operational)
        {
            _proc.Clear();
            _proc.UnionWith(_ring.Members);
            _failed.Clear();
        }

        _heldToken = null;
        _tokenHeldElsewhere = false;
        _commit = null;
        Cancel(TotemTimer.Hold);
        Cancel(TotemTimer.TokenLoss);
        Cancel(TotemTimer.Merge);
        CancelTokenRetransmit();
        _proc.Add(_me);
        if (newcomer != 0 && !_failed.Contains(newcomer))
        {
            _proc.Add(newcomer);
        }

        State = TotemState.Gather;
        TotemLog.EnterGather(_logger, reason);
        RestartGather();
    }

    private void RestartGather()
    {
        _consensus.Clear();
        _consensus.Add(_me);
        SendJoin();
        Arm(TotemTimer.Join, _timings.Join);
        Arm(TotemTimer.Consensus, _timings.EffectiveConsensus);
        CheckConsensus();
    }

    private void SendJoin()
    {
        if (_timings.SendJoin <= TimeSpan.Zero)
        {
            MulticastJoin();
        }
        else if (!IsArmed(TotemTimer.SendJoin))
        {
            // Corosync sleeps a random part of send_join before each join; here the send waits on a timer instead, and
            // the join that finally leaves carries the proc and fail sets as they are then.
            Arm(TotemTimer.SendJoin, TimeSpan.FromTicks(_random.NextInt64(_timings.SendJoin.Ticks)));
        }
    }

    private void MulticastJoin() => Multicast(FrameType.Join, TotemCodec.Encode(new JoinMessage([.. _proc], [.. _failed], _attemptSeq)));

    private void OnJoin(uint from, JoinMessage join)
    {
        switch (State)
        {
            case TotemState.Operational:
                // As totemsrp's ignore_join_under_operational: a join that lists this node as failed does not pull a
                // working ring back into gather (the two sides would exclude each other turn by turn); merge
                // detection brings them together with clean failed sets.
                if (Array.BinarySearch(join.Failed, _me) >= 0 || (_ring.IsMember(from) && join.RingSeq < _ring.Id.Sequence))
                {
                    return;
                }

                EnterGather("join", from);
                ProcessJoin(from, join);
                break;
            case TotemState.Gather:
                ProcessJoin(from, join);
                break;
            case TotemState.Commit:
                if (_commit is { } commit && IndexOf(commit.Entries, from) >= 0 && join.RingSeq >= commit.Ring.Sequence)
                {
                    EnterGather("join during commit");
                    ProcessJoin(from, join);
                }

                break;
            case TotemState.Recovery:
                if (_newRing!.IsMember(from) && join.RingSeq >= _newRing.Id.Sequence)
                {
                    EnterGather("join during recovery");
                    ProcessJoin(from, join);
                }

                break;
        }
    }

    private void ProcessJoin(uint from, JoinMessage join)
    {
        if (State != TotemState.Gather)
        {
            return;
        }

        if (join.RingSeq > _highRingSeq)
        {
            _highRingSeq = join.RingSeq;
        }

        if (SameSet(_proc, join.Proc) && SameSet(_failed, join.Failed))
        {
            _consensus.Add(from);
            CheckConsensus();
            return;
        }

        if (_failed.Contains(from) || (Subset(join.Proc, _proc) && Subset(join.Failed, _failed)))
        {
            return;
        }

        var changed = false;
        foreach (var node in join.Proc)
        {
            changed |= _proc.Add(node);
        }

        if (Array.BinarySearch(join.Failed, _me) >= 0)
        {
            // It gave up on this node: give up on it too, so that the two sides do not wait for each other.
            changed |= _failed.Add(from);
        }
        else
        {
            // A member of this node's own ring is trusted about any failure. A foreign node only about nodes outside
            // this node's ring (as totemsrp's fail-minus-memb): its view of this ring's members would spread
            // exclusions between merging partitions, while ignoring it entirely can leave both sides waiting for
            // an agreement that never comes.
            var member = _ring.IsMember(from);
            foreach (var node in join.Failed)
            {
                if (member || !_ring.IsMember(node))
                {
                    changed |= _failed.Add(node);
                }
            }
        }

        if (changed)
        {
            RestartGather();

            // The join that brought this node's sets to what they are now says the sender holds exactly these sets:
            // it counts towards consensus already. Corosync drops it here (its gather restart clears the consensus)
            // and waits for the sender's next join, a join timeout later, which is what delayed the new ring when the
            // other node's consensus timeout fired first.
            if (State == TotemState.Gather && SameSet(_proc, join.Proc) && SameSet(_failed, join.Failed))
            {
                _consensus.Add(from);
                CheckConsensus();
            }
        }
    }

    private void OnConsensusTimeout()
    {
        if (State != TotemState.Gather)
        {
            return;
        }

        foreach (var node in _proc)
        {
            if (!_failed.Contains(node) && !_consensus.Contains(node))
            {
                _failed.Add(node);
            }
        }

        RestartGather();
    }

    private void CheckConsensus()
    {
        // While a join waits out its send_join delay this node has not spoken yet (Corosync sleeps before sending it,
        // so nothing moves on before the join is out); the timer's firing sends it and checks again.
        if (State != TotemState.Gather || IsArmed(TotemTimer.SendJoin))
        {
            return;
        }

        foreach (var node in _proc)
        {
            if (!_failed.Contains(node) && !_consensus.Contains(node))
            {
                return;
            }
        }

        var members = ActiveMembers();
        if (members[0] != _me)
        {
            return;
        }

        var ring = new RingId(_me, Math.Max(_highRingSeq, _attemptSeq) + 4);
        var entries = new CommitEntry[members.Length];
        for (var i = 0; i < members.Length; i++)
        {
            entries[i].Node = members[i];
        }

        CommitInGather(new CommitTokenMessage(ring, entries));
    }

    private uint[] ActiveMembers()
    {
        var members = new List<uint>(_proc.Count);
        foreach (var node in _proc)
        {
            if (!_failed.Contains(node))
            {
                members.Add(node);
            }
        }

        return [.. members];
    }

    private void OnCommit(CommitTokenMessage token)
    {
        var index = IndexOf(token.Entries, _me);
        if (index < 0 || token.Index != index)
        {
            return;
        }

        switch (State)
        {
            case TotemState.Gather:
                CommitInGather(token);
                break;
            case TotemState.Commit:
                if (token.Ring == _commit!.Ring && token.AllFilled)
                {
                    CancelTokenRetransmit();
                    Arm(TotemTimer.TokenLoss, _timings.EffectiveToken);
                    EnterRecovery(token);
                    SendCommit(token);
                }

                break;
            case TotemState.Recovery:
                if (token.Ring == _newRing!.Id && token.AllFilled)
                {
                    CancelTokenRetransmit();
                    if (index == 0 && !_newRing.SawToken)
                    {
                        _newRing.SawToken = true;
                        Arm(TotemTimer.TokenLoss, _timings.EffectiveToken);
                        ProcessToken(_newRing, new TokenMessage { Ring = _newRing.Id });
                    }
                }

                break;
        }
    }

    private void CommitInGather(CommitTokenMessage token)
    {
        var index = IndexOf(token.Entries, _me);
        if (token.Ring.Sequence <= _attemptSeq || token.Entries[index].Filled)
        {
            return;
        }

        var members = ActiveMembers();
        if (members.Length != token.Entries.Length)
        {
            return;
        }

        for (var i = 0; i < members.Length; i++)
        {
            if (members[i] != token.Entries[i].Node)
            {
                return;
            }
        }

        token.Entries[index] = new CommitEntry
        {
            Node = _me,
            OldRing = _ring.Id,
            Aru = _ring.Aru,
            HighDelivered = _ring.Delivered,
            HighReceived = _ring.HighReceived,
            Filled = true,
        };
        _attemptSeq = token.Ring.Sequence;
        if (_attemptSeq > _highRingSeq)
        {
            _highRingSeq = _attemptSeq;
        }

        _store.Save(_attemptSeq);
        State = TotemState.Commit;
        _commit = token;
        Cancel(TotemTimer.Join);
        Cancel(TotemTimer.Consensus);
        Arm(TotemTimer.TokenLoss, _timings.EffectiveToken);
        TotemLog.EnterCommit(_logger, token.Ring);
        SendCommit(token);
    }

    private void SendCommit(CommitTokenMessage token)
    {
        var copy = token.Clone();
        copy.Index = (token.Index + 1) % token.Entries.Length;
        var next = copy.Entries[copy.Index].Node;
        if (next == _me)
        {
            _loopback.Enqueue((FrameType.CommitToken, copy));
            return;
        }

        SendToken(new OutboundFrame(next, FrameType.CommitToken, TotemCodec.Encode(copy)), pooled: false);
    }

    private void FailedToReceive()
    {
        EnterGather("failed to receive");
        foreach (var node in _proc)
        {
            if (node != _me)
            {
                _failed.Add(node);
            }
        }

        RestartGather();
    }

    private static int IndexOf(CommitEntry[] entries, uint node)
    {
        for (var i = 0; i < entries.Length; i++)
        {
            if (entries[i].Node == node)
            {
                return i;
            }
        }

        return -1;
    }

    private static bool SameSet(SortedSet<uint> mine, uint[] theirs)
    {
        if (mine.Count != theirs.Length)
        {
            return false;
        }

        var i = 0;
        foreach (var node in mine)
        {
            if (node != theirs[i++])
            {
                return false;
            }
        }

        return true;
    }

    private static bool Subset(uint[] theirs, SortedSet<uint> mine)
    {
        foreach (var node in theirs)
        {
            if (!mine.Contains(node))
            {
                return false;
            }
        }

        return true;
    }
}
