using Clustering.Transport.Diagnostics;
using Clustering.Transport.Framing;

namespace Clustering.Transport.Redundancy;

public sealed partial class RingSet
{
    private int _probesDue;

    /// <summary>A snapshot of every ring's health: what <c>corosync-cfgtool -s</c> prints (<see cref="RingSetStatus.ToCfgtoolText"/>).</summary>
    public RingSetStatus GetStatus()
    {
        var rings = new RingStatus[_rings.Length];
        lock (_gate)
        {
            for (var i = 0; i < rings.Length; i++)
            {
                var state = _monitor[i];
                rings[i] = new RingStatus(i, _rings[i].LocalEndPoint.Address, state.Health, state.ProblemCount,
                    _options.Redundancy.ProblemCountThreshold, state.Status, state.StatusSequence);
            }
        }

        return new RingSetStatus(NodeId, rings);
    }

    /// <summary>
    /// The administrator's re-enable (<c>corosync-cfgtool -r</c>): every FAULTY ring is put back in service at once
    /// and every problem counter is cleared. Logs "Re-enabling all failed rings.".
    /// </summary>
    public void ReenableFailedRings()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        TransportLog.ReenablingRings(_logger);
        lock (_gate)
        {
            for (var i = 0; i < _rings.Length; i++)
            {
                if (_monitor[i].IsFaulty)
                {
                    _metrics.Recovery(i);
                }
            }

            _monitor.ReenableAll();
        }
    }

    private void OnTimer()
    {
        try
        {
            Followup followup;
            lock (_gate)
            {
                _monitor.OnTick(Now);
                followup = FollowupOfEvents();
            }

            if (followup == Followup.ProbesDue)
            {
                StartDueProbes();
            }
        }
#pragma warning disable CA1031 // A timer callback must never throw into the thread pool.
        catch (Exception e)
#pragma warning restore CA1031
        {
            TransportLog.TimerFailed(_logger, e);
        }
    }

    /// <summary>Logs and counts what the monitor reported; remembers which rings are due a probe. Called under <see cref="_gate"/>.</summary>
    private Followup FollowupOfEvents()
    {
        var events = _monitor.Events;
        if (events.Count == 0)
        {
            return Followup.None;
        }

        var followup = Followup.None;
        var threshold = _options.Redundancy.ProblemCountThreshold;
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var address = _rings[e.Ring].LocalEndPoint.Address;
            switch (e.Kind)
            {
                case RedundancyEventKind.ProblemIncremented:
                    TransportLog.ProblemIncremented(_logger, e.Sequence, address, e.Count, threshold);
                    break;
                case RedundancyEventKind.ProblemDecremented:
                    TransportLog.ProblemDecremented(_logger, address, e.Count, threshold);
                    break;
                case RedundancyEventKind.MarkedFaulty:
                    TransportLog.RingFaulty(_logger, e.Ring, address);
                    _metrics.Fault(e.Ring);
                    break;
                case RedundancyEventKind.Recovered:
                    TransportLog.RingRecovered(_logger, e.Ring);
                    _metrics.Recovery(e.Ring);
                    break;
                case RedundancyEventKind.ProbeDue:
                    TransportLog.Probing(_logger, e.Ring, e.Count);
                    _probesDue |= 1 << e.Ring;
                    followup = Followup.ProbesDue;
                    break;
                default:
                    break;
            }
        }

        _monitor.ClearEvents();
        return followup;
    }

    private void StartDueProbes()
    {
        int due;
        Span<int> rounds = stackalloc int[RedundancyLimits.MaxRings];
        lock (_gate)
        {
            due = _probesDue;
            _probesDue = 0;
            for (var ring = 0; ring < _rings.Length; ring++)
            {
                rounds[ring] = _monitor[ring].ProbeRound;
            }
        }

        for (var ring = 0; ring < _rings.Length; ring++)
        {
            if ((due & (1 << ring)) != 0)
            {
                _ = SendProbeAsync(ring, FrameType.RingProbe, rounds[ring], destination: null);
            }
        }
    }
}
