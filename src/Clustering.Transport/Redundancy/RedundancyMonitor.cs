namespace Clustering.Transport.Redundancy;

/// <summary>
/// The redundant ring protocol's fault detector and ring chooser, sans IO: it is told which ring each frame
/// arrived on and what time it is, and it answers which rings to send on and what changed (events for the
/// shell to log and act on). Not thread-safe: its owner serialises calls.
/// </summary>
/// <remarks>
/// <para><b>Active</b>: every frame travels on every healthy ring, so every healthy ring should carry every
/// sender's newest sequence. Each <see cref="RedundancyOptions.TokenExpiredTimeout"/>, a ring that has not yet
/// delivered a sequence that another ring had already delivered one period earlier earns one problem
/// (Corosync counts the same thing on token copies).</para>
/// <para><b>Passive</b>: frames alternate over the healthy rings, so the rings' receive counts stay level. A ring
/// whose token count lags the best ring by more than <see cref="RedundancyOptions.ProblemCountThreshold"/>, or
/// whose other-frame count lags by more than the multicast threshold, is FAULTY at once (Corosync's rule).</para>
/// <para>Problems decay by one every <see cref="RedundancyOptions.ProblemCountTimeout"/>. A FAULTY ring is probed
/// every <see cref="RedundancyOptions.AutorecoveryCheckTimeout"/>; once every peer heard recently on any ring has
/// answered a probe on it, it is active again.</para>
/// </remarks>
internal sealed class RedundancyMonitor
{
    private readonly RedundancyOptions _options;
    private readonly RingState[] _rings;
    private readonly Dictionary<uint, SenderTrack> _senders = [];
    private readonly List<RedundancyEvent> _events = [];
    private TimeSpan _nextCheck;
    private TimeSpan _nextDecrement;
    private TimeSpan _nextProbe;
    private int _tokenCursor;
    private int _otherCursor;

    public RedundancyMonitor(RedundancyOptions options, int ringCount, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(ringCount);
        _options = options;
        _rings = new RingState[ringCount];
        for (var i = 0; i < ringCount; i++)
        {
            _rings[i] = new RingState();
        }

        _nextCheck = now + options.TokenExpiredTimeout;
        _nextDecrement = now + options.ProblemCountTimeout;
        _nextProbe = now + options.AutorecoveryCheckTimeout;
    }

    /// <summary>The number of rings.</summary>
    public int RingCount => _rings.Length;

    /// <summary>What happened since the last <see cref="ClearEvents"/>.</summary>
    public IReadOnlyList<RedundancyEvent> Events => _events;

    /// <summary>The earliest time <see cref="OnTick"/> has something to do.</summary>
    public TimeSpan NextDeadline
    {
        get
        {
            var next = _nextDecrement < _nextProbe ? _nextDecrement : _nextProbe;
            return _options.Mode == RrpMode.Active && _nextCheck < next ? _nextCheck : next;
        }
    }

    /// <summary>The state of one ring.</summary>
    public RingState this[int ring] => _rings[ring];

    /// <summary>Forgets the events already acted on.</summary>
    public void ClearEvents() => _events.Clear();

    /// <summary>
    /// Chooses the rings a frame goes out on and writes their numbers to <paramref name="destination"/>; returns how many.
    /// Active: every healthy ring. Passive: the next healthy ring in turn (tokens and other frames have separate turns).
    /// When every ring is FAULTY, ring 0 still carries traffic, so a node is never silenced.
    /// </summary>
    public int SelectRings(bool isToken, Span<int> destination)
    {
        switch (_options.Mode)
        {
            case RrpMode.None:
                destination[0] = 0;
                return 1;
            case RrpMode.Active:
                var count = 0;
                for (var i = 0; i < _rings.Length; i++)
                {
                    if (!_rings[i].IsFaulty)
                    {
                        destination[count++] = i;
                    }
                }

                if (count == 0)
                {
                    destination[0] = 0;
                    count = 1;
                }

                return count;
            default:
                ref var cursor = ref isToken ? ref _tokenCursor : ref _otherCursor;
                for (var step = 0; step < _rings.Length; step++)
                {
                    var ring = (cursor + step) % _rings.Length;
                    if (!_rings[ring].IsFaulty)
                    {
                        cursor = (ring + 1) % _rings.Length;
                        destination[0] = ring;
                        return 1;
                    }
                }

                destination[0] = 0;
                return 1;
        }
    }

    /// <summary>
    /// Accounts for one frame (first copy or redundant copy) that arrived on <paramref name="ring"/>: an authenticated
    /// one, or (<paramref name="authenticated"/> false) a redundant copy recognised from its header alone while
    /// <see cref="IsVouchedFor"/> allowed it.
    /// </summary>
    public void OnFrame(int ring, uint sender, ulong incarnation, ulong sequence, bool isToken, TimeSpan now, bool authenticated = true)
    {
        if ((uint)ring >= (uint)_rings.Length)
        {
            return;
        }

        if (!_senders.TryGetValue(sender, out var track))
        {
            track = new SenderTrack(_rings.Length);
            track.Reset(incarnation);
            _senders.Add(sender, track);
        }
        else if (incarnation != track.Incarnation)
        {
            if (incarnation < track.Incarnation)
            {
                return;
            }

            track.Reset(incarnation);
        }

        track.LastHeard = now;
        if (authenticated)
        {
            track.LastAuthenticated[ring] = now;
        }

        if (sequence > track.LastSequence[ring])
        {
            track.LastSequence[ring] = sequence;
        }

        if (_options.Mode != RrpMode.Passive)
        {
            return;
        }

        var state = _rings[ring];
        if (isToken)
        {
            state.TokensReceived++;
        }
        else
        {
            state.MulticastsReceived++;
        }

        CheckPassiveBalance(sequence);
    }

    /// <summary>
    /// Whether a redundant copy from <paramref name="sender"/> on <paramref name="ring"/> may be counted from its
    /// unauthenticated header: the ring is not FAULTY and a frame of the same sender incarnation passed
    /// authentication on that ring less than <see cref="RedundancyOptions.TokenExpiredTimeout"/> ago. A forged header
    /// can therefore keep a ring looking alive for at most one such period after its last genuine frame; after that
    /// every copy on the ring is authenticated again, and forgeries are dropped and count for nothing.
    /// </summary>
    public bool IsVouchedFor(int ring, uint sender, ulong incarnation, TimeSpan now)
    {
        if (_options.Mode != RrpMode.Active || (uint)ring >= (uint)_rings.Length || _rings[ring].IsFaulty)
        {
            return false;
        }

        return _senders.TryGetValue(sender, out var track)
            && track.Incarnation == incarnation
            && track.LastAuthenticated[ring] > now - _options.TokenExpiredTimeout;
    }

    /// <summary>Accounts for a peer's answer to a probe sent on a FAULTY ring.</summary>
    public void OnProbeReply(int ring, uint peer, int round, TimeSpan now)
    {
        if ((uint)ring >= (uint)_rings.Length)
        {
            return;
        }

        var state = _rings[ring];
        if (!state.IsFaulty || round != state.ProbeRound)
        {
            return;
        }

        state.ProbeReplies.Add(peer);
        if (AllLivePeersAnswered(state, now))
        {
            Recover(ring);
            _events.Add(new RedundancyEvent(RedundancyEventKind.Recovered, ring, 0, 0));
        }
    }

    /// <summary>Runs the periodic duties that are due at <paramref name="now"/>.</summary>
    public void OnTick(TimeSpan now)
    {
        if (_options.Mode == RrpMode.Active && now >= _nextCheck)
        {
            CheckActiveCopies();
            _nextCheck = now + _options.TokenExpiredTimeout;
        }

        if (now >= _nextDecrement)
        {
            Decrement();
            _nextDecrement = now + _options.ProblemCountTimeout;
        }

        if (now >= _nextProbe)
        {
            for (var i = 0; i < _rings.Length; i++)
            {
                var state = _rings[i];
                if (state.IsFaulty)
                {
                    state.ProbeRound++;
                    state.ProbeReplies.Clear();
                    _events.Add(new RedundancyEvent(RedundancyEventKind.ProbeDue, i, state.ProbeRound, 0));
                }
            }

            _nextProbe = now + _options.AutorecoveryCheckTimeout;
        }
    }

    /// <summary>The administrator's re-enable (<c>corosync-cfgtool -r</c>): every ring active, every counter cleared.</summary>
    public void ReenableAll()
    {
        for (var i = 0; i < _rings.Length; i++)
        {
            Recover(i);
        }
    }

    private void CheckActiveCopies()
    {
        Span<bool> lagging = stackalloc bool[_rings.Length];
        Span<ulong> evidence = stackalloc ulong[_rings.Length];
        foreach (var track in _senders.Values)
        {
            var best = 0UL;
            for (var r = 0; r < _rings.Length; r++)
            {
                if (!_rings[r].IsFaulty && track.LastSequence[r] > best)
                {
                    best = track.LastSequence[r];
                }
            }

            var due = track.BestAtLastCheck;
            for (var r = 0; r < _rings.Length; r++)
            {
                if (!_rings[r].IsFaulty && track.LastSequence[r] < due)
                {
                    lagging[r] = true;
                    evidence[r] = due;
                }
            }

            track.BestAtLastCheck = best;
        }

        for (var r = 0; r < _rings.Length; r++)
        {
            if (lagging[r])
            {
                AddProblem(r, evidence[r]);
            }
        }
    }

    private void CheckPassiveBalance(ulong sequence)
    {
        long bestTokens = 0, bestOthers = 0;
        foreach (var state in _rings)
        {
            if (!state.IsFaulty)
            {
                bestTokens = Math.Max(bestTokens, state.TokensReceived);
                bestOthers = Math.Max(bestOthers, state.MulticastsReceived);
            }
        }

        for (var r = 0; r < _rings.Length; r++)
        {
            var state = _rings[r];
            if (state.IsFaulty)
            {
                continue;
            }

            if (bestTokens - state.TokensReceived > _options.ProblemCountThreshold
                || bestOthers - state.MulticastsReceived > _options.EffectiveMulticastThreshold)
            {
                MarkFaulty(r, sequence);
            }
        }

        // Keep the counters far from overflow: only their differences matter.
        if (bestTokens > int.MaxValue / 2 || bestOthers > int.MaxValue / 2)
        {
            foreach (var state in _rings)
            {
                state.TokensReceived -= Math.Min(state.TokensReceived, int.MaxValue / 4);
                state.MulticastsReceived -= Math.Min(state.MulticastsReceived, int.MaxValue / 4);
            }
        }
    }

    private void AddProblem(int ring, ulong sequence)
    {
        var state = _rings[ring];
        state.ProblemCount++;
        if (state.ProblemCount >= _options.ProblemCountThreshold)
        {
            MarkFaulty(ring, sequence);
            return;
        }

        state.Health = RingHealth.Degraded;
        state.Status = RingStatusKind.ProblemIncremented;
        state.StatusSequence = sequence;
        _events.Add(new RedundancyEvent(RedundancyEventKind.ProblemIncremented, ring, state.ProblemCount, sequence));
    }

    private void MarkFaulty(int ring, ulong sequence)
    {
        var state = _rings[ring];
        state.Health = RingHealth.Faulty;
        state.Status = RingStatusKind.Faulty;
        state.StatusSequence = sequence;
        state.ProbeReplies.Clear();
        _events.Add(new RedundancyEvent(RedundancyEventKind.MarkedFaulty, ring, state.ProblemCount, sequence));
    }

    private void Decrement()
    {
        for (var r = 0; r < _rings.Length; r++)
        {
            var state = _rings[r];
            if (state.IsFaulty || state.ProblemCount == 0)
            {
                continue;
            }

            state.ProblemCount--;
            if (state.ProblemCount == 0)
            {
                state.Health = RingHealth.Active;
                state.Status = RingStatusKind.NoFaults;
                _events.Add(new RedundancyEvent(RedundancyEventKind.ProblemCleared, r, 0, 0));
            }
            else
            {
                state.Status = RingStatusKind.ProblemDecremented;
                _events.Add(new RedundancyEvent(RedundancyEventKind.ProblemDecremented, r, state.ProblemCount, 0));
            }
        }
    }

    private bool AllLivePeersAnswered(RingState state, TimeSpan now)
    {
        var horizon = now - (3 * _options.AutorecoveryCheckTimeout);
        var live = 0;
        foreach (var (peer, track) in _senders)
        {
            if (track.LastHeard < horizon)
            {
                continue;
            }

            live++;
            if (!state.ProbeReplies.Contains(peer))
            {
                return false;
            }
        }

        // A peer that answered but was never heard otherwise still proves the ring works.
        return live > 0 || state.ProbeReplies.Count > 0;
    }

    private void Recover(int ring)
    {
        var state = _rings[ring];
        state.Health = RingHealth.Active;
        state.ProblemCount = 0;
        state.Status = RingStatusKind.NoFaults;
        state.StatusSequence = 0;
        state.ProbeReplies.Clear();

        // The ring missed what travelled while it was down: level it with the others so old gaps are not counted again.
        foreach (var track in _senders.Values)
        {
            var best = 0UL;
            foreach (var sequence in track.LastSequence)
            {
                best = Math.Max(best, sequence);
            }

            track.LastSequence[ring] = best;
        }

        long bestTokens = 0, bestOthers = 0;
        foreach (var other in _rings)
        {
            bestTokens = Math.Max(bestTokens, other.TokensReceived);
            bestOthers = Math.Max(bestOthers, other.MulticastsReceived);
        }

        state.TokensReceived = bestTokens;
        state.MulticastsReceived = bestOthers;
    }
}
