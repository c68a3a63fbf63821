using System.Buffers.Binary;
using System.Net;
using Clustering.Transport.Diagnostics;
using Clustering.Transport.Framing;
using Clustering.Transport.Rings;
using Clustering.Transport.Security;

namespace Clustering.Transport.Redundancy;

public sealed partial class RingSet
{
    /// <summary>The most frames the pull path queues before announcing them, as a UDP ring's batched receive does.</summary>
    private const int PullBatchSize = 16;

    private enum Followup
    {
        None,
        ReplyToProbe,
        ProbesDue,
    }

    /// <summary>The push path: runs on a ring's receive thread, with the ring's receive buffer.</summary>
    void IRingReceiver.OnReceived(int ringNumber, int lane, IPEndPoint source, Span<byte> datagram)
    {
        if ((uint)ringNumber >= (uint)_rings.Length || (uint)lane >= IRingReceiver.LaneCount)
        {
            return;
        }

        var index = (ringNumber * IRingReceiver.LaneCount) + lane;
        var followup = Accept(ringNumber, _openers[index], source, datagram, owned: null, out var round, out var queued);
        if (queued)
        {
            _queuedInBatch[index] = true; // announced once, at the end of the ring's batch
        }

        RunFollowup(ringNumber, followup, round, source);
    }

    /// <summary>The end of a ring's receive batch: the consumer hears once about the frames the batch queued.</summary>
    void IRingReceiver.OnBatchEnd(int ringNumber, int lane)
    {
        if ((uint)ringNumber >= (uint)_rings.Length || (uint)lane >= IRingReceiver.LaneCount)
        {
            return;
        }

        var index = (ringNumber * IRingReceiver.LaneCount) + lane;
        if (_queuedInBatch[index])
        {
            _queuedInBatch[index] = false;
            NotifyFramesAvailable(ringNumber);
        }
    }

    /// <summary>The pull path, for rings without a push path: one loop per ring reads its queue.</summary>
    private async Task ReceiveLoopAsync(int ring)
    {
        var reader = _rings[ring].Received;
        var token = _stop.Token;
        try
        {
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                DrainQueued(ring);
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

    /// <summary>Accepts whatever waits in a ring's queue (for a push ring: what arrived before the set attached).</summary>
    private void DrainQueued(int ring)
    {
        var reader = _rings[ring].Received;
        var unannounced = 0;
        while (reader.TryRead(out var datagram))
        {
            var source = datagram.Source;
            var followup = Accept(ring, _pullOpeners[ring], source, datagram.WritableData, datagram, out var round, out var queued);
            if (queued && ++unannounced == PullBatchSize)
            {
                // A queue that keeps filling must not starve the consumer (and overflow Received): announce in batches.
                unannounced = 0;
                NotifyFramesAvailable(ring);
            }

            RunFollowup(ring, followup, round, source);
        }

        if (unannounced > 0)
        {
            NotifyFramesAvailable(ring); // once for what the queue held
        }
    }

    /// <summary>
    /// Acts on what <see cref="Accept"/> asked for without holding up the receiving thread: a probe reply and due probes
    /// are sent without waiting (a UDP send completes at once; should the send path be busy, the send finishes later).
    /// </summary>
    private void RunFollowup(int ring, Followup followup, int round, IPEndPoint source)
    {
        if (followup == Followup.ReplyToProbe)
        {
            _ = SendProbeAsync(ring, FrameType.RingProbeReply, round, source);
        }
        else if (followup == Followup.ProbesDue)
        {
            StartDueProbes();
        }
    }

    /// <summary>
    /// Judges one datagram: drops a redundant copy recognised from its header, else authenticates and decrypts it in
    /// place, checks it against replays and redundant copies, feeds the redundancy monitor, and delivers it or drops it.
    /// </summary>
    /// <param name="ring">The ring it arrived on.</param>
    /// <param name="opener">The receiving thread's own opener.</param>
    /// <param name="source">The sender's address on the ring.</param>
    /// <param name="data">The datagram, decrypted in place.</param>
    /// <param name="owned">
    /// A pooled datagram holding <paramref name="data"/>, whose ownership passes to this call (delivered or disposed);
    /// <see langword="null"/> when <paramref name="data"/> is a receive buffer that is copied into a pooled one on delivery.
    /// </param>
    /// <param name="round">The probe round, for <see cref="Followup.ReplyToProbe"/>.</param>
    /// <param name="queued">Whether a frame was added to <see cref="Received"/> (the caller announces it).</param>
    private Followup Accept(int ring, FrameProtector opener, IPEndPoint source, Span<byte> data, RingDatagram? owned, out int round, out bool queued)
    {
        round = 0;
        queued = false;

        // Multicast loops this node's own frames back: they are dropped before authentication (a forgery naming this
        // node would be dropped after it anyway), which saves the sender a decryption of every frame it sends.
        if (data.Length >= FrameLayout.HeaderSize && BinaryPrimitives.ReadUInt32BigEndian(data[FrameLayout.NodeIdOffset..]) == NodeId)
        {
            Drop(source, ring, FrameDropReason.FromSelf, owned);
            return Followup.None;
        }

        if (_skipRedundantCopies && TrySkipRedundantCopy(ring, data, out var skipped))
        {
            owned?.Dispose();
            return skipped;
        }

        if (!opener.TryOpen(data, out var header, out var payload, out var reason))
        {
            Drop(source, ring, reason, owned);
            return Followup.None;
        }

        if (header.RingNumber != ring)
        {
            Drop(source, ring, FrameDropReason.WrongRing, owned);
            return Followup.None;
        }

        var isProbe = header.Type is FrameType.RingProbe or FrameType.RingProbeReply;
        if (isProbe && payload.GetOffsetAndLength(data.Length).Length != ProbePayloadLength)
        {
            Drop(source, ring, FrameDropReason.Malformed, owned);
            return Followup.None;
        }

        // The frame is copied out of a receive buffer before the lock, so the lock covers only bookkeeping and the
        // hand-over; delivering inside it keeps each sender's frames in order when several rings race to deliver.
        var delivered = isProbe ? default(RingDatagram?) : owned ?? CopyToPool(ring, source, data);
        var followup = AcceptLocked(ring, source, data, header, payload, isProbe, delivered, out round, out queued);
        if (isProbe)
        {
            owned?.Dispose(); // a probe is never delivered; its payload was read under the lock
        }

        return followup;
    }

    /// <summary>The part of <see cref="Accept"/> under <see cref="_gate"/>: replay verdict, monitor, statistics, delivery.</summary>
    private Followup AcceptLocked(int ring, IPEndPoint source, ReadOnlySpan<byte> data, in FrameHeader header, Range payload, bool isProbe, RingDatagram? delivered, out int round, out bool queued)
    {
        round = 0;
        queued = false;
        var now = Now;
        var followup = Followup.None;
        lock (_gate)
        {
            var verdict = _replay.Check(header.SenderNodeId, header.SenderIncarnation, header.Sequence, ring);
            if (verdict == ReplayVerdict.Replayed)
            {
                Drop(source, ring, FrameDropReason.Replayed, delivered);
                return Followup.None;
            }

            _metrics.Received(ring);
            LearnAddress(header.SenderNodeId, ring, source);
            if (!isProbe)
            {
                _monitor.OnFrame(ring, header.SenderNodeId, header.SenderIncarnation, header.Sequence, IsToken(header.Type), now);
            }

            if (verdict == ReplayVerdict.RedundantCopy)
            {
                Statistics.OnRedundantCopy();
                _metrics.Redundant(ring);
                delivered?.Dispose();
                return FollowupOfEvents();
            }

            Statistics.OnAccepted();
            if (header.Type == FrameType.RingProbeReply)
            {
                var replyRound = BinaryPrimitives.ReadInt32BigEndian(data[payload]);
                _monitor.OnProbeReply(ring, header.SenderNodeId, replyRound, now);
            }
            else if (header.Type == FrameType.RingProbe)
            {
                round = BinaryPrimitives.ReadInt32BigEndian(data[payload]);
                followup = Followup.ReplyToProbe;
            }
            else if (delivered is { } frame)
            {
                // DropWrite never refuses: a full queue hands the frame to OnDeliveryDropped instead.
                _delivered.Writer.TryWrite(new ReceivedFrame(header, frame, payload));
                queued = true;
            }

            var events = FollowupOfEvents();
            if (followup == Followup.None)
            {
                followup = events;
            }
        }

        return followup;
    }

    /// <summary>
    /// Active mode: recognises, from the unauthenticated header alone, a copy of a frame already authenticated and
    /// accepted from another ring, and drops it without decrypting it (the frame is held already, so dropping even a
    /// forgery costs nothing). The copy still tells the redundancy monitor that the ring carried the frame, but only
    /// while the ring is vouched for by a recently authenticated frame of the same sender
    /// (<see cref="RedundancyMonitor.IsVouchedFor"/>); otherwise the copy goes through full authentication, which
    /// renews the vouching when it is genuine. A header naming a frame not held yet is never trusted.
    /// See <c>docs/redundant-rings.md</c>, "Redundant copies dropped before authentication".
    /// </summary>
    private bool TrySkipRedundantCopy(int ring, ReadOnlySpan<byte> data, out Followup followup)
    {
        followup = Followup.None;
        if (data.Length < FrameLayout.HeaderSize
            || data[FrameLayout.VersionOffset] != FrameLayout.Version
            || data[FrameLayout.RingOffset] != ring
            || BinaryPrimitives.ReadUInt32BigEndian(data[FrameLayout.ClusterIdOffset..]) != _clusterId)
        {
            return false;
        }

        var type = (FrameType)data[FrameLayout.TypeOffset];
        if (type is FrameType.RingProbe or FrameType.RingProbeReply)
        {
            return false; // probes are per ring, never copies; they always go through authentication
        }

        var sender = BinaryPrimitives.ReadUInt32BigEndian(data[FrameLayout.NodeIdOffset..]); // never this node: Accept dropped those
        var incarnation = BinaryPrimitives.ReadUInt64BigEndian(data[FrameLayout.IncarnationOffset..]);
        var sequence = BinaryPrimitives.ReadUInt64BigEndian(data[FrameLayout.SequenceOffset..]);
        var now = Now;
        lock (_gate)
        {
            if (!_replay.HoldsFromOtherRing(sender, incarnation, sequence, ring) || !_monitor.IsVouchedFor(ring, sender, incarnation, now))
            {
                return false;
            }

            _monitor.OnFrame(ring, sender, incarnation, sequence, IsToken(type), now, authenticated: false);
            Statistics.OnUnauthenticatedRedundantCopy();
            _metrics.Received(ring);
            _metrics.Redundant(ring);
            followup = FollowupOfEvents();
        }

        return true;
    }

    /// <summary>Runs the consumer's callback (<see cref="SetFramesAvailableCallback"/>) on this thread, never throwing.</summary>
    private void NotifyFramesAvailable(int ring)
    {
        if (Volatile.Read(ref _framesAvailable) is not { } callback)
        {
            return;
        }

        try
        {
            callback();
        }
#pragma warning disable CA1031 // The consumer's failure must not end the receive thread.
        catch (Exception e)
#pragma warning restore CA1031
        {
            TransportLog.ReceiveLoopFailed(_logger, ring, e);
        }
    }

    /// <summary>
    /// Copies an accepted frame out of the receive buffer into <see cref="_copies"/>: rented on a receive thread and
    /// returned by the consumer's thread, which the shared array pool serves by allocating in bursts.
    /// </summary>
    private RingDatagram CopyToPool(int ring, IPEndPoint source, ReadOnlySpan<byte> data)
    {
        var buffer = _copies.Rent(Math.Max(data.Length, 1));
        data.CopyTo(buffer);
        return new RingDatagram(ring, source, buffer, data.Length, _copies);
    }

    private void Drop(IPEndPoint source, int ring, FrameDropReason reason, RingDatagram? owned)
    {
        Statistics.OnDropped(reason);
        _metrics.Dropped(reason);
        TransportLog.FrameDropped(_logger, source, ring, reason);
        owned?.Dispose();
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
