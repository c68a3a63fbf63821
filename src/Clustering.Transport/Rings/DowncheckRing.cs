using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clustering.Transport.Rings;

/// <summary>
/// A ring whose network interface may not be there yet, handled the way Corosync's <c>downcheck</c> does: when the
/// interface a ring binds to is missing (its <c>bindnetaddr</c> matches no local address, or its address cannot be
/// bound), the ring starts "down" — it sends nothing (each send is counted as a send error) and receives nothing —
/// and tries again every <see cref="DowncheckRingOptions.Downcheck"/> until the interface appears; from then on it
/// forwards to the real ring. The ring set above marks a down ring FAULTY like any silent ring and recovers it once
/// traffic flows. Use <see cref="Create"/>: when the interface is there at once, it returns the real ring unwrapped.
/// </summary>
public sealed class DowncheckRing : IRing, IPushRing, IRingReceiver, IBatchSendRing
{
    private readonly Func<IRing> _factory;
    private readonly DowncheckRingOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<RingDatagram> _received;
    private readonly ITimer _timer;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private IRing? _inner;
    private IRingReceiver? _receiver;
    private Task _pump = Task.CompletedTask;
    private int _attempts;
    private bool _disposed;

    private DowncheckRing(Func<IRing> factory, DowncheckRingOptions options, ILogger logger)
    {
        _factory = factory;
        _options = options;
        _logger = logger;
        _received = Channel.CreateBounded<RingDatagram>(new BoundedChannelOptions(options.ReceiveQueueCapacity)
        {
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _timer = options.TimeProvider.CreateTimer(static s => ((DowncheckRing)s!).Check(), this, options.Downcheck, options.Downcheck);
    }

    /// <summary>
    /// Creates the ring with <paramref name="factory"/>; when that fails because the interface is missing
    /// (<see cref="IsInterfaceMissing"/>), returns a ring that is down and keeps trying every downcheck interval.
    /// Any other failure propagates.
    /// </summary>
    /// <param name="factory">Creates the real ring (it binds its sockets).</param>
    /// <param name="options">The ring number, interval and sizes.</param>
    /// <param name="loggerFactory">Where "the network interface is down / is now up" goes.</param>
    /// <returns>The real ring, or a <see cref="DowncheckRing"/> waiting for its interface.</returns>
    public static IRing Create(Func<IRing> factory, DowncheckRingOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var logger = (ILogger?)loggerFactory?.CreateLogger<DowncheckRing>() ?? NullLogger.Instance;
        try
        {
            return factory();
        }
        catch (Exception e) when (IsInterfaceMissing(e))
        {
            RingLog.InterfaceDown(logger, options.RingNumber, e.Message);
            return new DowncheckRing(factory, options, logger);
        }
    }

    /// <summary>Whether <paramref name="exception"/> says the ring's interface or address is not (yet) on this host.</summary>
    /// <param name="exception">What a ring factory threw.</param>
    /// <returns><see langword="true"/> for a <see cref="BindNetAddressNotFoundException"/> or a bind refused with "address not available".</returns>
    public static bool IsInterfaceMissing(Exception exception) => exception switch
    {
        BindNetAddressNotFoundException => true,
        RingBindException { InnerException: SocketException { SocketErrorCode: SocketError.AddressNotAvailable } } => true,
        _ => false,
    };

    /// <inheritdoc />
    public int RingNumber => _options.RingNumber;

    /// <summary>Whether the interface was found and the real ring is running.</summary>
    public bool IsUp => Volatile.Read(ref _inner) is not null;

    /// <inheritdoc />
    public IPEndPoint LocalEndPoint => Volatile.Read(ref _inner)?.LocalEndPoint ?? _options.PlaceholderEndPoint;

    /// <inheritdoc />
    public int MaxDatagramSize => _options.EffectiveMaxDatagramSize;

    /// <inheritdoc />
    public ChannelReader<RingDatagram> Received => _received.Reader;

    /// <inheritdoc />
    public RingCounters Counters { get; } = new();

    /// <inheritdoc />
    public ValueTask SendToAllAsync(ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
        if (Volatile.Read(ref _inner) is { } inner)
        {
            return inner.SendToAllAsync(datagram, cancellationToken);
        }

        Counters.OnSendError();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    void IBatchSendRing.SendBatch(byte[] buffer, ReadOnlySpan<BatchDatagram> datagrams)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
        switch (Volatile.Read(ref _inner))
        {
            case IBatchSendRing batched:
                batched.SendBatch(buffer, datagrams);
                break;
            case { } inner:
                foreach (var datagram in datagrams)
                {
                    var bytes = new ReadOnlyMemory<byte>(buffer, datagram.Offset, datagram.Length);
                    var sending = datagram.Destination is null ? inner.SendToAllAsync(bytes) : inner.SendToAsync(datagram.Destination, bytes);
                    if (!sending.IsCompletedSuccessfully)
                    {
                        sending.AsTask().GetAwaiter().GetResult(); // not retained after completion: wait before the buffer moves on
                    }
                }

                break;
            default:
                for (var i = 0; i < datagrams.Length; i++)
                {
                    Counters.OnSendError();
                }

                break;
        }
    }

    /// <inheritdoc />
    public ValueTask SendToAsync(IPEndPoint destination, ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
        if (Volatile.Read(ref _inner) is { } inner)
        {
            return inner.SendToAsync(destination, datagram, cancellationToken);
        }

        Counters.OnSendError();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Once the real ring is up and has a push path too, its receive threads call this ring, which counts the datagram
    /// and passes it on inline; for a real ring without one, the forwarding pump hands datagrams to the receiver on
    /// <see cref="IRingReceiver.PumpLane"/>.
    /// </remarks>
    void IPushRing.Attach(IRingReceiver receiver)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_receiver is not null)
            {
                throw new InvalidOperationException($"Ring {RingNumber} already has a receiver attached.");
            }

            Volatile.Write(ref _receiver, receiver);
            if (_inner is IPushRing push)
            {
                push.Attach(this);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        IRing? inner;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            inner = _inner;
        }

        await _timer.DisposeAsync().ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (inner is not null)
        {
            await inner.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            await _pump.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _received.Writer.TryComplete();
        while (_received.Reader.TryRead(out var datagram))
        {
            datagram.Dispose();
        }

        _stopping.Dispose();
    }

    private void Check()
    {
        lock (_gate)
        {
            if (_disposed || _inner is not null)
            {
                return;
            }

            _attempts++;
            IRing ring;
            try
            {
                ring = _factory();
            }
            catch (Exception e) when (IsInterfaceMissing(e))
            {
                RingLog.InterfaceStillDown(_logger, RingNumber, _attempts);
                return;
            }
#pragma warning disable CA1031 // The timer thread must survive anything a factory throws; the ring stays down and says why.
            catch (Exception e)
#pragma warning restore CA1031
            {
                RingLog.InterfaceCheckFailed(_logger, RingNumber, e);
                return;
            }

            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            if (_receiver is not null && ring is IPushRing push)
            {
                push.Attach(this);
            }

            Volatile.Write(ref _inner, ring);
            _pump = PumpAsync(ring, _stopping.Token);
            RingLog.InterfaceUp(_logger, RingNumber, ring.LocalEndPoint);
        }
    }

    private async Task PumpAsync(IRing ring, CancellationToken cancellationToken)
    {
        var reader = ring.Received;
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                IRingReceiver? forwardedTo = null;
                while (reader.TryRead(out var datagram))
                {
                    Counters.OnReceived(datagram.Length);
                    if (Volatile.Read(ref _receiver) is { } receiver)
                    {
                        Forward(receiver, datagram);
                        forwardedTo = receiver;
                        continue;
                    }

                    if (!_received.Writer.TryWrite(datagram))
                    {
                        await _received.Writer.WriteAsync(datagram, cancellationToken).ConfigureAwait(false);
                    }
                }

                if (forwardedTo is not null)
                {
                    EndPumpBatch(forwardedTo);
                }
            }
        }
        catch (ChannelClosedException)
        {
        }
    }

    /// <summary>The real ring's push path, passed on to the attached receiver and counted here too.</summary>
    void IRingReceiver.OnReceived(int ringNumber, int lane, IPEndPoint source, Span<byte> datagram)
    {
        Counters.OnReceived(datagram.Length);
        Volatile.Read(ref _receiver)?.OnReceived(ringNumber, lane, source, datagram);
    }

    /// <summary>The real ring's end of a batch, passed on.</summary>
    void IRingReceiver.OnBatchEnd(int ringNumber, int lane) => Volatile.Read(ref _receiver)?.OnBatchEnd(ringNumber, lane);

    private void EndPumpBatch(IRingReceiver receiver)
    {
        try
        {
            receiver.OnBatchEnd(RingNumber, IRingReceiver.PumpLane);
        }
#pragma warning disable CA1031 // As in Forward.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Counters.OnReceiveError();
            RingLog.ReceiverFailed(_logger, RingNumber, e);
        }
    }

    private void Forward(IRingReceiver receiver, RingDatagram datagram)
    {
        try
        {
            receiver.OnReceived(RingNumber, IRingReceiver.PumpLane, datagram.Source, datagram.WritableData);
        }
#pragma warning disable CA1031 // A failing consumer must not end the pump: it is logged and counted.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Counters.OnReceiveError();
            RingLog.ReceiverFailed(_logger, RingNumber, e);
        }
        finally
        {
            datagram.Dispose();
        }
    }
}
