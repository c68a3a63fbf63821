using System.Globalization;
using System.Text.RegularExpressions;
using Clustering.TestSupport;

namespace Clustering.Tool.Tests;

/// <summary>
/// <c>benchmarks/corosync/run.sh</c> end to end with short floods: it builds our libcpg client, runs three real
/// Corosync nodes in namespaces and then <c>clusterctl bench</c>, and prints the side-by-side table. The figures are
/// not judged (speed belongs to the benchmark), but every cell must be a measurement: the script, the client and the
/// bench's JSON cannot drift apart unnoticed. The run sets Totem's max_messages and window_size on both sides, which
/// Corosync must report back from its runtime configuration.
/// </summary>
[Category("Conformance")]
public sealed partial class CorosyncBenchScriptTests
{
    [Test]
    [CancelAfter(300_000)]
    public void The_script_measures_both_systems_and_prints_one_row_per_size()
    {
        RealTools.RequireRoot();
        RealTools.Require("corosync");
        RealTools.Require("gcc");
        if (!File.Exists("/usr/include/corosync/cpg.h"))
        {
            RealTools.Unavailable("libcpg-dev is not installed (apt-get install libcpg-dev; .ci/run installs it)");
        }

        var repository = RepositoryRoot();
        var clusterctl = Path.Combine(AppContext.BaseDirectory, "clusterctl");
        Assert.That(File.Exists(clusterctl), Is.True, $"the clusterctl apphost next to the tests: {clusterctl}");

        var result = RealTools.Run(
            "bash",
            Path.Combine(repository, "benchmarks", "corosync", "run.sh"),
            TimeSpan.FromMinutes(4),
            environment: new Dictionary<string, string>
            {
                ["COUNT"] = "3000",
                ["SIZES"] = "64 1024",
                ["LIGHT_COUNT"] = "40",
                ["CLUSTERCTL"] = clusterctl,
                ["MAX_MESSAGES"] = "20",
                ["WINDOW_SIZE"] = "60",
            });

        Assert.That(result.ExitCode, Is.Zero, $"run.sh failed:\n{result.StandardOutput}\n{result.StandardError}");
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.TrimEntries);
        Assert.That(lines, Has.Some.StartsWith("3 nodes, 1 sender; ours: clusterctl JIT, udp, 2 ring(s), secauth on, accelerated window 17; both: max_messages 20, window_size 60, sched_rr yes (Corosync: SCHED_RR 99, ours: SCHED_RR 99); flood runs of 3000 at 64 B, 3000 at 1024 B; 40 messages at 200 msgs/s for latency;"),
            "run as root (it needs root): both sides' processes run round-robin at priority 99, as read back from each");
        Assert.That(lines, Has.Some.Match(@"^3 nodes, 1 sender; .*, load average [0-9. ]+, steal \d+ % during Corosync's runs and \d+ % during ours, \d{4}-\d\d-\d\d \d\d:\d\d UTC$"), "the header names the steal time of each half");
        Assert.That(lines, Has.Some.EqualTo("| size | Corosync 3.1.7 msgs/s | ours msgs/s | ours / Corosync | Corosync CPU us/msg | ours CPU us/msg | Corosync p50 @ 200/s | ours p50 @ 200/s |"));
        Assert.That(lines, Has.None.Contains("NOT CLEAN"), "every run delivered every message once, in order");
        Assert.That(result.StandardError, Does.Contain("run.sh: corosync runs with max_messages 20, window_size 60"), "the tuning as the daemons run it");
        Assert.That(result.StandardError, Does.Contain("run.sh: corosync runs with sched_rr yes: SCHED_RR 99"));
        Assert.That(result.StandardError, Does.Contain("run.sh: ours ran with sched_rr yes: SCHED_RR 99"));

        foreach (var size in new[] { 64, 1024 })
        {
            var row = lines.SingleOrDefault(l => l.StartsWith($"| {size} B |", StringComparison.Ordinal));
            Assert.That(row, Is.Not.Null, $"a row for {size} B in:\n{result.StandardOutput}");
            var match = Row().Match(row!);
            Assert.That(match.Success, Is.True, $"the row's shape: {row}");
            foreach (var cell in new[] { "cmps", "omps", "ccpu", "ocpu", "cp50", "op50" })
            {
                Assert.That(double.Parse(match.Groups[cell].Value, CultureInfo.InvariantCulture), Is.GreaterThan(0), $"{cell} of {row}");
            }

            var ratio = double.Parse(match.Groups["omps"].Value, CultureInfo.InvariantCulture) / double.Parse(match.Groups["cmps"].Value, CultureInfo.InvariantCulture);
            Assert.That(double.Parse(match.Groups["ratio"].Value, CultureInfo.InvariantCulture), Is.EqualTo(ratio).Within(0.01 + (ratio * 0.01)), $"the ratio of {row}");
        }

        var namespaces = Regex.Match(result.StandardError, @"in namespaces (?<prefix>cb\d+-)1\.\.3");
        Assert.That(namespaces.Success, Is.True, $"the log names the namespaces: {result.StandardError}");
        Assert.That(RealTools.Run("ip", "netns list", TimeSpan.FromSeconds(10)).StandardOutput, Does.Not.Contain(namespaces.Groups["prefix"].Value), "the script removed its namespaces");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Clustering.sln")))
            {
                return dir.FullName;
            }
        }

        Assert.Fail($"no Clustering.sln above {AppContext.BaseDirectory}");
        return null!;
    }

    [GeneratedRegex(@"^\| \d+ B \| (?<cmps>\d+) \| (?<omps>\d+) \| (?<ratio>\d+\.\d\d)x \| (?<ccpu>\d+\.\d) \| (?<ocpu>\d+\.\d) \| (?<cp50>\d+\.\d{3}) ms \| (?<op50>\d+\.\d{3}) ms \|$")]
    private static partial Regex Row();
}
