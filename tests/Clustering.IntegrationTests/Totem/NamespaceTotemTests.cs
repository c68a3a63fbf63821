using System.Diagnostics;
using System.Text;
using Clustering.Membership.Totem;
using Clustering.TestSupport;
using Clustering.Transport.Redundancy;
using Clustering.Transport.Security;

namespace Clustering.IntegrationTests.Totem;

/// <summary>
/// Totem over real UDP between network namespaces (secauth on, two rings active): three nodes form one ring; a
/// partition (node 3 cut from both networks) gives two configurations; the heal merges them into one again, and
/// messages sent meanwhile keep one order on each side. Needs root and <c>ip</c>.
/// </summary>
[Category("Namespaces")]
[NonParallelizable]
[CancelAfter(120_000)]
public sealed class NamespaceTotemTests
{
    [Test]
    public async Task A_partition_gives_two_configurations_and_the_heal_merges_them()
    {
        using var lab = NetworkLab.Create(3, networkCount: 2);
        using var key = Authkey.Generate();
        var groups = NamespaceRingSets.RandomGroups(2);
        var transports = new RingSet[3];
        var totems = new TotemRing[3];
        var seen = new List<TotemRingEvent>[3];
        var readers = new Task[3];
        var timings = new Clustering.Transport.Configuration.TotemTimings { Token = TimeSpan.FromMilliseconds(500), Consensus = TimeSpan.FromMilliseconds(600) };
        for (var n = 0; n < 3; n++)
        {
            transports[n] = NamespaceRingSets.Create(lab, n, groups, key, "netns-totem");
            totems[n] = new TotemRing(transports[n], new TotemRingOptions { Timings = timings });
            var (totem, log) = (totems[n], seen[n] = []);
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

        try
        {
            foreach (var totem in totems)
            {
                totem.Start();
            }

            await WaitAsync(() => totems.All(t => Members(t) == "1,2,3"), "one ring of 1,2,3");

            lab.Cut(2, network: 0);
            lab.Cut(2, network: 1);
            await WaitAsync(() => Members(totems[0]) == "1,2" && Members(totems[1]) == "1,2" && Members(totems[2]) == "3", "two configurations: 1,2 and 3");
            for (var i = 0; i < 20; i++)
            {
                await totems[0].SendAsync(Encoding.ASCII.GetBytes($"a{i}"));
                await totems[1].SendAsync(Encoding.ASCII.GetBytes($"b{i}"));
                await totems[2].SendAsync(Encoding.ASCII.GetBytes($"c{i}"));
            }

            await WaitAsync(() => Delivered(seen[0], "a", "b").Count == 40 && Delivered(seen[1], "a", "b").Count == 40 && Delivered(seen[2], "c").Count == 20, "deliveries on each side");
            Assert.That(Delivered(seen[1], "a", "b"), Is.EqualTo(Delivered(seen[0], "a", "b")), "one order on the majority side");
            Assert.That(Delivered(seen[0], "c"), Is.Empty, "nothing crossed the partition");

            lab.Restore(2, network: 0);
            lab.Restore(2, network: 1);
            await WaitAsync(() => totems.All(t => Members(t) == "1,2,3"), "the merged ring 1,2,3");
            var rings = totems.Select(t => t.Configuration!.Ring).Distinct().ToArray();
            Assert.That(rings, Has.Length.EqualTo(1), "all on the same ring");
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
    }

    private static string Members(TotemRing totem) => totem.Configuration is { } c ? string.Join(',', c.Members) : "";

    private static List<string> Delivered(List<TotemRingEvent> log, params string[] prefixes)
    {
        lock (log)
        {
            return [.. log.OfType<TotemDelivery>().Select(d => Encoding.ASCII.GetString(d.Payload.Span)).Where(p => prefixes.Any(x => p.StartsWith(x, StringComparison.Ordinal)))];
        }
    }


    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), $"not reached within 30 s: {what}");
            await Task.Delay(50);
        }
    }
}
