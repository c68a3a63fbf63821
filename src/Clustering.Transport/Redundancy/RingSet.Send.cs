using System.Buffers.Binary;
using System.Net;
using Clustering.Transport.Diagnostics;
using Clustering.Transport.Framing;

namespace Clustering.Transport.Redundancy;

public sealed partial class RingSet
{
    /// <summary>
    /// Sends a frame to every other node: on every healthy ring in active mode, on the next healthy ring in passive
    /// mode, on ring 0 with <c>rrp_mode: none</c>.
    /// </summary>
    /// <remarks>
    /// When the send path is free and the rings send at once (UDP sends do), the whole call runs on the calling thread
    /// and returns a completed task: no asynchronous hand-off and no allocation per frame.
    /// </remarks>
    /// <param name="type">The frame type.</param>
    /// <param name="payload">At most <see cref="MaxPayloadLength"/> bytes.</param>
    /// <param name="cancellationToken">Cancels waiting for the send path.</param>
    /// <returns>The frame's sequence number.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The payload is longer than <see cref="MaxPayloadLength"/>.</exception>
    /// <exception cref="ObjectDisposedException">The set is disposed.</exception>
    public ValueTask<ulong> SendToAllAsync(FrameType type, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payload.Length, MaxPayloadLength, nameof(payload));
        return TryEnterSend(cancellationToken) ? SendToAllEntered(type, payload, cancellationToken) : WaitAndSendAsync(type, payload, cancellationToken);

        async ValueTask<ulong> WaitAndSendAsync(FrameType type, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
        {
            await EnterSendAsync(cancellationToken).ConfigureAwait(false);
            return await SendToAllEntered(type, payload, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sends a frame to one node, on the rings <c>rrp_mode</c> chooses among those where the node's address is
    /// known (learnt from the frames it sent). Returns <see langword="false"/> when no address of the node is known yet.
    /// </summary>
    /// <remarks>Like <see cref="SendToAllAsync"/>, completes on the calling thread without allocating when it can.</remarks>
    /// <param name="nodeId">The destination node.</param>
    /// <param name="type">The frame type.</param>
    /// <param name="payload">At most <see cref="MaxPayloadLength"/> bytes.</param>
    /// <param name="cancellationToken">Cancels waiting for the send path.</param>
    /// <exception cref="ArgumentOutOfRangeException">The payload is longer than <see cref="MaxPayloadLength"/>.</exception>
    /// <exception cref="ObjectDisposedException">The set is disposed.</exception>
    public ValueTask<bool> SendToAsync(uint nodeId, FrameType type, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payload.Length, MaxPayloadLength, nameof(payload));
        return TryEnterSend(cancellationToken) ? SendToEntered(nodeId, type, payload, cancellationToken) : WaitAndSendAsync(nodeId, type, payload, cancellationToken);

        async ValueTask<bool> WaitAndSendAsync(uint nodeId, FrameType type, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
        {
            await EnterSendAsync(cancellationToken).ConfigureAwait(false);
            return await SendToEntered(nodeId, type, payload, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The body of <see cref="SendToAllAsync"/>, with the send path held; releases it.</summary>
    private ValueTask<ulong> SendToAllEntered(FrameType type, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var handedOff = false;
        try
        {
            var sequence = ++_sequence;
            int count;
            lock (_gate)
            {
                count = _monitor.SelectRings(IsToken(type), _chosen);
            }

            var sending = SendChosen(count, addressed: false, type, sequence, payload, cancellationToken);
            if (sending.IsCompletedSuccessfully)
            {
                Statistics.OnFrameSent(sending.Result);
                return new ValueTask<ulong>(sequence);
            }

            handedOff = true;
            return FinishAsync(sending, sequence);
        }
        finally
        {
            if (!handedOff)
            {
                _sendLock.Release();
            }
        }

        async ValueTask<ulong> FinishAsync(ValueTask<int> sending, ulong sequence)
        {
            try
            {
                Statistics.OnFrameSent(await sending.ConfigureAwait(false));
                return sequence;
            }
            finally
            {
                _sendLock.Release();
            }
        }
    }

    /// <summary>The body of <see cref="SendToAsync"/>, with the send path held; releases it.</summary>
    private ValueTask<bool> SendToEntered(uint nodeId, FrameType type, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var handedOff = false;
        try
        {
            var count = ChooseAddressedRings(nodeId, IsToken(type));
            if (count == 0)
            {
                return new ValueTask<bool>(false);
            }

            var sequence = ++_sequence;
            var sending = SendChosen(count, addressed: true, type, sequence, payload, cancellationToken);
            if (sending.IsCompletedSuccessfully)
            {
                var sent = sending.Result;
                Statistics.OnFrameSent(sent);
                return new ValueTask<bool>(sent > 0);
            }

            handedOff = true;
            return FinishAsync(sending);
        }
        finally
        {
            if (!handedOff)
            {
                _sendLock.Release();
            }
        }

        async ValueTask<bool> FinishAsync(ValueTask<int> sending)
        {
            try
            {
                var sent = await sending.ConfigureAwait(false);
                Statistics.OnFrameSent(sent);
                return sent > 0;
            }
            finally
            {
                _sendLock.Release();
            }
        }
    }

    /// <summary>Takes the send path when it is free at once; checks disposal and cancellation first.</summary>
    private bool TryEnterSend(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_sendLock.Wait(0, CancellationToken.None))
        {
            return false;
        }

        if (Volatile.Read(ref _disposed) != 0)
        {
            _sendLock.Release();
            throw new ObjectDisposedException(nameof(RingSet));
        }

        return true;
    }

    private async ValueTask EnterSendAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (Volatile.Read(ref _disposed) != 0)
        {
            _sendLock.Release();
            throw new ObjectDisposedException(nameof(RingSet));
        }
    }

    /// <summary>
    /// Seals and sends one copy on each of the first <paramref name="count"/> rings of <see cref="_chosen"/> (to
    /// <see cref="_targets"/> when <paramref name="addressed"/>); returns how many rings took it. Runs synchronously
    /// while the rings send at once, and goes on asynchronously from the first ring that does not.
    /// </summary>
    private ValueTask<int> SendChosen(int count, bool addressed, FrameType type, ulong sequence, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (count == 0)
        {
            return new ValueTask<int>(0);
        }

        // Sealed once: every further ring gets the same bytes with only the ring number changed (it is outside the
        // tag of a frame that is not ring-bound; see FrameLayout.IsRingBound and docs/wire-format.md).
        // A ring-bound type (a probe, which the set itself only ever sends on one ring) is sealed for each ring.
        var length = Seal(_chosen[0], type, sequence, payload);
        var sent = 0;
        for (var i = 0; i < count; i++)
        {
            var ring = _chosen[i];
            if (i > 0 && FrameLayout.IsRingBound(type))
            {
                length = Seal(ring, type, sequence, payload);
            }

            var pending = StartSend(ring, addressed ? _targets[ring] : null, length, cancellationToken);
            if (!pending.IsCompleted)
            {
                return ContinueSendingAsync(pending, i, sent, count, addressed, type, sequence, payload, length, cancellationToken);
            }

            if (EndSend(pending, ring, cancellationToken))
            {
                sent++;
            }
        }

        return new ValueTask<int>(sent);
    }

    /// <summary>The rest of <see cref="SendChosen"/> once a ring's send did not complete at once (a separate method, so the fast path captures nothing).</summary>
    private async ValueTask<int> ContinueSendingAsync(ValueTask pending, int index, int sent, int count, bool addressed, FrameType type, ulong sequence, ReadOnlyMemory<byte> payload, int length, CancellationToken cancellationToken)
    {
        if (await AwaitSendAsync(pending, _chosen[index], cancellationToken).ConfigureAwait(false))
        {
            sent++;
        }

        for (var i = index + 1; i < count; i++)
        {
            var ring = _chosen[i];
            if (FrameLayout.IsRingBound(type))
            {
                length = Seal(ring, type, sequence, payload);
            }

            var next = StartSend(ring, addressed ? _targets[ring] : null, length, cancellationToken);
            if (await AwaitSendAsync(next, ring, cancellationToken).ConfigureAwait(false))
            {
                sent++;
            }
        }

        return sent;
    }

    /// <summary>Fills <see cref="_chosen"/> with the rings to use towards <paramref name="nodeId"/> and <see cref="_targets"/> with its addresses.</summary>
    private int ChooseAddressedRings(uint nodeId, bool isToken)
    {
        lock (_gate)
        {
            if (!_peers.TryGetValue(nodeId, out var addresses))
            {
                return 0;
            }

            addresses.CopyTo(_targets, 0);
            var count = _monitor.SelectRings(isToken, _chosen);
            var kept = 0;
            for (var i = 0; i < count; i++)
            {
                if (_targets[_chosen[i]] is not null)
                {
                    _chosen[kept++] = _chosen[i];
                }
            }

            // None of the preferred rings knows the node yet (it spoke only on others): use the first that does.
            for (var ring = 0; kept == 0 && ring < _targets.Length; ring++)
            {
                if (_targets[ring] is not null)
                {
                    _chosen[kept++] = ring;
                }
            }

            return kept;
        }
    }

    /// <summary>Seals a frame for <paramref name="ring"/> into the send buffer; returns its length.</summary>
    private int Seal(int ring, FrameType type, ulong sequence, ReadOnlyMemory<byte> payload) =>
        _sealer.Seal(new FrameHeader(type, NodeId, Incarnation, (byte)ring, sequence), payload.Span, _sendBuffer);

    /// <summary>Seals one copy for <paramref name="ring"/> into the send buffer and starts sending it; a ring that throws gives a faulted task.</summary>
    private ValueTask SealAndStartSend(int ring, IPEndPoint? destination, FrameType type, ulong sequence, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) =>
        StartSend(ring, destination, Seal(ring, type, sequence, payload), cancellationToken);

    /// <summary>
    /// Starts sending the sealed frame in the send buffer on <paramref name="ring"/>, relabelled with that ring's number
    /// (the previous ring's send has completed: sends run one after another); a ring that throws gives a faulted task.
    /// </summary>
    private ValueTask StartSend(int ring, IPEndPoint? destination, int length, CancellationToken cancellationToken)
    {
        _sendBuffer[FrameLayout.RingOffset] = (byte)ring;
        var datagram = new ReadOnlyMemory<byte>(_sendBuffer, 0, length);
        try
        {
            return destination is null
                ? _rings[ring].SendToAllAsync(datagram, cancellationToken)
                : _rings[ring].SendToAsync(destination, datagram, cancellationToken);
        }
#pragma warning disable CA1031 // Handed to EndSend / AwaitSendAsync, which log it (or rethrow a cancellation).
        catch (Exception e)
#pragma warning restore CA1031
        {
            return ValueTask.FromException(e);
        }
    }

    /// <summary>Ends a send that completed at once; a failing ring is logged, not thrown (the others carry on).</summary>
    private bool EndSend(ValueTask pending, int ring, CancellationToken cancellationToken)
    {
        try
        {
            pending.GetAwaiter().GetResult();
        }
#pragma warning disable CA1031 // A ring's failure must not stop the others: it is logged and counted by the ring.
        catch (Exception e) when (IsRingFailure(e, cancellationToken))
#pragma warning restore CA1031
        {
            return SendFailed(ring, e);
        }

        return Sent(ring);
    }

    /// <summary>Awaits a send that did not complete at once; a failing ring is logged, not thrown.</summary>
    private async ValueTask<bool> AwaitSendAsync(ValueTask pending, int ring, CancellationToken cancellationToken)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // As in EndSend.
        catch (Exception e) when (IsRingFailure(e, cancellationToken))
#pragma warning restore CA1031
        {
            return SendFailed(ring, e);
        }

        return Sent(ring);
    }

    /// <summary>Whether a send's exception is the ring's failure (logged) rather than the caller's cancellation (thrown).</summary>
    private static bool IsRingFailure(Exception e, CancellationToken cancellationToken) =>
        !(e is OperationCanceledException && cancellationToken.IsCancellationRequested);

    private bool SendFailed(int ring, Exception e)
    {
        TransportLog.SendFailed(_logger, ring, e);
        return false;
    }

    private bool Sent(int ring)
    {
        _metrics.Sent(ring);
        return true;
    }

    /// <summary>Sends a probe (or a reply to one) on a single ring: to all, or back to one address.</summary>
    private async Task SendProbeAsync(int ring, FrameType type, int round, IPEndPoint? destination)
    {
        var payload = new byte[ProbePayloadLength];
        BinaryPrimitives.WriteInt32BigEndian(payload, round);
        try
        {
            await EnterSendAsync(_stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            return;
        }

        try
        {
            var sequence = ++_sequence;
            var pending = SealAndStartSend(ring, destination, type, sequence, payload, _stop.Token);
            if (await AwaitSendAsync(pending, ring, _stop.Token).ConfigureAwait(false))
            {
                Statistics.OnFrameSent(1);
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
        finally
        {
            _sendLock.Release();
        }
    }
}
