using System.Text;
using Clustering.Membership.Quorum;
using Clustering.Membership.Totem;
using Clustering.Transport.Redundancy;
using Clustering.Transport.Security;
using Microsoft.Extensions.Logging;

namespace ClusterDemo;

/// <summary>
/// The second act: the same three nodes run Totem over their redundant rings. They form one ring, become quorate
/// (votequorum, one vote each), deliver everyone's messages in one order, and reform the ring when node 3 stops.
/// </summary>
internal static class TotemAct
{
    public static async Task<bool> RunAsync(Authkey key, int basePort, ILoggerFactory loggerFactory)
    {
        const int Nodes = 3;
        var ok = true;
        var transports = new RingSet[Nodes];
        var totems = new TotemRing[Nodes];
        var logs = new List<TotemRingEvent>[Nodes];
        var readers = new Task[Nodes];
        for (var n = 0; n < Nodes; n++)
        {
            transports[n] = new RingSet([DemoRings.Create(0, n, basePort, loggerFactory), DemoRings.Create(1, n, basePort, loggerFactory)], key, new RingSetOptions
            {
                NodeId = (uint)(n + 1),
                Protection = new FrameProtectorOptions { ClusterName = "demo", Hash = CryptoHash.Sha256, Cipher = CryptoCipher.Aes256 },
                Redundancy = new RedundancyOptions { Mode = RrpMode.Active },
            }, loggerFactory: loggerFactory);
            totems[n] = new TotemRing(transports[n], loggerFactory: loggerFactory);
            var (totem, log) = (totems[n], logs[n] = []);
            readers[n] = Task.Run(async () =>
            {
                await foreach (var e in totem.Events.ReadAllAsync())
                {
                    lock (log)
                    {
                        log.Add(e);
                    }
                }
            });
        }

        var quorum = new VoteQuorum(new VoteQuorumOptions { NodeVotes = new Dictionary<uint, int> { [1] = 1, [2] = 1, [3] = 1 } });
        try
        {
            Console.WriteLine("\n== Totem: the three nodes form a ring (token 1000 ms, consensus 1200 ms)");
            foreach (var totem in totems)
            {
                totem.Start();
            }

            ok &= await WaitAsync(() => totems.All(t => Members(t) == "1 2 3"), TimeSpan.FromSeconds(20));
            PrintMembership(totems[0], quorum);

            Console.WriteLine("\n== every node sends 5 messages; every node delivers all 15 in the same order");
            for (var i = 0; i < 5; i++)
            {
                foreach (var totem in totems)
                {
                    await totem.SendAsync(Encoding.ASCII.GetBytes($"n{totem.NodeId}#{i}"), i == 4 ? MessageOrder.Safe : MessageOrder.Agreed);
                }
            }

            ok &= await WaitAsync(() => Enumerable.Range(0, Nodes).All(n => Delivered(logs[n]).Count == 15), TimeSpan.FromSeconds(10));
            var order = Delivered(logs[0]);
            var same = Enumerable.Range(1, Nodes - 1).All(n => Delivered(logs[n]).SequenceEqual(order));
            Console.WriteLine($"   node 1 delivered: {string.Join(' ', order)}");
            Console.WriteLine(same ? "   nodes 2 and 3 delivered the same sequence" : "   ORDER DIFFERS between nodes");
            ok &= same;

            Console.WriteLine("\n== node 3 stops");
            await totems[2].DisposeAsync();
            await transports[2].DisposeAsync();
            ok &= await WaitAsync(() => Members(totems[0]) == "1 2" && Members(totems[1]) == "1 2", TimeSpan.FromSeconds(20));
            lock (logs[0])
            {
                var transitional = logs[0].OfType<TotemConfigurationChange>().Last(c => c.IsTransitional);
                Console.WriteLine($"   transitional configuration: members {string.Join(' ', transitional.Members)}, left {string.Join(' ', transitional.Left)}");
            }

            PrintMembership(totems[0], quorum);
        }
        finally
        {
            foreach (var totem in totems)
            {
                await totem.DisposeAsync();
            }

            foreach (var transport in transports)
            {
                await transport.DisposeAsync();
            }

            await Task.WhenAll(readers);
        }

        return ok;
    }

    private static void PrintMembership(TotemRing totem, VoteQuorum quorum)
    {
        var configuration = totem.Configuration!;
        quorum.OnMembership(configuration.Members, TimeSpan.Zero);
        var snapshot = quorum.Current;
        Console.WriteLine($"   [TOTEM ] A new membership ({configuration.Ring}) was formed.");
        Console.WriteLine($"   [QUORUM] Members[{configuration.Members.Count}]: {string.Join(' ', configuration.Members)}");
        Console.WriteLine(snapshot.Quorate
            ? $"   [QUORUM] This node is within the primary component and will provide service. ({snapshot.TotalVotes} of {snapshot.ExpectedVotes} votes, quorum {snapshot.Quorum})"
            : $"   [QUORUM] This node is within the non-primary component and will NOT provide any services. ({snapshot.TotalVotes} of {snapshot.ExpectedVotes} votes)");
    }

    private static string Members(TotemRing totem) => totem.Configuration is { } c ? string.Join(' ', c.Members) : "";

    private static List<string> Delivered(List<TotemRingEvent> log)
    {
        lock (log)
        {
            return [.. log.OfType<TotemDelivery>().Select(d => Encoding.ASCII.GetString(d.Payload.Span))];
        }
    }

    private static async Task<bool> WaitAsync(Func<bool> condition, TimeSpan limit)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > limit)
            {
                Console.WriteLine($"   NOT reached within {limit.TotalSeconds} s");
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }
}
