using Clustering.Transport.Redundancy;

namespace Clustering.Transport.Security;

/// <summary>
/// Remembers, per sender, which sequences of its current incarnation arrived on which ring, in a sliding
/// window, so replayed frames are dropped and the redundant copies of active-mode frames are told apart
/// from replays.
/// </summary>
/// <remarks>
/// <para>
/// Per sender the guard keeps the incarnation, the highest sequence seen and, for each of the last
/// <c>windowSize</c> sequences, a bitmap of the rings it arrived on. A sequence above the highest slides the
/// window forward; one within the window is judged by its ring bitmap; one below the window is
/// <see cref="ReplayVerdict.Replayed"/> since it can no longer be told from a replay. A newer incarnation
/// of a sender (it restarted) starts a fresh window; an older one is <see cref="ReplayVerdict.Replayed"/>.
/// </para>
/// <para>Checks allocate nothing once a sender is known. Not thread-safe: call it from one receive loop or under a lock.</para>
/// </remarks>
public sealed class ReplayGuard
{
    /// <summary>The smallest window accepted.</summary>
    public const int MinWindowSize = 16;

    /// <summary>The largest window accepted.</summary>
    public const int MaxWindowSize = 1 << 20;

    private readonly Dictionary<uint, SenderWindow> _senders = [];

    /// <summary>Creates a guard.</summary>
    /// <param name="windowSize">How many recent sequences per sender are remembered, <see cref="MinWindowSize"/> to <see cref="MaxWindowSize"/>. Default 1024.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="windowSize"/> is out of range.</exception>
    public ReplayGuard(int windowSize = 1024)
    {
        if (windowSize is < MinWindowSize or > MaxWindowSize)
        {
            throw new ArgumentOutOfRangeException(nameof(windowSize), windowSize, $"The replay window holds {MinWindowSize} to {MaxWindowSize} sequences.");
        }

        WindowSize = windowSize;
    }

    /// <summary>How many recent sequences per sender are remembered.</summary>
    public int WindowSize { get; }

    /// <summary>How many senders are tracked.</summary>
    public int SenderCount => _senders.Count;

    /// <summary>Judges one authenticated frame and records it when it is not a replay.</summary>
    /// <param name="sender">The sender's node id.</param>
    /// <param name="incarnation">The sender's incarnation.</param>
    /// <param name="sequence">The frame's sequence.</param>
    /// <param name="ringNumber">The ring it arrived on, 0 to <see cref="RedundancyLimits.MaxRings"/> − 1.</param>
    /// <returns>The verdict.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ringNumber"/> is out of range.</exception>
    public ReplayVerdict Check(uint sender, ulong incarnation, ulong sequence, int ringNumber)
    {
        if ((uint)ringNumber >= RedundancyLimits.MaxRings)
        {
            throw new ArgumentOutOfRangeException(nameof(ringNumber), ringNumber, $"Ring numbers go from 0 to {RedundancyLimits.MaxRings - 1}.");
        }

        var ringBit = (byte)(1 << ringNumber);
        if (!_senders.TryGetValue(sender, out var window))
        {
            window = new SenderWindow(WindowSize);
            _senders.Add(sender, window);
            window.Restart(incarnation, sequence, ringBit);
            return ReplayVerdict.New;
        }

        if (incarnation < window.Incarnation)
        {
            return ReplayVerdict.Replayed;
        }

        if (incarnation > window.Incarnation)
        {
            window.Restart(incarnation, sequence, ringBit);
            return ReplayVerdict.New;
        }

        return window.Check(sequence, ringBit);
    }

    /// <summary>
    /// Whether an authenticated frame with this sender, incarnation and sequence was already accepted on a ring other
    /// than <paramref name="ringNumber"/> and not yet on that one: a copy naming it is a redundant copy. Records nothing,
    /// so it may be asked about an unauthenticated header.
    /// </summary>
    internal bool HoldsFromOtherRing(uint sender, ulong incarnation, ulong sequence, int ringNumber)
    {
        if ((uint)ringNumber >= RedundancyLimits.MaxRings
            || !_senders.TryGetValue(sender, out var window)
            || window.Incarnation != incarnation)
        {
            return false;
        }

        var seen = window.Seen(sequence);
        return seen != 0 && (seen & (1 << ringNumber)) == 0;
    }

    /// <summary>Forgets a sender (it left the membership for good); its next frame starts a fresh window.</summary>
    /// <param name="sender">The sender's node id.</param>
    public void Forget(uint sender) => _senders.Remove(sender);

    private sealed class SenderWindow(int size)
    {
        private readonly byte[] _rings = new byte[size];
        private ulong _highest;

        public ulong Incarnation { get; private set; }

        public void Restart(ulong incarnation, ulong sequence, byte ringBit)
        {
            Array.Clear(_rings);
            Incarnation = incarnation;
            _highest = sequence;
            _rings[Slot(sequence)] = ringBit;
        }

        public ReplayVerdict Check(ulong sequence, byte ringBit)
        {
            if (sequence > _highest)
            {
                var advance = sequence - _highest;
                if (advance >= (ulong)_rings.Length)
                {
                    Array.Clear(_rings);
                }
                else
                {
                    for (var s = _highest + 1; s != sequence; s++)
                    {
                        _rings[Slot(s)] = 0;
                    }
                }

                _highest = sequence;
                _rings[Slot(sequence)] = ringBit;
                return ReplayVerdict.New;
            }

            if (_highest - sequence >= (ulong)_rings.Length)
            {
                return ReplayVerdict.Replayed;
            }

            ref var seen = ref _rings[Slot(sequence)];
            if ((seen & ringBit) != 0)
            {
                return ReplayVerdict.Replayed;
            }

            var verdict = seen == 0 ? ReplayVerdict.New : ReplayVerdict.RedundantCopy;
            seen |= ringBit;
            return verdict;
        }

        /// <summary>The rings a sequence within the window arrived on (0 when outside the window or never seen).</summary>
        public byte Seen(ulong sequence) =>
            sequence > _highest || _highest - sequence >= (ulong)_rings.Length ? (byte)0 : _rings[Slot(sequence)];

        private int Slot(ulong sequence) => (int)(sequence % (ulong)_rings.Length);
    }
}
