using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Clustering.Membership.Totem;
using Clustering.Transport.Redundancy;
using Clustering.Transport.Rings;
using Clustering.Transport.Security;

namespace Clustering.Membership.Tests.Totem;

/// <summary>
/// The Totem runtime shell on real clocks: nodes over the in-memory network and over real UDP multicast on loopback
/// (secauth on, two rings in active mode) form one ring, deliver everyone's messages in one order, and reform the
/// ring without a node that stops.
/// </summary>
[CancelAfter(90_000)]
[NonParallelizable]
public sealed class TotemRingTests
{
    private const string Cluster = "totem-ring-tests";

    [Test]
    public async Task ThreeNodesOverTheInMemoryNetworkAgreeOnOrderAndMembership()
    {
        var network = new InMemoryNetwork(TimeProvider.System, seed: 3);
        await using var nodes = new Nodes(3, (n, r) => network.CreateRing(r, new IPEndPoint(IPAddress.Parse($"127.0.{r}.{n + 1}"), 5405)), rings: 2, secauth: false);
        await nodes.RunAndCheckAsync(messagesPerNode: 100);
    }

    [Test]
    public async Task ThreeNodesOverLoopbackMulticastWithSecauthAndTwoActiveRings()
    {
        await using var nodes = new Nodes(3, LoopbackMulticast(), rings: 2, secauth: true);
        await nodes.RunAndCheckAsync(messagesPerNode: 100);
        Assert.That(nodes.AcceleratedTokens, Is.GreaterThan(0), "the default ring is accelerated: some visit should have sent messages after the token");
    }

    [Test]
    public async Task ThreeNodesOverLoopbackMulticastOnTheClassicRingNeverPassTheTokenAheadOfAMessage()
    {
        await using var nodes = new Nodes(3, LoopbackMulticast(), rings: 2, secauth: true, acceleratedWindow: 0);
        await nodes.RunAndCheckAsync(messagesPerNode: 100);
        Assert.That(nodes.AcceleratedTokens, Is.Zero);
    }

    /// <summary>Node n's ring r over loopback multicast (127.0.r.n+1, group 239.192.78.r+1), on a random port pair.</summary>
    private static Func<int, int, IRing> LoopbackMulticast()
    {
        var port = 30000 + Random.Shared.Next(0, 10000) * 2;
        return (n, r) => UdpMulticastRing.Create(new UdpMulticastRingOptions
        {
            RingNumber = r,
            LocalAddress = IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"127.0.{r}.{n + 1}")),
            MulticastAddress = IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"239.192.78.{r + 1}")),
            MulticastPort = port + (2 * r),
        });
    }

    /// <summary>N nodes, each a ring set and a Totem ring, with a recorder per node.</summary>
    private sealed class Nodes : IAsyncDisposable
    {
        private readonly Authkey _key = Authkey.Generate();
        private readonly RingSet[] _transports;
        private readonly TotemRing[] _totems;
        private readonly List<TotemRingEvent>[] _seen;
        private readonly Task[] _readers;

        public Nodes(int count, Func<int, int, IRing> ring, int rings, bool secauth, int acceleratedWindow = TotemRingOptions.DefaultAcceleratedWindow)
        {
            _transports = new RingSet[count];
            _totems = new TotemRing[count];
            _seen = new List<TotemRingEvent>[count];
            _readers = new Task[count];
            var timings = new Clustering.Transport.Configuration.TotemTimings { Token = TimeSpan.FromMilliseconds(500), Consensus = TimeSpan.FromMilliseconds(600) };
            for (var n = 0; n < count; n++)
            {
                var ringList = Enumerable.Range(0, rings).Select(r => ring(n, r)).ToArray();
                _transports[n] = new RingSet(ringList, secauth ? _key : null, new RingSetOptions
                {
                    NodeId = (uint)(n + 1),
                    Protection = new FrameProtectorOptions
                    {
                        ClusterName = Cluster,
                        Hash = secauth ? CryptoHash.Sha256 : CryptoHash.None,
                        Cipher = secauth ? CryptoCipher.Aes256 : CryptoCipher.None,
                    },
                    Redundancy = new RedundancyOptions { Mode = rings > 1 ? RrpMode.Active : RrpMode.None },
                });
                _totems[n] = new TotemRing(_transports[n], new TotemRingOptions { Timings = timings, AcceleratedWindow = acceleratedWindow });
                _seen[n] = [];
                var (totem, seen) = (_totems[n], _seen[n]);
                _readers[n] = Task.Run(async () =>
                {
                    await foreach (var e in totem.Events.ReadAllAsync())
                    {
                        lock (seen)
                        {
                            seen.Add(e);
                        }
                    }
                });
            }
        }

        public long AcceleratedTokens => _totems.Sum(t => t.Statistics.AcceleratedTokens);

        public async Task RunAndCheckAsync(int messagesPerNode)
        {
            foreach (var totem in _totems)
            {
                totem.Start();
            }

            var all = _totems.Select(t => t.NodeId).ToArray();
            await WaitAsync(() => _totems.All(t => t.Configuration?.Members.SequenceEqual(all) == true), "one ring of all nodes");

            for (var i = 0; i < messagesPerNode; i++)
            {
                foreach (var totem in _totems)
                {
                    await totem.SendAsync(Encoding.ASCII.GetBytes($"{totem.NodeId}:{i}"), i % 10 == 0 ? MessageOrder.Safe : MessageOrder.Agreed);
                }
            }

            var total = messagesPerNode * _totems.Length;
            await WaitAsync(() => Enumerable.Range(0, _totems.Length).All(n => Deliveries(n).Count >= total), $"{total} deliveries at every node");
            var reference = Deliveries(0);
            for (var n = 1; n < _totems.Length; n++)
            {
                Assert.That(Deliveries(n), Is.EqualTo(reference), $"node {n + 1} delivered another order");
            }

            Assert.That(reference.Distinct().Count(), Is.EqualTo(total), "duplicates");

            // A node stops: the others install a transitional then a regular configuration without it.
            var leaving = _totems[^1];
            await leaving.DisposeAsync();
            await _transports[^1].DisposeAsync();
            var rest = all[..^1];
            await WaitAsync(() => _totems[..^1].All(t => t.Configuration?.Members.SequenceEqual(rest) == true), "a ring without the stopped node");

            // Configuration is set when the ring installs it; the reader may take the event a moment later.
            await WaitAsync(
                () => Enumerable.Range(0, _totems.Length - 1).All(n =>
                {
                    lock (_seen[n])
                    {
                        return _seen[n].OfType<TotemConfigurationChange>().LastOrDefault() is { IsTransitional: false } c && c.Members.SequenceEqual(rest);
                    }
                }),
                "every survivor's reader has the new regular configuration");
            for (var n = 0; n < _totems.Length - 1; n++)
            {
                List<TotemConfigurationChange> changes;
                lock (_seen[n])
                {
                    changes = [.. _seen[n].OfType<TotemConfigurationChange>()];
                }

                var last = changes[^1];
                var transitional = changes[^2];
                Assert.That(last.IsTransitional, Is.False);
                Assert.That(transitional.IsTransitional, Is.True, "a transitional configuration precedes the regular one");
                Assert.That(transitional.Left, Does.Contain(leaving.NodeId));
            }

            foreach (var totem in _totems)
            {
                Assert.That(totem.MalformedFrames, Is.Zero);
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var totem in _totems)
            {
                await totem.DisposeAsync();
            }

            foreach (var transport in _transports)
            {
                await transport.DisposeAsync();
            }

            await Task.WhenAll(_readers);
            _key.Dispose();
        }

        private List<string> Deliveries(int node)
        {
            lock (_seen[node])
            {
                return [.. _seen[node].OfType<TotemDelivery>().Select(d => Encoding.ASCII.GetString(d.Payload.Span))];
            }
        }

        private static async Task WaitAsync(Func<bool> condition, string what)
        {
            var clock = Stopwatch.StartNew();
            while (!condition())
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(30))
                {
                    Assert.Fail($"not reached within 30 s: {what}");
                }

                await Task.Delay(20);
            }
        }
    }
}
