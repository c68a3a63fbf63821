using Clustering.Transport.Framing;
using Clustering.Transport.Redundancy;

namespace Clustering.Membership.Totem;

/// <summary>The output side of the owner loop: the frames a turn produced go out, then its events are published.</summary>
public sealed partial class TotemRing
{
    /// <summary>Acts on what the processor produced (owner loop only).</summary>
    private void Drain()
    {
        var output = _processor.Output;
        _sends.AddRange(output.Frames);
        if (output.Timers.Count > 0)
        {
            var now = Now;
            foreach (var request in output.Timers)
            {
                var index = (int)request.Timer;
                _due[index] = request.DueTicks;
                _timers[index].Change(
                    request.DueTicks < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromTicks(Math.Max(0, request.DueTicks - now)),
                    Timeout.InfiniteTimeSpan);
            }
        }

        foreach (var e in output.Events)
        {
            TotemRingEvent? published = e.Kind switch
            {
                TotemEventKind.Delivery => _deliveries.Rent(e.Origin, Map(e.Ring), e.Seq, (MessageOrder)e.Order, e.Payload.Span),
                TotemEventKind.Configuration when e.Configuration is { } c => new TotemConfigurationChange(
                    c.Kind == ConfigurationKind.Transitional, Map(c.Ring), c.Members, c.Joined, c.Left),
                _ => null,
            };

            if (published is TotemConfigurationChange { IsTransitional: false } regular)
            {
                Volatile.Write(ref _configuration, regular);
            }

            if (published is TotemDelivery delivery && _batchDeliveries)
            {
                // Consecutive deliveries share one batch; a configuration change closes it (it keeps its place).
                if (_batch is null || _batch.Count == TotemDeliveryBatch.MaxCount)
                {
                    _batch = _batches.Rent();
                    _published.Add(_batch);
                }

                _batch.Add(delivery);
            }
            else if (published is not null)
            {
                _batch = null;
                _published.Add(published);
            }
        }

        output.Clear();
        var packed = _processor.MessagesPacked;
        if (packed != _lastPacked)
        {
            var admitted = Interlocked.Add(ref _admitted, -(int)(packed - _lastPacked));
            _lastPacked = packed;
            if (Volatile.Read(ref _spaceWanted) != 0 && admitted <= _queueCapacity / 2)
            {
                lock (_spaceGate)
                {
                    _spaceWanted = 0;
                    _space.TrySetResult();
                }
            }
        }
    }

    private static TotemRingId Map(RingId ring) => new(ring.Representative, ring.Sequence);

    /// <summary>
    /// Sends what the processor produced, as one batch (a token visit's frames go to each ring in one call: one
    /// <c>sendmmsg</c> per ring on Linux), or two when a token is followed by frames (the accelerated ring): everything
    /// up to the token is sealed and sent first, on every ring, so the next member gets the token before the rest is
    /// sealed. The transport completes sends synchronously; a send that does not is waited for (this is the loop's own
    /// thread).
    /// </summary>
    private void SendFrames(CancellationToken token)
    {
        var count = _sends.Count;
        if (count == 0)
        {
            return;
        }

        if (_outgoing.Length < count)
        {
            _outgoing = new OutgoingFrame[Math.Max(count, _outgoing.Length * 2)];
        }

        try
        {
            var split = count;
            for (var i = 0; i < count; i++)
            {
                var frame = _sends[i];

                // Destination 0 is multicast; a node whose address is unknown has not spoken yet, and the protocol's
                // retransmission covers the frame the transport skips for it.
                _outgoing[i] = new OutgoingFrame(frame.Type, frame.Bytes, frame.Destination);
                if (frame.Type == FrameType.Token && split == count)
                {
                    split = i + 1;
                }
            }

            SendBatch(_outgoing.AsMemory(0, split), token);
            if (split < count)
            {
                SendBatch(_outgoing.AsMemory(split, count - split), token);
            }
        }
        finally
        {
            Array.Clear(_outgoing, 0, count); // holds no payload buffer past the send
            _sends.Clear();
        }
    }

    private void SendBatch(ReadOnlyMemory<OutgoingFrame> frames, CancellationToken token)
    {
        var sent = _transport.SendBatchAsync(frames, token);
        if (sent.IsCompletedSuccessfully)
        {
            _ = sent.Result;
        }
        else
        {
            sent.AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>
    /// Hands the events of the last inputs to the consumer, after their frames went out (the token is not delayed by
    /// the consumer, which may run right here: <see cref="TotemRingOptions.InlineEventReader"/>); what it has no room
    /// for waits in the spill queue. With <see cref="TotemRingOptions.BatchDeliveries"/> the consecutive deliveries
    /// are one event: one wake-up of the reader for all of them.
    /// </summary>
    private void Publish()
    {
        if (_published.Count == 0)
        {
            return;
        }

        try
        {
            foreach (var published in _published)
            {
                if (_spill.Count > 0 || !_events.Writer.TryWrite(published))
                {
                    _spill.Enqueue(published);
                }
            }
        }
        finally
        {
            _published.Clear();
            _batch = null;
        }
    }

    /// <summary>
    /// Hands spilled events to the consumer; <see langword="false"/> while it has no room, after arranging for a
    /// <see cref="Kick"/> when it has (back-pressure: meanwhile no input is processed).
    /// </summary>
    private bool TryFlushSpill()
    {
        while (_spill.TryPeek(out var next))
        {
            if (!_events.Writer.TryWrite(next))
            {
                if (Interlocked.CompareExchange(ref _spillArmed, 1, 0) == 0)
                {
                    _ = _events.Writer.WaitToWriteAsync(CancellationToken.None).AsTask().ContinueWith(
                        static (_, state) =>
                        {
                            var ring = (TotemRing)state!;
                            Volatile.Write(ref ring._spillArmed, 0);
                            ring.Kick();
                        },
                        this,
                        CancellationToken.None,
                        TaskContinuationOptions.ExecuteSynchronously,
                        TaskScheduler.Default);
                }

                return false;
            }

            _spill.Dequeue();
        }

        return true;
    }
}
