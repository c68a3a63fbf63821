using System.Diagnostics;
using Clustering.Transport.Framing;
using Clustering.Transport.Redundancy;
using Clustering.Transport.Rings;
using Clustering.Transport.Security;
using ClusterDemo;
using Microsoft.Extensions.Logging;

// The transport layer, shown end to end: three nodes of one cluster in this process, on loopback, with
// secauth (HMAC-SHA256 + AES-256) and two redundant rings in active mode. Ring 0 of node 3 is cut like a pulled
// cable and put back; corosync-cfgtool -s is printed before, during and after; no frame is lost.

const int Nodes = 3;
using var loggerFactory = LoggerFactory.Create(b => b
    .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; })
    .SetMinimumLevel(LogLevel.Information)
    .AddFilter("Clustering", LogLevel.Information));

using var key = Authkey.Generate();
Console.WriteLine($"authkey: {key.Length} bytes from the system's random generator (clusterctl keygen writes one to a file)");

var basePort = 20000 + (Environment.ProcessId % 2000) * 4;
var cables = new CuttableRing[Nodes, 2];
var nodes = new RingSet[Nodes];
for (var n = 0; n < Nodes; n++)
{
    var rings = new IRing[2];
    for (var r = 0; r < 2; r++)
    {
        var ring = DemoRings.Create(r, n, basePort, loggerFactory);
        cables[n, r] = new CuttableRing(ring);
        rings[r] = cables[n, r];
    }

    nodes[n] = new RingSet(rings, key, new RingSetOptions
    {
        NodeId = (uint)(n + 1),
        Protection = new FrameProtectorOptions { ClusterName = "demo", Hash = CryptoHash.Sha256, Cipher = CryptoCipher.Aes256 },
        Redundancy = new RedundancyOptions { Mode = RrpMode.Active },
    }, loggerFactory: loggerFactory);
}

var ledger = new Ledger(Nodes);
var receivers = nodes.Select((node, i) => Task.Run(() => ledger.ReceiveAsync(i, node))).ToArray();
var ok = true;
try
{
    Console.WriteLine($"\n== {Nodes} nodes up: ring 0 on 127.0.0.1-3, ring 1 on 127.0.1.1-3, rrp_mode active, secauth on");
    await TrafficAsync(TimeSpan.FromSeconds(1));
    PrintStatus("node 1", nodes[0]);

    Console.WriteLine("\n== cutting ring 0 of node 3 (as if its cable were pulled)");
    cables[2, 0].IsCut = true;
    ok &= await TrafficUntilAsync(() => nodes[2].GetStatus().Rings[0].IsFaulty, TimeSpan.FromSeconds(10));
    PrintStatus("node 3", nodes[2]);

    Console.WriteLine("\n== a forged frame and some noise arrive on ring 1 (dropped and counted, never delivered)");
    await InjectGarbageAsync(basePort, loggerFactory);

    Console.WriteLine("\n== reconnecting ring 0 of node 3");
    cables[2, 0].IsCut = false;
    ok &= await TrafficUntilAsync(() => nodes.All(n => !n.GetStatus().HasFaults), TimeSpan.FromSeconds(15));
    PrintStatus("node 3", nodes[2]);

    await TrafficAsync(TimeSpan.FromMilliseconds(500));
    ok &= await ledger.WaitCompleteAsync(TimeSpan.FromSeconds(5));
}
finally
{
    foreach (var node in nodes)
    {
        await node.DisposeAsync();
    }

    await Task.WhenAll(receivers);
}

Console.WriteLine("\n== counts");
Console.WriteLine("node  frames sent  datagrams sent  delivered  redundant copies  dropped");
for (var n = 0; n < Nodes; n++)
{
    var s = nodes[n].Statistics;
    Console.WriteLine($"{n + 1,4}  {s.FramesSent,11}  {s.DatagramsSent,14}  {ledger.Delivered(n),9}  {s.RedundantCopies,16}  {s.TotalDropped,7}");
}

var lost = ledger.Lost();
var duplicates = ledger.Duplicates;
Console.WriteLine($"\nlost {lost}, delivered twice {duplicates}");
ok &= lost == 0 && duplicates == 0;
Console.WriteLine(ok ? "demo finished: no frame lost while a ring was down" : "demo FAILED");
return ok ? 0 : 1;

async Task TrafficAsync(TimeSpan duration)
{
    var clock = Stopwatch.StartNew();
    while (clock.Elapsed < duration)
    {
        await SendRoundAsync();
        await Task.Delay(20);
    }
}

async Task<bool> TrafficUntilAsync(Func<bool> condition, TimeSpan limit)
{
    var clock = Stopwatch.StartNew();
    while (!condition())
    {
        if (clock.Elapsed > limit)
        {
            Console.WriteLine($"   NOT reached within {limit.TotalSeconds} s");
            return false;
        }

        await SendRoundAsync();
        await Task.Delay(20);
    }

    Console.WriteLine($"   (after {clock.Elapsed.TotalSeconds:F1} s of traffic)");
    return true;
}

async Task SendRoundAsync()
{
    for (var n = 0; n < Nodes; n++)
    {
        var sequence = await nodes[n].SendToAllAsync(FrameType.Multicast, Ledger.Payload(n));
        ledger.Sent(n, sequence);
    }
}

void PrintStatus(string who, RingSet node)
{
    Thread.Sleep(100); // let the console logger catch up, so log lines do not land inside the status text
    var status = node.GetStatus();
    Console.WriteLine($"$ corosync-cfgtool -s   # on {who}, exit code {status.CfgtoolExitCode}");
    Console.Write(status.ToCfgtoolText());
}

static async Task InjectGarbageAsync(int basePort, ILoggerFactory loggerFactory)
{
    await using var intruder = DemoRings.Create(1, 9, basePort, loggerFactory);
    using var otherKey = Authkey.Generate();
    using var forger = new FrameProtector(otherKey, new FrameProtectorOptions { ClusterName = "demo", Hash = CryptoHash.Sha256, Cipher = CryptoCipher.Aes256 });
    var frame = new byte[forger.GetSealedLength(6)];
    forger.Seal(new FrameHeader(FrameType.Multicast, 66, 1, 1, 1), "forged"u8, frame);
    await intruder.SendToAllAsync(frame);
    var random = new Random(1);
    for (var i = 0; i < 9; i++)
    {
        var noise = new byte[random.Next(1, 300)];
        random.NextBytes(noise);
        await intruder.SendToAllAsync(noise);
    }

    await Task.Delay(200);
}
