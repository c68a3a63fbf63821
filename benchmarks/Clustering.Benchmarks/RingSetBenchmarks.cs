using System.Net;
using BenchmarkDotNet.Attributes;
using Clustering.Transport.Framing;
using Clustering.Transport.Redundancy;
using Clustering.Transport.Rings;
using Clustering.Transport.Security;

namespace Clustering.Benchmarks;

/// <summary>
/// One frame through the whole transport, node A to node B over the in-memory network (two rings, rrp_mode
/// active, sha256 + aes256): seal per ring, send, authenticate, decrypt, replay and copy checks, deliver once, read,
/// dispose — against the bare in-memory ring moving the same bytes once, in the same run. Shows what the
/// transport adds per frame and that it allocates nothing per frame in steady state.
/// </summary>
[MemoryDiagnoser]
public class RingSetBenchmarks
{
    private InMemoryNetwork _network = null!;
    private IRing _bareA = null!;
    private IRing _bareB = null!;
    private RingSet _a = null!;
    private RingSet _b = null!;
    private Authkey _key = null!;
    private byte[] _payload = null!;

    /// <summary>The payload size in bytes.</summary>
    [Params(64, 1024)]
    public int Size { get; set; }

    /// <summary>Builds two nodes and a bare ring pair.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _payload = new byte[Size];
        Random.Shared.NextBytes(_payload);
        _network = new InMemoryNetwork(TimeProvider.System, seed: 1) { ReceiveQueueCapacity = 65_536 };
        _bareA = _network.CreateRing(0, new IPEndPoint(IPAddress.Parse("127.0.9.1"), 5405));
        _bareB = _network.CreateRing(0, new IPEndPoint(IPAddress.Parse("127.0.9.2"), 5405));
        _key = Authkey.Generate();
        _a = Node(1);
        _b = Node(2);
    }

    /// <summary>Releases everything.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _a.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _b.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _bareA.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _bareB.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _key.Dispose();
    }

    /// <summary>The bare ring: one datagram, no protection, no redundancy.</summary>
    [Benchmark(Baseline = true)]
    public async Task BareRing()
    {
        await _bareA.SendToAllAsync(_payload);
        var datagram = await _bareB.Received.ReadAsync();
        datagram.Dispose();
    }

    /// <summary>The ring set: sealed on two rings, the first copy delivered, the second discarded.</summary>
    [Benchmark]
    public async Task RingSetActiveSecauth()
    {
        await _a.SendToAllAsync(FrameType.Multicast, _payload);
        var frame = await _b.Received.ReadAsync();
        frame.Dispose();
    }

    private RingSet Node(int id) => ActiveSecauth(
        id,
        _key,
        _network.CreateRing(0, new IPEndPoint(IPAddress.Parse($"127.0.0.{id}"), 5405)),
        _network.CreateRing(1, new IPEndPoint(IPAddress.Parse($"127.0.1.{id}"), 5405)));

    /// <summary>A node's ring set as every transport benchmark measures it: two rings in rrp_mode active, sha256 + aes256.</summary>
    internal static RingSet ActiveSecauth(int id, Authkey key, IRing ring0, IRing ring1) => new(
        [ring0, ring1],
        key,
        new RingSetOptions
        {
            NodeId = (uint)id,
            Protection = new FrameProtectorOptions { ClusterName = "bench", Hash = CryptoHash.Sha256, Cipher = CryptoCipher.Aes256 },
            Redundancy = new RedundancyOptions { Mode = RrpMode.Active },
            ReplayWindow = 4096,
        });
}

/// <summary>
/// One frame through the whole transport over real loopback sockets, node A to node B on two udpu rings (rrp_mode
/// active, sha256 + aes256): sealed and sent twice on the caller's thread, received on B's ring threads, the first
/// copy authenticated, decrypted and delivered inline to <see cref="RingSet.Received"/>, the second dropped from its
/// header — against a bare socket pair moving one datagram of the same size, in the same run.
/// </summary>
[MemoryDiagnoser]
public class UdpRingSetBenchmarks
{
    private BareUdpPair _bare = null!;
    private RingSet _a = null!;
    private RingSet _b = null!;
    private Authkey _key = null!;
    private byte[] _payload = null!;

    /// <summary>The payload size in bytes.</summary>
    [Params(64, 1024, 8192)]
    public int Size { get; set; }

    /// <summary>Opens the sockets and two ring sets on random 127/8 addresses and free ports.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _payload = new byte[Size];
        Random.Shared.NextBytes(_payload);
        _bare = new BareUdpPair();
        _key = Authkey.Generate();

        for (var attempt = 0; ; attempt++)
        {
            var port = Random.Shared.Next(20_000, 60_000);
            var rings = new List<IRing>();
            try
            {
                IRing Ring(int ring, int node) => UdpUnicastRing.Create(new UdpUnicastRingOptions
                {
                    RingNumber = ring,
                    LocalEndPoint = new IPEndPoint(IPAddress.Parse($"127.0.{20 + ring}.{node}"), port),
                    Members = [new IPEndPoint(IPAddress.Parse($"127.0.{20 + ring}.1"), port), new IPEndPoint(IPAddress.Parse($"127.0.{20 + ring}.2"), port)],
                    ReceiveQueueCapacity = 65_536,
                });

                for (var node = 1; node <= 2; node++)
                {
                    rings.Add(Ring(0, node));
                    rings.Add(Ring(1, node));
                }

                _a = Node(1, rings[0], rings[1]);
                _b = Node(2, rings[2], rings[3]);
                return;
            }
            catch (RingBindException) when (attempt < 20)
            {
                foreach (var ring in rings)
                {
                    ring.DisposeAsync().AsTask().GetAwaiter().GetResult();
                }
            }
        }
    }

    /// <summary>Closes everything.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _bare.Dispose();
        _a.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _b.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _key.Dispose();
    }

    /// <summary>The floor: a synchronous send and a blocking receive of one datagram, nothing around them.</summary>
    /// <returns>The received length.</returns>
    [Benchmark(Baseline = true)]
    public int BareSocketPair() => _bare.RoundTrip(_payload);

    /// <summary>The ring set over UDP: sealed on two rings, the first copy delivered, the second dropped.</summary>
    /// <returns>The delivered payload length.</returns>
    [Benchmark]
    public async Task<int> UdpRingSetActiveSecauth()
    {
        await _a.SendToAllAsync(FrameType.Multicast, _payload).ConfigureAwait(false);
        using var frame = await _b.Received.ReadAsync().ConfigureAwait(false);
        return frame.Payload.Length;
    }

    private RingSet Node(int id, IRing ring0, IRing ring1) => RingSetBenchmarks.ActiveSecauth(id, _key, ring0, ring1);
}
