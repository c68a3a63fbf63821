using System.Buffers.Binary;
using System.Net;
using Clustering.Transport.Diagnostics;
using Clustering.Transport.Framing;
using Clustering.Transport.Rings;
using Clustering.Transport.Security;

namespace Clustering.Transport.Redundancy;

public sealed partial class RingSet
{
    private enum Followup
    {
        None,
        ReplyToProbe,
        ProbesDue,
    }

    private async Task ReceiveLoopAsync(int ring)
    {
        var reader = _rings[ring].Received;
        var token = _stop.Token;
        try
        {
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (reader.TryRead(out var datagram))
                {
                    var followup = Accept(ring, datagram, out var source, out var round);
                    if (followup == Followup.ReplyToProbe)
                    {
                        await SendProbeAsync(ring, FrameType.RingProbeReply, round, source).ConfigureAwait(false);
                    }
                    else if (followup == Followup.ProbesDue)
                    {
                        StartDueProbes();
                    }
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Disposed.
        }
#pragma warning disable CA1031 // The loop's last line of defence: log, never crash the host.
        catch (Exception e)
#pragma warning restore CA1031
        {
            TransportLog.ReceiveLoopFailed(_logger, ring, e);
        }
    }

    /// <summary>
    /// Authenticates one datagram, checks it against replays and redundant copies, feeds the redundancy monitor,
    /// and delivers it (ownership of the buffer passes on) or drops it (the buffer is returned).
    /// </summary>
    private Followup Accept(int ring, RingDatagram datagram, out IPEndPoint source, out int round)
    {
        source = datagram.Source;
        round = 0;
        if (!_openers[ring].TryOpen(datagram.WritableData, out var header, out var payload, out var reason))
        {
            Drop(datagram, ring, reason);
            return Followup.None;
        }

        if (header.RingNumber != ring)
        {
            Drop(datagram, ring, FrameDropReason.WrongRing);
            return Followup.None;
        }

        if (header.SenderNodeId == NodeId)
        {
            Drop(datagram, ring, FrameDropReason.FromSelf);
            return Followup.None;
        }

        var isProbe = header.Type is FrameType.RingProbe or FrameType.RingProbeReply;
        if (isProbe && payload.GetOffsetAndLength(datagram.Length).Length != ProbePayloadLength)
        {
            Drop(datagram, ring, FrameDropReason.Malformed);
            return Followup.None;
        }

        var followup = Followup.None;
        lock (_gate)
        {
            var verdict = _replay.Check(header.SenderNodeId, header.SenderIncarnation, header.Sequence, ring);
            if (verdict == ReplayVerdict.Replayed)
            {
                Drop(datagram, ring, FrameDropReason.Replayed);
                return Followup.None;
            }

            _metrics.Received(ring);
            LearnAddress(header.SenderNodeId, ring, datagram.Source);
            if (!isProbe)
            {
                _monitor.OnFrame(ring, header.SenderNodeId, header.SenderIncarnation, header.Sequence, IsToken(header.Type), Now);
            }

            if (verdict == ReplayVerdict.RedundantCopy)
            {
                Statistics.OnRedundantCopy();
                _metrics.Redundant(ring);
                datagram.Dispose();
                return FollowupOfEvents();
            }

            Statistics.OnAccepted();
            if (header.Type == FrameType.RingProbeReply)
            {
                var replyRound = BinaryPrimitives.ReadInt32BigEndian(datagram.Data[payload]);
                _monitor.OnProbeReply(ring, header.SenderNodeId, replyRound, Now);
            }
            else if (header.Type == FrameType.RingProbe)
            {
                round = BinaryPrimitives.ReadInt32BigEndian(datagram.Data[payload]);
                followup = Followup.ReplyToProbe;
            }

            var events = FollowupOfEvents();
            if (followup == Followup.None)
            {
                followup = events;
            }
        }

        if (isProbe)
        {
            datagram.Dispose();
            return followup;
        }

        // DropWrite never refuses: a full queue hands the frame to OnDeliveryDropped instead.
        _delivered.Writer.TryWrite(new ReceivedFrame(header, datagram, payload));
        return followup;
    }

    private void Drop(RingDatagram datagram, int ring, FrameDropReason reason)
    {
        Statistics.OnDropped(reason);
        _metrics.Dropped(reason);
        TransportLog.FrameDropped(_logger, datagram.Source, ring, reason);
        datagram.Dispose();
    }

    private void OnDeliveryDropped(ReceivedFrame frame)
    {
        Statistics.OnDeliveryOverflow();
        TransportLog.DeliveryOverflow(_logger, frame.Header.SenderNodeId);
        frame.Dispose();
    }

    private void LearnAddress(uint node, int ring, IPEndPoint source)
    {
        if (!_peers.TryGetValue(node, out var addresses))
        {
            addresses = new IPEndPoint?[_rings.Length];
            _peers.Add(node, addresses);
        }

        if (addresses[ring] is null || !addresses[ring]!.Equals(source))
        {
            addresses[ring] = source;
        }
    }
}
