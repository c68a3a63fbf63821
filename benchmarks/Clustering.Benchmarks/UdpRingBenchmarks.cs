using System.Net;
using BenchmarkDotNet.Attributes;
using Clustering.Transport.Rings;

namespace Clustering.Benchmarks;

/// <summary>
/// One datagram sent and received on loopback: through two <see cref="UdpUnicastRing"/>s (send, receive
/// loop, pooled copy, bounded queue, read, dispose) against a bare pair of sockets doing
/// <c>SendToAsync</c>/<c>ReceiveFromAsync</c> on the same bytes, in the same run.
/// </summary>
[MemoryDiagnoser]
public class UdpRingBenchmarks
{
    private BareUdpPair _bare = null!;
    private UdpUnicastRing _sender = null!;
    private UdpUnicastRing _receiver = null!;
    private byte[] _payload = null!;

    /// <summary>The datagram size in bytes.</summary>
    [Params(64, 1024, 8192)]
    public int Size { get; set; }

    /// <summary>Opens the sockets and the rings on random 127/8 addresses and free ports.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _payload = new byte[Size];
        Random.Shared.NextBytes(_payload);
        _bare = new BareUdpPair();

        for (var attempt = 0; ; attempt++)
        {
            var port = Random.Shared.Next(20_000, 60_000);
            var members = new[] { new IPEndPoint(IPAddress.Parse("127.0.0.2"), port), new IPEndPoint(IPAddress.Parse("127.0.0.3"), port) };
            try
            {
                _sender = UdpUnicastRing.Create(new UdpUnicastRingOptions { LocalEndPoint = members[0], Members = members });
                _receiver = UdpUnicastRing.Create(new UdpUnicastRingOptions { LocalEndPoint = members[1], Members = members });
                return;
            }
            catch (RingBindException) when (attempt < 20)
            {
                _sender?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
    }

    /// <summary>Closes everything.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _bare.Dispose();
        _sender.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _receiver.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>The floor: the operating system's send and receive with nothing around them.</summary>
    /// <returns>The received length.</returns>
    [Benchmark(Baseline = true)]
    public async Task<int> BareSocketPair() => await _bare.RoundTripAsync(_payload).ConfigureAwait(false);

    /// <summary>The ring: send, the receive loop's pooled copy into the queue, read and dispose.</summary>
    /// <returns>The received length.</returns>
    [Benchmark]
    public async Task<int> UdpUnicastRingRound()
    {
        await _sender.SendToAsync(_receiver.LocalEndPoint, _payload).ConfigureAwait(false);
        using var datagram = await _receiver.Received.ReadAsync().ConfigureAwait(false);
        return datagram.Length;
    }
}
