using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Clustering.TestSupport;
using Clustering.Transport.Configuration;
using ProtocolTimings = Clustering.Membership.Totem.TotemTimings;

namespace Clustering.Membership.Tests.Conformance;

/// <summary>
/// The timings in effect for a corosync.conf, ours against real Corosync 3.1.7's: one <c>corosync -f</c> in a network
/// namespace loads each file (a nodelist of N entries where only node 1 runs: the nodelist alone sets the token
/// coefficient), <c>corosync-cmapctl runtime.config.totem.</c> lists what it computed, and every field must equal what
/// the loader reports (<see cref="CorosyncConfiguration.EffectiveTimings"/>) and what the Totem processor runs
/// (<see cref="ProtocolTimings.From"/>). Needs root, <c>ip</c>, <c>corosync</c> and <c>corosync-cmapctl</c>.
/// </summary>
[Category("Conformance")]
[NonParallelizable]
public sealed partial class EffectiveTimingsConformanceTests
{
    // Every configuration sets token: Corosync 3's default is 3000 ms, this library's 1000 ms (docs/totem-timings.md).
    private static readonly (string Name, int Nodes, string Keys)[] Configurations =
    [
        ("two_nodes", 2, "token: 1000"),
        ("three_nodes", 3, "token: 1000"),
        ("five_nodes_token_3000", 5, "token: 3000"),
        ("sixteen_nodes", 16, "token: 1000"),
        ("sixteen_nodes_token_3000", 16, "token: 3000"),
        ("coefficient_off", 5, "token: 3000\n  token_coefficient: 0"),
        ("coefficient_300_retransmit_set", 5, "token: 1000\n  token_coefficient: 300\n  token_retransmit: 500"),
        ("hold_consensus_join_set", 3, "token: 3000\n  hold: 100\n  consensus: 5000\n  join: 100"),
        ("everything_else_set", 3, "token: 5000\n  token_retransmits_before_loss_const: 10\n  merge: 300\n  downcheck: 2000\n  fail_recv_const: 1000\n"
            + "  seqno_unchanged_const: 20\n  window_size: 100\n  max_messages: 20\n  miss_count_const: 7\n  send_join: 40\n  max_network_delay: 60"),
        ("fast_token_hold_18_ms", 2, "token: 150\n  consensus: 180"),
        ("hold_at_its_14_ms_minimum", 4, "token: 1000\n  hold: 14"),
    ];

    // Files at the edges of Corosync's validation: whether `corosync -t` accepts each, and the loader must agree.
    private static readonly (string Name, string Keys, bool Valid)[] Edges =
    [
        ("hold_14", "token: 1000\n  hold: 14", true),
        ("hold_13", "token: 1000\n  hold: 13", false),
        ("token_150", "token: 150\n  token_coefficient: 0\n  consensus: 180", true),
        ("computed_retransmit_28", "token: 120\n  token_coefficient: 0", false),
        ("explicit_retransmit_29", "token: 1000\n  token_retransmit: 29", false),
        ("coefficient_brings_retransmit_up", "token: 100\n  token_coefficient: 100", true),
    ];

    private static IEnumerable<TestCaseData> EdgeCases() =>
        Edges.Select(c => new TestCaseData(c.Keys, c.Valid).SetName("Corosync_and_the_loader_agree_on_" + c.Name));

    [TestCaseSource(nameof(EdgeCases))]
    public async Task Corosync_and_the_loader_accept_and_refuse_the_same_timings(string keys, bool valid)
    {
        RealTools.RequireRoot();
        RealTools.Require("corosync");
        var directory = Directory.CreateTempSubdirectory("effective-timings-edge-").FullName;
        try
        {
            var path = Path.Combine(directory, "corosync.conf");

            // A nodelist of three: with token_coefficient 100, token 100 becomes 200 and token_retransmit 47 (not 23).
            await File.WriteAllTextAsync(path, Conf(IPAddress.Loopback, 3, keys, directory));
            var real = RealTools.Run("corosync", $"-t -c {path}", TimeSpan.FromSeconds(30));
            Assert.That(real.ExitCode == 0, Is.EqualTo(valid), $"corosync -t: {real.StandardOutput}{real.StandardError}");
            ConfigurationException? ours = null;
            try
            {
                _ = CorosyncConfiguration.Load(path);
            }
            catch (ConfigurationException e)
            {
                ours = e;
            }

            Assert.That(ours is null, Is.EqualTo(valid), ours?.Message);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static IEnumerable<TestCaseData> Cases() =>
        Configurations.Select(c => new TestCaseData(c.Nodes, c.Keys).SetName("Corosync_runs_the_timings_we_run_for_" + c.Name));

    [TestCaseSource(nameof(Cases))]
    public async Task Corosync_and_ours_agree_on_every_timing(int nodes, string keys)
    {
        RealTools.RequireRoot();
        RealTools.Require("ip");
        RealTools.Require("corosync");
        RealTools.Require("corosync-cmapctl");

        using var lab = NetworkLab.Create(1);
        var directory = Directory.CreateTempSubdirectory("effective-timings-").FullName;
        Process? corosync = null;
        try
        {
            var path = Path.Combine(directory, "corosync.conf");
            await File.WriteAllTextAsync(path, Conf(lab.Nodes[0].Address, nodes, keys, directory));
            corosync = StartCorosync(lab, path);
            var real = await ReadRuntimeTotemAsync(lab, corosync, directory);

            var config = CorosyncConfiguration.Load(path);
            Assert.That(config.Nodes, Has.Count.EqualTo(nodes));
            var e = config.EffectiveTimings;
            var p = ProtocolTimings.From(config.Totem.Timings, config.Nodes.Count);
            var expected = new (string Key, long Ours, long Processor)[]
            {
                ("token", Ms(e.Token), Ms(p.EffectiveToken)),
                ("token_retransmit", Ms(e.TokenRetransmit), Ms(p.TokenRetransmit)),
                ("hold", Ms(e.Hold), Ms(p.Hold)),
                ("token_retransmits_before_loss_const", e.TokenRetransmitsBeforeLossConst, p.TokenRetransmitsBeforeLoss),
                ("join", Ms(e.Join), Ms(p.Join)),
                ("send_join", Ms(e.SendJoin), Ms(p.SendJoin)),
                ("consensus", Ms(e.Consensus), Ms(p.EffectiveConsensus)),
                ("merge", Ms(e.Merge), Ms(p.Merge)),
                ("downcheck", Ms(e.Downcheck), Ms(e.Downcheck)),
                ("fail_recv_const", e.FailRecvConst, p.FailReceiveConst),
                ("seqno_unchanged_const", e.SeqnoUnchangedConst, p.SeqnoUnchangedConst),
                ("max_network_delay", Ms(e.MaxNetworkDelay), Ms(e.MaxNetworkDelay)),
                ("window_size", e.WindowSize, p.WindowSize),
                ("max_messages", e.MaxMessages, p.MaxMessages),
                ("miss_count_const", e.MissCountConst, p.MissCountConst),
            };

            await TestContext.Out.WriteLineAsync(string.Join('\n', expected.Select(x =>
                string.Create(CultureInfo.InvariantCulture, $"{x.Key,-36} corosync {(real.TryGetValue(x.Key, out var v) ? v.ToString(CultureInfo.InvariantCulture) : "-"),7}  ours {x.Ours,7}  processor {x.Processor,7}"))));
            Assert.Multiple(() =>
            {
                foreach (var (key, ours, processor) in expected)
                {
                    Assert.That(real, Does.ContainKey(key), $"runtime.config.totem.{key} in corosync-cmapctl's output");
                    if (real.TryGetValue(key, out var value))
                    {
                        Assert.That(ours, Is.EqualTo(value), $"{key}: the loader's effective value against Corosync's");
                        Assert.That(processor, Is.EqualTo(value), $"{key}: the processor's value against Corosync's");
                    }
                }
            });
        }
        finally
        {
            if (corosync is not null)
            {
                if (!corosync.HasExited)
                {
                    corosync.Kill(entireProcessTree: true);
                }

                using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await corosync.WaitForExitAsync(exit.Token);
                corosync.Dispose();
            }

            Directory.Delete(directory, recursive: true);
        }
    }

    private static Process StartCorosync(NetworkLab lab, string path)
    {
        // A private /run (Corosync's lock file) in a mount namespace of its own; its IPC sockets are abstract, hence
        // reachable from the network namespace only.
        var info = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "netns", "exec", lab.Nodes[0].Namespace, "unshare", "-m", "sh", "-c", $"mount -t tmpfs tmpfs /run && exec corosync -f -c {path}" })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Polls <c>corosync-cmapctl runtime.config.totem.</c> (bounded) until Corosync answers with its token.</summary>
    private static async Task<Dictionary<string, long>> ReadRuntimeTotemAsync(NetworkLab lab, Process corosync, string directory)
    {
        var clock = Stopwatch.StartNew();
        var last = string.Empty;
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (corosync.HasExited)
            {
                Assert.Fail($"corosync exited with {corosync.ExitCode}; its log: {Log(directory)}");
            }

            var result = lab.Exec(0, "corosync-cmapctl", "runtime.config.totem.");
            last = result.StandardOutput + result.StandardError;
            var values = new Dictionary<string, long>();
            foreach (Match m in RuntimeLine().Matches(result.StandardOutput))
            {
                values[m.Groups["key"].Value] = long.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
            }

            if (result.ExitCode == 0 && values.ContainsKey("token"))
            {
                return values;
            }

            await Task.Delay(200);
        }

        Assert.Fail($"corosync-cmapctl did not answer within 60 s: {last}; corosync's log: {Log(directory)}");
        return [];
    }

    private static string Log(string directory)
    {
        var path = Path.Combine(directory, "corosync.log");
        return File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(20)) : "(none)";
    }

    private static string Conf(IPAddress self, int nodes, string keys, string state)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"totem {{\n  version: 2\n  cluster_name: timings\n  transport: udpu\n  crypto_cipher: none\n  crypto_hash: none\n  {keys}\n}}\nnodelist {{\n");
        var bytes = self.GetAddressBytes();
        for (var i = 1; i <= nodes; i++)
        {
            // Node 1 is this namespace's address; the others are listed only (nobody answers there).
            var address = i == 1 ? self : new IPAddress([bytes[0], bytes[1], bytes[2], (byte)(100 + i)]);
            text.Append(CultureInfo.InvariantCulture, $"  node {{\n    ring0_addr: {address}\n    nodeid: {i}\n  }}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"}}\nquorum {{\n  provider: corosync_votequorum\n}}\nsystem {{\n  state_dir: {state}\n}}\n");
        text.Append(CultureInfo.InvariantCulture, $"logging {{\n  to_stderr: no\n  to_syslog: no\n  to_logfile: yes\n  logfile: {state}/corosync.log\n}}\n");
        return text.ToString();
    }

    private static long Ms(TimeSpan value) => (long)value.TotalMilliseconds;

    [GeneratedRegex(@"^runtime\.config\.totem\.(?<key>[a-z_]+) \([a-z0-9]+\) = (?<value>\d+)$", RegexOptions.Multiline)]
    private static partial Regex RuntimeLine();
}
