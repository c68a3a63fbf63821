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
    /// <param name="type">The frame type.</param>
    /// <param name="payload">At most <see cref="MaxPayloadLength"/> bytes.</param>
    /// <param name="cancellationToken">Cancels waiting for the send path.</param>
    /// <returns>The frame's sequence number.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The payload is longer than <see cref="MaxPayloadLength"/>.</exception>
    /// <exception cref="ObjectDisposedException">The set is disposed.</exception>
    public async ValueTask<ulong> SendToAllAsync(FrameType type, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payload.Length, MaxPayloadLength, nameof(payload));
        await EnterSendAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var sequence = ++_sequence;
            int count;
            lock (_gate)
            {
                count = _monitor.SelectRings(IsToken(type), _chosen);
            }

            var sent = 0;
            for (var i = 0; i < count; i++)
            {
                if (await SealAndSendAsync(_chosen[i], null, type, sequence, payload, cancellationToken).ConfigureAwait(false))
                {
                    sent++;
                }
            }

            Statistics.OnFrameSent(sent);
            return sequence;
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// Sends a frame to one node, on the rings <c>rrp_mode</c> chooses among those where the node's address is
    /// known (learnt from the frames it sent). Returns <see langword="false"/> when no address of the node is known yet.
    /// </summary>
    /// <param name="nodeId">The destination node.</param>
    /// <param name="type">The frame type.</param>
    /// <param name="payload">At most <see cref="MaxPayloadLength"/> bytes.</param>
    /// <param name="cancellationToken">Cancels waiting for the send path.</param>
    /// <exception cref="ArgumentOutOfRangeException">The payload is longer than <see cref="MaxPayloadLength"/>.</exception>
    /// <exception cref="ObjectDisposedException">The set is disposed.</exception>
    public async ValueTask<bool> SendToAsync(uint nodeId, FrameType type, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payload.Length, MaxPayloadLength, nameof(payload));
        await EnterSendAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var count = ChooseAddressedRings(nodeId, IsToken(type));
            if (count == 0)
            {
                return false;
            }

            var sequence = ++_sequence;
            var sent = 0;
            for (var i = 0; i < count; i++)
            {
                var ring = _chosen[i];
                if (await SealAndSendAsync(ring, _targets[ring], type, sequence, payload, cancellationToken).ConfigureAwait(false))
                {
                    sent++;
                }
            }

            Statistics.OnFrameSent(sent);
            return sent > 0;
        }
        finally
        {
            _sendLock.Release();
        }
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

    /// <summary>Seals one copy for <paramref name="ring"/> and sends it; a failing ring is logged, not thrown (the others carry on).</summary>
    private async ValueTask<bool> SealAndSendAsync(int ring, IPEndPoint? destination, FrameType type, ulong sequence, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var header = new FrameHeader(type, NodeId, Incarnation, (byte)ring, sequence);
        var length = _sealer.Seal(header, payload.Span, _sendBuffer);
        var datagram = new ReadOnlyMemory<byte>(_sendBuffer, 0, length);
        try
        {
            if (destination is null)
            {
                await _rings[ring].SendToAllAsync(datagram, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await _rings[ring].SendToAsync(destination, datagram, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // A ring's failure must not stop the others: it is logged and counted by the ring.
        catch (Exception e)
#pragma warning restore CA1031
        {
            TransportLog.SendFailed(_logger, ring, e);
            return false;
        }

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
            if (await SealAndSendAsync(ring, destination, type, sequence, payload, _stop.Token).ConfigureAwait(false))
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
