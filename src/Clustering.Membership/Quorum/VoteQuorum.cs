namespace Clustering.Membership.Quorum;

/// <summary>
/// Votequorum's rules as a sans-IO calculator: told each new membership of this partition and the time, it says
/// whether the partition is quorate. Not thread-safe: its owner serialises calls.
/// </summary>
/// <remarks>
/// <para>Quorum is ⌊E/2⌋ + 1 where E is the highest expected votes seen (8 → 5, 4 → 3, 3 → 2, 2 → 2). Expected votes
/// rise by themselves when more votes are present and never fall, except through <see cref="SetExpectedVotes"/> or
/// last_man_standing, so a partition that shrinks cannot lower the bar it has to reach.</para>
/// <para>two_node sets quorum to 1 while the cluster has at most two votes; wait_for_all holds quorum back until all
/// expected votes have been seen together once; last_man_standing lowers expected votes to the votes present once
/// a loss has lasted its window; auto_tie_breaker lets the partition holding the tie-breaker node keep quorum on an
/// exact 50/50 split.</para>
/// </remarks>
public sealed class VoteQuorum
{
    private readonly VoteQuorumOptions _options;
    private IReadOnlyList<uint> _members = [];
    private IReadOnlyList<uint> _lastQuorateMembers = [];
    private int _expected;
    private int _highestExpected;
    private bool _waitingForAll;
    private TimeSpan? _lastManStandingDue;

    /// <summary>Creates the calculator; no node is present until <see cref="OnMembership"/>.</summary>
    /// <exception cref="ArgumentException">The options are inconsistent.</exception>
    public VoteQuorum(VoteQuorumOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _expected = options.ExpectedVotes ?? options.NodeVotes.Values.Sum();
        _highestExpected = _expected;
        _waitingForAll = options.EffectiveWaitForAll;
        Current = Compute();
    }

    /// <summary>The state after the last change.</summary>
    public QuorumSnapshot Current { get; private set; }

    /// <summary>When <see cref="OnTick"/> has something to do (the last_man_standing window), or <see langword="null"/>.</summary>
    public TimeSpan? NextDeadline => _lastManStandingDue;

    /// <summary>Applies the membership of this partition (node ids of the new regular configuration).</summary>
    /// <returns><see langword="true"/> when <see cref="QuorumSnapshot.Quorate"/> changed.</returns>
    public bool OnMembership(IEnumerable<uint> members, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(members);
        var before = Current.Quorate;
        var previousVotes = Current.TotalVotes;
        _members = [.. members.Distinct().Order()];
        Current = Compute();
        if (_options.LastManStanding)
        {
            // Any change restarts the window; only a loss that leaves the partition quorate arms it.
            _lastManStandingDue = Current.Quorate && Current.TotalVotes < _highestExpected && Current.TotalVotes <= previousVotes
                ? now + _options.LastManStandingWindow
                : null;
        }

        return before != Current.Quorate;
    }

    /// <summary>Runs the last_man_standing recomputation when its window has passed.</summary>
    /// <returns><see langword="true"/> when <see cref="QuorumSnapshot.Quorate"/> changed.</returns>
    public bool OnTick(TimeSpan now)
    {
        if (_lastManStandingDue is not { } due || now < due)
        {
            return false;
        }

        _lastManStandingDue = null;
        var before = Current.Quorate;
        if (Current.Quorate)
        {
            // Going from two votes to one needs the tie breaker, as in votequorum.
            var floor = _options.AutoTieBreaker ? 1 : 2;
            _expected = Math.Max(Current.TotalVotes, Math.Min(floor, _highestExpected));
            _highestExpected = _expected;
            Current = Compute();
        }

        return before != Current.Quorate;
    }

    /// <summary>The administrator's <c>corosync-quorumtool -e</c>: sets expected votes, lower or higher (never below the votes present).</summary>
    /// <returns><see langword="true"/> when <see cref="QuorumSnapshot.Quorate"/> changed.</returns>
    public bool SetExpectedVotes(int expectedVotes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(expectedVotes, 1);
        var before = Current.Quorate;
        _expected = Math.Max(expectedVotes, Current.TotalVotes);
        _highestExpected = _expected;
        Current = Compute();
        return before != Current.Quorate;
    }

    private QuorumSnapshot Compute()
    {
        var total = 0;
        foreach (var member in _members)
        {
            total += _options.VotesOf(member);
        }

        if (total > _expected)
        {
            _expected = total;
        }

        _highestExpected = Math.Max(_highestExpected, _expected);
        var twoNode = _options.TwoNode && _highestExpected <= 2;
        var quorum = twoNode ? 1 : (_highestExpected / 2) + 1;

        if (_waitingForAll && total >= _highestExpected)
        {
            _waitingForAll = false;
        }

        var quorate = total >= quorum;
        if (!quorate && _options.AutoTieBreaker && total > 0 && total * 2 == _highestExpected && HoldsTieBreaker())
        {
            quorate = true;
        }

        if (_waitingForAll)
        {
            quorate = false;
        }

        if (quorate)
        {
            _lastQuorateMembers = _members;
        }

        var flags = QuorumFlags.None;
        flags |= twoNode ? QuorumFlags.TwoNode : 0;
        flags |= quorate ? QuorumFlags.Quorate : 0;
        flags |= _options.EffectiveWaitForAll ? QuorumFlags.WaitForAll : 0;
        flags |= _options.LastManStanding ? QuorumFlags.LastManStanding : 0;
        flags |= _options.AutoTieBreaker ? QuorumFlags.AutoTieBreaker : 0;
        return new QuorumSnapshot(quorate, _expected, _highestExpected, total, quorum, flags, _members, _waitingForAll);
    }

    private bool HoldsTieBreaker()
    {
        // The reference group is the last quorate membership, or every node known when there was none yet.
        IEnumerable<uint> reference = _lastQuorateMembers.Count > 0
            ? _lastQuorateMembers
            : _options.NodeVotes.Keys.Concat(_members);
        switch (_options.TieBreaker)
        {
            case TieBreaker.Lowest:
                return reference.Any() && _members.Contains(reference.Min());
            case TieBreaker.Highest:
                return reference.Any() && _members.Contains(reference.Max());
            default:
                foreach (var node in _options.TieBreakerNodes)
                {
                    if (_members.Contains(node))
                    {
                        return true;
                    }

                    if (reference.Contains(node))
                    {
                        // The first listed node that exists decides; it is elsewhere.
                        return false;
                    }
                }

                return false;
        }
    }
}
