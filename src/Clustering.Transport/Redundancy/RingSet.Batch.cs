using System.Net;
using Clustering.Transport.Framing;
using Clustering.Transport.Rings;

namespace Clustering.Transport.Redundancy;

public sealed partial class RingSet
{
    /// <summary>The most frames sealed and handed to the rings together; a longer batch goes in several steps.</summary>
    internal const int MaxBatchFrames = 64;

    /// <summary>The size of the buffer a batch's frames are sealed into (at least one largest frame).</summary>
    private const int BatchBufferSize = 256 * 1024;

    // Batch send state, used only while _sendLock is held; allocated on the first batch.
    private byte[]? _batchBuffer;
    private BatchDatagram[][]? _ringBatches;
    private int[][]? _ringBatchFrames;
    private int[]? _ringBatchCounts;
    private int[]? _frameRings;
    private FrameHeader[]? _batchHeaders;
    private ReadOnlyMemory<byte>[]? _batchPayloads;
    private int[]? _batchLengths;

    /// <summary>
    /// Sends several frames in order, each as <see cref="SendToAllAsync"/> or <see cref="SendToAsync"/> would (the same
    /// rings, sequence numbers, counters and statistics), but handed to the rings together: every frame is sealed once,
    /// and each ring gets its share of the batch in one call, which a UDP ring on Linux sends with one <c>sendmmsg</c>
    /// (and, where the kernel does it right, one segmented send per run of equal-size frames). A ring that cannot take a
    /// batch gets the frames one by one. A frame to a node whose address is not known yet is skipped, as
    /// <see cref="SendToAsync"/> skips it.
    /// </summary>
    /// <remarks>Completes on the calling thread without allocating when the send path is free and the rings send at once (UDP rings do).</remarks>
    /// <param name="frames">The frames, in the order they go out on each ring.</param>
    /// <param name="cancellationToken">Cancels waiting for the send path.</param>
    /// <returns>How many frames went out on at least one ring.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A payload is longer than <see cref="MaxPayloadLength"/>.</exception>
    /// <exception cref="ArgumentException">A frame is a ring probe or its reply (the set sends those itself).</exception>
    /// <exception cref="ObjectDisposedException">The set is disposed.</exception>
    public ValueTask<int> SendBatchAsync(ReadOnlyMemory<OutgoingFrame> frames, CancellationToken cancellationToken = default)
    {
        var span = frames.Span;
        for (var i = 0; i < span.Length; i++)
        {
            if (span[i].Payload.Length > MaxPayloadLength)
            {
                throw new ArgumentOutOfRangeException(nameof(frames), span[i].Payload.Length, $"Frame {i} of the batch has a {span[i].Payload.Length}-byte payload; at most {MaxPayloadLength} bytes fit.");
            }

            if (FrameLayout.IsRingBound(span[i].Type))
            {
                throw new ArgumentException($"Frame {i} of the batch is a {span[i].Type}: ring probes are sent by the set itself.", nameof(frames));
            }
        }

        if (span.IsEmpty)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            return new ValueTask<int>(0);
        }

        return TryEnterSend(cancellationToken) ? SendBatchEntered(frames, cancellationToken) : WaitAndSendAsync(frames, cancellationToken);

        async ValueTask<int> WaitAndSendAsync(ReadOnlyMemory<OutgoingFrame> frames, CancellationToken cancellationToken)
        {
            await EnterSendAsync(cancellationToken).ConfigureAwait(false);
            return await SendBatchEntered(frames, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The body of <see cref="SendBatchAsync"/>, with the send path held; releases it. Synchronous while the rings send at
    /// once (no state machine on that path), asynchronous from the first send that does not complete.
    /// </summary>
    private ValueTask<int> SendBatchEntered(ReadOnlyMemory<OutgoingFrame> frames, CancellationToken cancellationToken)
    {
        var handedOff = false;
        try
        {
            var sent = 0;
            var start = 0;
            while (start < frames.Length)
            {
                var count = SealBatch(frames.Span, start);
                start += count;
                var sending = SendSealedBatch(count, 0, 0, cancellationToken);
                if (!sending.IsCompletedSuccessfully)
                {
                    handedOff = true;
                    return FinishBatchAsync(sending, sent, frames, start, cancellationToken);
                }

                sent += sending.Result;
            }

            return new ValueTask<int>(sent);
        }
        finally
        {
            if (!handedOff)
            {
                _sendLock.Release();
            }
        }
    }

    /// <summary>The rest of <see cref="SendBatchEntered"/> once a step did not complete at once; releases the send path.</summary>
    private async ValueTask<int> FinishBatchAsync(ValueTask<int> sending, int sent, ReadOnlyMemory<OutgoingFrame> frames, int start, CancellationToken cancellationToken)
    {
        try
        {
            sent += await sending.ConfigureAwait(false);
            while (start < frames.Length)
            {
                var count = SealBatch(frames.Span, start);
                start += count;
                sent += await SendSealedBatch(count, 0, 0, cancellationToken).ConfigureAwait(false);
            }

            return sent;
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// Seals frames from <paramref name="start"/> on into the batch buffer, as many as fit (at most
    /// <see cref="MaxBatchFrames"/>), and lists each on the rings chosen for it; returns how many it took. The frames
    /// are numbered and placed first, then sealed together (<c>FrameProtector.SealMany</c> runs their AES-CBC
    /// chains interleaved where it can), exactly as sealing them one by one would.
    /// </summary>
    private int SealBatch(ReadOnlySpan<OutgoingFrame> frames, int start)
    {
        var buffer = _batchBuffer ??= GC.AllocateUninitializedArray<byte>(Math.Max(BatchBufferSize, _sendBuffer.Length), pinned: true);
        _ringBatches ??= [.. Enumerable.Range(0, _rings.Length).Select(_ => new BatchDatagram[MaxBatchFrames])];
        _ringBatchFrames ??= [.. Enumerable.Range(0, _rings.Length).Select(_ => new int[MaxBatchFrames])];
        var counts = _ringBatchCounts ??= new int[_rings.Length];
        var frameRings = _frameRings ??= new int[MaxBatchFrames];
        var headers = _batchHeaders ??= new FrameHeader[MaxBatchFrames];
        var payloads = _batchPayloads ??= new ReadOnlyMemory<byte>[MaxBatchFrames];
        var lengths = _batchLengths ??= new int[MaxBatchFrames];
        Array.Clear(counts);

        var offset = 0;
        var taken = 0;
        var sealing = 0;
        while (start + taken < frames.Length && taken < MaxBatchFrames)
        {
            ref readonly var frame = ref frames[start + taken];
            var length = _sealer.GetSealedLength(frame.Payload.Length);
            if (offset + length > buffer.Length)
            {
                break; // the buffer holds at least one frame of any size, so taken > 0 here
            }

            var isToken = IsToken(frame.Type);
            int rings;
            if (frame.Destination == 0)
            {
                lock (_gate)
                {
                    rings = _monitor.SelectRings(isToken, _chosen);
                }
            }
            else
            {
                rings = ChooseAddressedRings(frame.Destination, isToken);
            }

            if (rings == 0)
            {
                frameRings[taken++] = -1; // no address of the node known yet: skipped, as SendToAsync skips it
                continue;
            }

            headers[sealing] = new FrameHeader(frame.Type, NodeId, Incarnation, (byte)_chosen[0], ++_sequence);
            payloads[sealing++] = frame.Payload;
            for (var k = 0; k < rings; k++)
            {
                var ring = _chosen[k];
                var index = counts[ring]++;
                _ringBatches[ring][index] = new BatchDatagram(offset, length, frame.Destination == 0 ? null : _targets[ring]);
                _ringBatchFrames[ring][index] = taken;
            }

            frameRings[taken++] = 0;
            offset += length;
        }

        if (sealing > 0)
        {
            try
            {
                _sealer.SealMany(headers.AsSpan(0, sealing), payloads.AsSpan(0, sealing), buffer.AsSpan(0, offset), lengths);
            }
            finally
            {
                Array.Clear(payloads, 0, sealing); // the callers' buffers are not kept alive by the set
            }
        }

        return taken;
    }

    /// <summary>
    /// Hands each ring, from <paramref name="fromRing"/> (and that ring's entry <paramref name="fromEntry"/>) on, its share
    /// of the sealed batch, relabelled with the ring's number first (one ring's sends have completed before the next
    /// ring's labels are written); then counts each frame. Returns how many frames went out on at least one ring.
    /// Synchronous while the rings send at once; goes on asynchronously from a send that does not.
    /// </summary>
    private ValueTask<int> SendSealedBatch(int frames, int fromRing, int fromEntry, CancellationToken cancellationToken)
    {
        var buffer = _batchBuffer!;
        var frameRings = _frameRings!;
        for (var ring = fromRing; ring < _rings.Length; ring++)
        {
            var count = _ringBatchCounts![ring];
            if (count == 0)
            {
                continue;
            }

            var entries = _ringBatches![ring];
            var owners = _ringBatchFrames![ring];
            for (var i = 0; i < count; i++)
            {
                buffer[entries[i].Offset + FrameLayout.RingOffset] = (byte)ring;
            }

            if (_rings[ring] is IBatchSendRing batched)
            {
                if (SendBatchOn(batched, ring, entries.AsSpan(0, count), cancellationToken))
                {
                    for (var i = 0; i < count; i++)
                    {
                        Sent(ring);
                        frameRings[owners[i]]++;
                    }
                }

                continue;
            }

            for (var i = ring == fromRing ? fromEntry : 0; i < count; i++)
            {
                var pending = StartSend(ring, entries[i].Destination, new ReadOnlyMemory<byte>(buffer, entries[i].Offset, entries[i].Length), cancellationToken);
                if (!pending.IsCompleted)
                {
                    return ContinueSealedBatchAsync(pending, frames, ring, i, cancellationToken);
                }

                if (EndSend(pending, ring, cancellationToken))
                {
                    frameRings[owners[i]]++;
                }
            }
        }

        var sent = 0;
        for (var f = 0; f < frames; f++)
        {
            if (frameRings[f] >= 0)
            {
                Statistics.OnFrameSent(frameRings[f]);
                sent += frameRings[f] > 0 ? 1 : 0;
            }
        }

        return new ValueTask<int>(sent);
    }

    /// <summary>The rest of <see cref="SendSealedBatch"/> once a ring's send did not complete at once.</summary>
    private async ValueTask<int> ContinueSealedBatchAsync(ValueTask pending, int frames, int ring, int entry, CancellationToken cancellationToken)
    {
        if (await AwaitSendAsync(pending, ring, cancellationToken).ConfigureAwait(false))
        {
            _frameRings![_ringBatchFrames![ring][entry]]++;
        }

        return await SendSealedBatch(frames, ring, entry + 1, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One ring's share of a batch, in one call; a failing ring is logged once, not thrown (the others carry on).</summary>
    private bool SendBatchOn(IBatchSendRing ring, int ringNumber, ReadOnlySpan<BatchDatagram> entries, CancellationToken cancellationToken)
    {
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            ring.SendBatch(_batchBuffer!, entries);
            return true;
        }
#pragma warning disable CA1031 // As in EndSend.
        catch (Exception e) when (IsRingFailure(e, cancellationToken))
#pragma warning restore CA1031
        {
            return SendFailed(ringNumber, e);
        }
    }

    /// <summary>Starts sending <paramref name="datagram"/> on <paramref name="ring"/>; a ring that throws gives a faulted task.</summary>
    private ValueTask StartSend(int ring, IPEndPoint? destination, ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken)
    {
        try
        {
            return destination is null
                ? _rings[ring].SendToAllAsync(datagram, cancellationToken)
                : _rings[ring].SendToAsync(destination, datagram, cancellationToken);
        }
#pragma warning disable CA1031 // As in the single-frame StartSend.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return ValueTask.FromException(e);
        }
    }
}
