using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Clustering.Membership.Totem;
using Clustering.TestSupport;
using Clustering.Transport.Configuration;
using Clustering.Transport.Security;
using Microsoft.Extensions.Logging;

namespace Clustering.IntegrationTests.Conformance;

/// <summary>
/// Failure detection against real Corosync: three nodes in network namespaces with the same Totem settings
/// (token 1000 ms, no token coefficient, consensus 1200 ms, join 50 ms), one node's cables cut, and the time until the
/// two others form the new membership of 2. Ours (Totem over UDP multicast, secauth on, two active rings, the node cut
/// from both at once) and Corosync 3.1.7 (udp) must both land within token + consensus + join plus scheduling slack,
/// and ours must not be slower than Corosync beyond the luck of where in a token rotation the cut falls. Needs root,
/// <c>ip</c> and <c>corosync</c>.
/// </summary>
/// <remarks>
/// <para>Corosync's times are read from its own log (hires timestamps of "A new membership ... was formed"), not by
/// polling <c>corosync-quorumtool</c>: a poll is two process start-ups inside a namespace, hundreds of milliseconds each
/// on a loaded machine, which used to land in Corosync's figure (and fail the bound), while the polls themselves kept
/// the machine busier. Formation is also read from the log ("Members[3]" from the quorum service on every node).</para>
/// <para>Corosync logs "Discarding JOIN message during flush" when a join was queued on its socket while it processed
/// a token (totemsrp reads the whole receive queue before handling a token and drops the joins it finds there): the
/// nodes come up one after the other (each start-up is an <c>ip netns exec</c>, <c>unshare</c> and a shell), so the
/// first ones form a ring and pass the token while a later node's joins arrive, and whenever a daemon is kept from its
/// sockets it later finds a token and joins queued together. The old fixture made that the rule: it polled
/// <c>corosync-quorumtool -l</c> on all three nodes every 20 ms, and each poll is an IPC connection that the daemon
/// serves between its protocol messages, on top of the process start-ups loading the machine, which is the likely
/// way the joins kept being dropped until the limit in the runs that failed. Reading the log costs the daemons nothing.
/// Formation is not timed; only the loss of a settled member is.</para>
/// <para>Each time is measured twice, from just before the cut command started and from just after it returned (the
/// cut happened in between): upper bounds are checked on the first, which can only overstate, lower bounds on the
/// second, which can only understate.</para>
/// </remarks>
[Category("Conformance")]
[NonParallelizable]
[CancelAfter(240_000)]
public sealed partial class FailureDetectionConformanceTests
{
    private static readonly TimeSpan Token = TimeSpan.FromMilliseconds(1000);
    private static readonly TimeSpan Consensus = TimeSpan.FromMilliseconds(1200);
    private static readonly TimeSpan Join = TimeSpan.FromMilliseconds(50);

    /// <summary>The representative's idle-token hold at these settings (Corosync's and ours: 180 ms).</summary>
    private static readonly TimeSpan HoldPeriod = new TotemTimings { Token = Token, TokenCoefficient = TimeSpan.Zero }.Effective(3).Hold;

    /// <summary>
    /// How long the first start of the Corosync daemons gets to form a ring of 3 before they are started afresh (usually
    /// a few seconds; in one CI run of 2026-12-02 they were still discarding joins after a minute).
    /// </summary>
    private static readonly TimeSpan FirstFormationLimit = TimeSpan.FromSeconds(40);

    /// <summary>Process start-up around the cut, our 5 ms polling and a machine shared with other work.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(1500);

    /// <summary>
    /// How much later than Corosync ours may land. Both sides run the same steps with the same timers (the test prints
    /// the two timelines: token lost, gather, consensus timeout, commit, recovery, operational), and the new ring
    /// forms token + consensus after the representative last saw the token (FailureDetectionTimelineTests checks
    /// ours on a simulated clock). What differs between two measurements is luck: the representative holds an idle
    /// token for a hold period (180 ms here, Corosync's and, since the hold is computed as Corosync does, ours) between
    /// rotations, so where in that period the cut falls moves either figure by up to one hold period, independently
    /// (the settle delay is randomized over one period so that neither side is cut at a fixed point of it); and
    /// Corosync itself waits a join timeout (50 ms) more when the non-representative's consensus timeout fires first.
    /// Scheduling, 500 ms: ours runs inside this loaded test process (and is read by a 5 ms poll, some 8 ms after its
    /// processors logged the new ring), where its timers and receive threads wait for a core as much as everything
    /// else (one run at load 30 landed 307 ms behind Corosync), while each Corosync daemon is a small process of its
    /// own at real-time priority. The allowance cannot shrink below the hold period without making the test a coin
    /// toss; a timeout too many (a second token timeout or consensus round, 1 s or more here) is still caught.
    /// </summary>
    private static readonly TimeSpan TrailAllowance = HoldPeriod + TimeSpan.FromMilliseconds(500);

    [Test]
    public async Task Losing_a_node_gives_the_new_membership_within_token_consensus_and_join_for_ours_and_corosync()
    {
        RealTools.RequireRoot();
        RealTools.Require("corosync");
        RealTools.Require("corosync-quorumtool");
        var bound = Token + Consensus + Join + Slack;

        var ours = await MeasureOursAsync();
        var corosync = await MeasureCorosyncAsync();
        await TestContext.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"node lost -> new membership of 2: ours {ours}, Corosync {corosync} (bound {bound.TotalMilliseconds:0} ms, ours may trail by {TrailAllowance.TotalMilliseconds:0} ms)"));

        Assert.That(ours.FromCutStart, Is.LessThan(bound), "ours");
        Assert.That(corosync.FromCutStart, Is.LessThan(bound), "Corosync, as a check that the bound and the setup are right");
        Assert.That(ours.FromCutEnd, Is.GreaterThan(Token * 0.9), "ours waits for the token timeout before giving up on the node");
        Assert.That(ours.FromCutEnd, Is.LessThanOrEqualTo(corosync.FromCutStart + TrailAllowance), "ours is not slower than Corosync at the same settings");
    }

    /// <summary>
    /// One second and a random part of a hold period: a fixed delay after formation puts the cut at the same point of
    /// the representative's hold every time (1000 ms is 5.25 of our old 190 ms holds and 5.56 of Corosync's 180 ms
    /// ones), which biased the comparison by where in the hold the cut landed rather than by how either side detects.
    /// </summary>
    private static TimeSpan SettleDelay() => TimeSpan.FromMilliseconds(1000 + Random.Shared.Next(0, (int)HoldPeriod.TotalMilliseconds));

    private static async Task<Detection> MeasureOursAsync()
    {
        using var lab = NetworkLab.Create(3, networkCount: 2);
        using var key = Authkey.Generate();
        var groups = NamespaceRingSets.RandomGroups(2);
        var timings = new TotemTimings { Token = Token, TokenCoefficient = TimeSpan.Zero, Consensus = Consensus, Join = Join };
        var totems = new List<TotemRing>();
        var transports = new List<Clustering.Transport.Redundancy.RingSet>();
        var timeline = new TimelineLog();
        try
        {
            for (var n = 0; n < 3; n++)
            {
                transports.Add(NamespaceRingSets.Create(lab, n, groups, key, "failure-detection"));
                totems.Add(new TotemRing(transports[n], new TotemRingOptions { Timings = timings }, loggerFactory: timeline.For(n + 1)));
            }

            foreach (var totem in totems)
            {
                totem.Start();
            }

            await WaitAsync(() => totems.All(t => Members(t) == "1,2,3"), "ours: one ring of 1,2,3", TimeSpan.FromSeconds(30));
            await Task.Delay(SettleDelay()); // a settled ring, tokens rotating, the cut at a random point of the hold period

            var start = Stopwatch.GetTimestamp();
            var clock = Stopwatch.StartNew();
            lab.CutAll(2);
            var cutEnd = clock.Elapsed;
            await WaitAsync(() => Members(totems[0]) == "1,2" && Members(totems[1]) == "1,2", "ours: the ring of 1,2", TimeSpan.FromSeconds(30), poll: TimeSpan.FromMilliseconds(5));
            var formed = clock.Elapsed;
            await TestContext.Out.WriteLineAsync("ours, ms from the cut's start (node: event):\n" + timeline.Since(start));
            return new Detection(formed, formed - cutEnd);
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
        }
    }

    private static async Task<Detection> MeasureCorosyncAsync()
    {
        using var lab = NetworkLab.Create(3);
        var directory = Directory.CreateTempSubdirectory("failure-detection-").FullName;
        var group = NamespaceRingSets.RandomGroups(1)[0];
        var processes = new List<Process>();
        var logs = Enumerable.Range(1, 3).Select(n => Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"n{n}"), "corosync.log")).ToArray();
        try
        {
            await StartCorosyncAsync(lab, group, logs, processes);
            if (!await TryWaitAsync(() => logs.All(log => LastQuorumMembers(log) == 3), FirstFormationLimit))
            {
                // Corosync 3.1.7 sometimes keeps discarding a late node's joins ("Discarding JOIN message during
                // flush", see the remarks) for a minute and more: start the three daemons afresh, once.
                await TestContext.Out.WriteLineAsync("Corosync: no ring of 3 within " + FirstFormationLimit.TotalSeconds
                    + " s; restarting the daemons once. Node 1's log ended:\n" + LogTail(logs[0]));
                await StopAsync(processes);
                foreach (var log in logs)
                {
                    File.Delete(log);
                }

                await StartCorosyncAsync(lab, group, logs, processes);
            }

            await WaitAsync(
                () => logs.All(log => LastQuorumMembers(log) == 3),
                () => "Corosync: 3 members everywhere; node 1 says: " + lab.Exec(0, "corosync-quorumtool", "-l").StandardOutput + "; its log ends: " + LogTail(logs[0]),
                TimeSpan.FromSeconds(60));
            await Task.Delay(SettleDelay()); // a settled ring, the token held between rotations as ours is

            var offsets = logs.Select(log => new FileInfo(log).Length).ToArray();
            var before = DateTime.UtcNow;
            var clock = Stopwatch.StartNew();
            lab.CutAll(2);
            var cutEnd = clock.Elapsed;
            DateTime?[] formed = [null, null];
            await WaitAsync(
                () =>
                {
                    formed[0] ??= MembershipOfTwoFormed(logs[0], offsets[0]);
                    formed[1] ??= MembershipOfTwoFormed(logs[1], offsets[1]);
                    return formed[0] is not null && formed[1] is not null;
                },
                () => "Corosync: the membership of 2 in the logs of nodes 1 and 2; node 1's log ends: " + LogTail(logs[0]),
                TimeSpan.FromSeconds(30));

            await TestContext.Out.WriteLineAsync("Corosync, ms from the cut's start (node: event):\n"
                + string.Join('\n', Enumerable.Range(0, 2).SelectMany(n => CorosyncTimeline(logs[n], offsets[n], before).Select(e => (e.Ms, Line: string.Create(CultureInfo.InvariantCulture, $"{e.Ms,7:0} n{n + 1}: {e.What}")))).OrderBy(e => e.Ms).Select(e => e.Line)));

            // The quorum layer agrees (one look, after the fact: not timed).
            Assert.That(CorosyncMembers(lab, 0), Is.EqualTo(2), "corosync-quorumtool -l on node 1 after the cut");
            var last = formed[0]!.Value > formed[1]!.Value ? formed[0]!.Value : formed[1]!.Value;
            var fromStart = last - before;
            return new Detection(fromStart, fromStart - cutEnd);
        }
        finally
        {
            await StopAsync(processes);
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Starts one <c>corosync -f</c> per namespace, each writing its state and log beside its log path.</summary>
    private static async Task StartCorosyncAsync(NetworkLab lab, System.Net.IPAddress group, string[] logs, List<Process> processes)
    {
        for (var n = 0; n < logs.Length; n++)
        {
            var state = Path.GetDirectoryName(logs[n])!;
            Directory.CreateDirectory(state);
            var config = Path.Combine(state, "corosync.conf");
            await File.WriteAllTextAsync(config, CorosyncConfig(lab, group, state));

            // A private /run per node (Corosync's lock file); IPC sockets are abstract, hence per namespace. TZ=UTC:
            // the log's timestamps are compared with this process's UTC clock.
            var info = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.Environment["TZ"] = "UTC";
            foreach (var arg in new[] { "netns", "exec", lab.Nodes[n].Namespace, "unshare", "-m", "sh", "-c", $"mount -t tmpfs tmpfs /run && exec corosync -f -c {config}" })
            {
                info.ArgumentList.Add(arg);
            }

            processes.Add(Process.Start(info)!);
        }
    }

    /// <summary>Kills the daemons (and the <c>ip netns exec</c> wrappers around them) and forgets them.</summary>
    private static async Task StopAsync(List<Process> processes)
    {
        foreach (var process in processes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync();
            process.Dispose();
        }

        processes.Clear();
    }

    private static string CorosyncConfig(NetworkLab lab, System.Net.IPAddress group, string state)
    {
        var nodes = string.Concat(lab.Nodes.Select(n => string.Create(CultureInfo.InvariantCulture, $"  node {{\n    ring0_addr: {n.Address}\n    nodeid: {n.Index + 1}\n  }}\n")));
        return string.Create(CultureInfo.InvariantCulture, $$"""
            totem {
              version: 2
              cluster_name: failure-detection
              transport: udp
              token: {{Token.TotalMilliseconds}}
              token_coefficient: 0
              consensus: {{Consensus.TotalMilliseconds}}
              join: {{Join.TotalMilliseconds}}
              crypto_cipher: none
              crypto_hash: none
              interface {
                linknumber: 0
                bindnetaddr: {{lab.Network}}
                mcastaddr: {{group}}
                mcastport: 5405
              }
            }
            nodelist {
            {{nodes}}}
            quorum {
              provider: corosync_votequorum
            }
            system {
              state_dir: {{state}}
            }
            logging {
              to_stderr: no
              to_syslog: no
              to_logfile: yes
              logfile: {{state}}/corosync.log
              timestamp: hires
              debug: {{(Environment.GetEnvironmentVariable("CLUSTERING_COROSYNC_DEBUG") == "1" ? "on" : "off")}}
            }

            """);
    }

    /// <summary>How many nodes <c>corosync-quorumtool -l</c> lists on lab node <paramref name="node"/>; 0 while it cannot answer.</summary>
    private static int CorosyncMembers(NetworkLab lab, int node)
    {
        var result = lab.Exec(node, "corosync-quorumtool", "-l");
        return result.ExitCode is 0 or 1 ? MemberLine().Count(result.StandardOutput) : 0;
    }

    private static string Members(TotemRing totem) => totem.Configuration is { } c ? string.Join(',', c.Members) : "";

    /// <summary>The member count of the last "Members[N]" line the quorum service logged; 0 before the first.</summary>
    private static int LastQuorumMembers(string log)
    {
        var last = 0;
        foreach (var line in ReadShared(log, 0))
        {
            if (QuorumMembersLine().Match(line) is { Success: true } match)
            {
                last = int.Parse(match.Groups["count"].Value, CultureInfo.InvariantCulture);
            }
        }

        return last;
    }

    /// <summary>
    /// When the membership of 2 was formed, by the log written after <paramref name="offset"/>: the timestamp of the last
    /// "A new membership ... was formed" line before the quorum service's first "Members[2]"; null while there is none.
    /// </summary>
    private static DateTime? MembershipOfTwoFormed(string log, long offset)
    {
        DateTime? formed = null;
        foreach (var line in ReadShared(log, offset))
        {
            if (NewMembershipLine().Match(line) is { Success: true } membership)
            {
                formed = ParseLogTime(membership.Groups["time"].Value);
            }
            else if (QuorumMembersLine().Match(line) is { Success: true } quorum && quorum.Groups["count"].Value == "2")
            {
                return formed;
            }
        }

        return null;
    }

    /// <summary>
    /// A libqb log timestamp ("Dec 01 23:58:01.123", UTC, no year) as a UTC time: the year that puts it nearest to now.
    /// </summary>
    private static DateTime ParseLogTime(string text)
    {
        var now = DateTime.UtcNow;
        var formats = new[] { "MMM dd HH:mm:ss.fff", "MMM dd HH:mm:ss", "MMM d HH:mm:ss.fff", "MMM d HH:mm:ss" };
        var parsed = DateTime.ParseExact(text.Replace("  ", " ", StringComparison.Ordinal), formats, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        return new[] { now.Year - 1, now.Year, now.Year + 1 }
            .Select(year => new DateTime(year, parsed.Month, parsed.Day, parsed.Hour, parsed.Minute, parsed.Second, parsed.Millisecond, DateTimeKind.Utc))
            .MinBy(candidate => Math.Abs((candidate - now).Ticks));
    }

    /// <summary>The complete lines of a log Corosync is still writing, from <paramref name="offset"/> on.</summary>
    private static List<string> ReadShared(string log, long offset)
    {
        var lines = new List<string>();
        if (!File.Exists(log))
        {
            return lines;
        }

        using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        var end = text.LastIndexOf('\n');
        if (end >= 0)
        {
            lines.AddRange(text[..end].Split('\n'));
        }

        return lines;
    }

    /// <summary>
    /// Corosync's membership steps in <paramref name="log"/> after <paramref name="offset"/>, in ms from
    /// <paramref name="origin"/>: every step with CLUSTERING_COROSYNC_DEBUG=1 (debug logging; off by default, as one run
    /// in six with it failed to form the first ring of 3 within 60 s), else the notice lines (token lost, formed).
    /// </summary>
    private static IEnumerable<(double Ms, string What)> CorosyncTimeline(string log, long offset, DateTime origin)
    {
        foreach (var line in ReadShared(log, offset))
        {
            if (TimelineLine().Match(line) is { Success: true } match)
            {
                yield return ((ParseLogTime(match.Groups["time"].Value) - origin).TotalMilliseconds, match.Groups["what"].Value);
            }
        }
    }

    private static string LogTail(string log) => File.Exists(log) ? string.Join('\n', ReadShared(log, 0).TakeLast(15)) : "(no log)";

    private static Task WaitAsync(Func<bool> condition, string what, TimeSpan limit, TimeSpan? poll = null) => WaitAsync(condition, () => what, limit, poll);

    private static async Task WaitAsync(Func<bool> condition, Func<string> what, TimeSpan limit, TimeSpan? poll = null)
    {
        if (!await TryWaitAsync(condition, limit, poll))
        {
            Assert.Fail($"not reached within {limit.TotalSeconds:0} s: {what()}");
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds (true) or <paramref name="limit"/> has passed (false).</summary>
    private static async Task<bool> TryWaitAsync(Func<bool> condition, TimeSpan limit, TimeSpan? poll = null)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > limit)
            {
                return false;
            }

            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(20));
        }

        return true;
    }

    [GeneratedRegex(@"^\s+\d+\s+\d+\b", RegexOptions.Multiline)]
    private static partial Regex MemberLine();

    [GeneratedRegex(@"^(?<time>[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2}(\.\d{3})?) .*\[TOTEM *\] A new membership \(.*\) was formed")]
    private static partial Regex NewMembershipLine();

    [GeneratedRegex(@"^(?<time>[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2}\.\d{3}) .*\[TOTEM *\] (?<what>(The token was lost.*|A processor failed.*|entering (GATHER|COMMIT|RECOVERY|OPERATIONAL).*|A new membership.*|got commit token|Did not need to originate any messages in recovery.*))$")]
    private static partial Regex TimelineLine();

    [GeneratedRegex(@"\[QUORUM *\] .*Members\[(?<count>\d+)\]:")]
    private static partial Regex QuorumMembersLine();

    /// <summary>Our processors' log lines with the monotonic time they were written, for the timeline.</summary>
    private sealed class TimelineLog
    {
        private readonly List<(long At, int Node, string Text)> _lines = [];

        public ILoggerFactory For(int node) => new CallbackLoggerFactory((_, text) => Add(node, text));

        public string Since(long start)
        {
            lock (_lines)
            {
                return string.Join('\n', _lines.Where(l => l.At >= start).Select(l =>
                    string.Create(CultureInfo.InvariantCulture, $"{Stopwatch.GetElapsedTime(start, l.At).TotalMilliseconds,7:0} n{l.Node}: {l.Text}")));
            }
        }

        private void Add(int node, string text)
        {
            var at = Stopwatch.GetTimestamp();
            lock (_lines)
            {
                _lines.Add((at, node, text));
            }
        }
    }

    /// <summary>A detection time measured from just before the cut command started and from just after it returned.</summary>
    private readonly record struct Detection(TimeSpan FromCutStart, TimeSpan FromCutEnd)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{FromCutEnd.TotalMilliseconds:0}-{FromCutStart.TotalMilliseconds:0} ms");
    }
}
