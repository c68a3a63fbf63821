using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Clustering.Demo.Tests;

/// <summary>
/// Runs samples/ClusterDemo as a user would, in one process and with --processes, and checks that it finishes by
/// itself with exit code 0 in time and that the story an admin reads is all there: a quorate ring of three, one
/// message order, node 3's failure (NODEDOWN, quorum kept with 2 of 3), the intruder's frames dropped, ring 0
/// FAULTY then recovered, node 3 back (JOIN), and nothing left behind (temporary files, node processes).
/// </summary>
[NonParallelizable]
[CancelAfter(200_000)]
public sealed partial class DemoRunTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    [Test]
    public async Task In_one_process_the_story_runs_to_the_end_with_exit_code_0()
    {
        var run = await RunDemoAsync([]);
        AssertStory(run);
        Assert.That(run.Output, Does.Contain("the node is torn down at once"));
    }

    [Test]
    public async Task With_processes_each_node_runs_in_its_own_process_and_none_is_left_behind()
    {
        var run = await RunDemoAsync(["--processes"]);
        AssertStory(run);

        var started = ProcessStarted().Matches(run.Output).Select(m => (Node: m.Groups[1].Value, Pid: int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture))).ToList();
        Assert.That(started.Select(s => s.Node), Is.EqualTo(new[] { "1", "2", "3", "3" }), "three node processes, and node 3 once more when it comes back");
        Assert.That(started.Select(s => s.Pid).Distinct().Count(), Is.EqualTo(4));
        Assert.That(run.Output, Does.Contain($"$ kill -9 {started[2].Pid}"), "node 3's first process is the one killed");
        foreach (var prefix in new[] { "node1> ", "node2> ", "node3> " })
        {
            Assert.That(run.Output, Does.Contain(prefix), "each child's lines are printed with its node in front");
        }

        foreach (var (node, pid) in started)
        {
            Assert.That(IsRunning(pid), Is.False, $"node {node}'s process {pid} is gone after the demo");
        }
    }

    [Test]
    public async Task Unknown_arguments_print_the_usage_and_exit_2()
    {
        var run = await RunDemoAsync(["--no-such-option"]);
        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Errors, Does.Contain("usage: ClusterDemo [--processes]"));
    }

    [Test]
    public async Task A_child_answers_bad_requests_and_a_missing_configuration_with_error_replies_and_exits_when_its_stdin_closes()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"clusterdemo-missing-{Guid.NewGuid():N}", "corosync.conf");
        var run = await RunDemoAsync(["--child", "1", missing, missing + ".key"], "1 start\n2 dance\n3 report\nnonsense\n");

        Assert.That(run.ExitCode, Is.EqualTo(0), $"the child ends cleanly when its stdin closes; errors: {run.Errors}");
        var replies = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.StartsWith("reply ", StringComparison.Ordinal)).ToList();
        Assert.That(replies, Has.Count.EqualTo(4), run.Output);
        Assert.That(replies[0], Does.StartWith("reply 1 error ").And.Contain(missing), "start names the missing corosync.conf");
        Assert.That(replies[1], Is.EqualTo("reply 2 error ArgumentException: unknown request 'dance' with 0 argument(s)"));
        Assert.That(replies[2], Does.StartWith("reply 3 error InvalidOperationException: node 1 is not started"));
        Assert.That(replies[3], Is.EqualTo("reply 0 error malformed request 'nonsense'"));
        Assert.That(run.Errors.Trim(), Is.Empty, "no crash, no stack trace");
    }

    private static void AssertStory(DemoRun run)
    {
        TestContext.Out.WriteLine(run.Output);
        Assert.That(run.ExitCode, Is.EqualTo(0), $"exit code; errors: {run.Errors}");
        Assert.That(run.Elapsed, Is.LessThan(TimeSpan.FromSeconds(60)), "the demo finishes within a minute");
        var output = run.Output;
        Assert.Multiple(() =>
        {
            Assert.That(output, Does.Not.Contain("DEMO FAILED"));
            Assert.That(output, Does.Contain("transport: udpu").And.Contain("rrp_mode: active").And.Contain("secauth: on"), "the generated corosync.conf is shown");

            // Formation and quorum, in Corosync's words.
            Assert.That(output, Does.Match(@"\[TOTEM \] A new membership \(1\.[0-9a-f]+\) was formed\. Members joined: [0-9 ]+ left: "));
            Assert.That(output, Does.Contain("[QUORUM] Members[3]: 1 2 3"));
            Assert.That(output, Does.Contain("[QUORUM] This node is within the primary component and will provide service."));
            Assert.That(output, Does.Contain("$ corosync-quorumtool -s").And.Contain("Quorate:          Yes"));
            Assert.That(output, Does.Contain("ok: a quorate membership of 1 2 3 at every node"));

            // Ordered messages: three phases with all three nodes or two, one digest each.
            Assert.That(output, Does.Contain("ok: 60 \"ordered\" messages delivered at every node"));
            Assert.That(output, Does.Contain("ok: the same sequence (one digest) at every node: one total order"));
            var ordered = Digests(output, "ordered");
            Assert.That(ordered, Has.Count.EqualTo(3));
            Assert.That(ordered.Distinct().Count(), Is.EqualTo(1), "one digest for the three nodes");

            // Node 3 fails: new membership of two, NODEDOWN in the group, quorum kept.
            Assert.That(output, Does.Match(@"A new membership \(1\.[0-9a-f]+\) was formed\. Members joined:  left: 3"));
            Assert.That(output, Does.Contain("[QUORUM] Members[2]: 1 2"));
            Assert.That(output, Does.Match(@"group ""demo"": left 3/\d+ \(reason 3 NODEDOWN\)"));
            Assert.That(output, Does.Contain("ok: quorum kept: 2 of 3 votes, quorum 2"));
            Assert.That(output, Does.Contain("Total votes:      2"));

            // The intruder: a frame sealed with another key fails authentication; a stranger's datagram is refused.
            Assert.That(output, Does.Match(@"node1: dropped .*bad_tag [1-9].*unlisted_source [1-9]"));

            // Ring 0 of node 1 cut, then plugged back.
            Assert.That(output, Does.Contain("Marking ringid 0 interface 127.0.0.1 FAULTY"));
            Assert.That(output, Does.Contain("$ corosync-cfgtool -s           # on node1, exit code 1"));
            Assert.That(output, Does.Contain("status\t= Marking ringid 0 interface 127.0.0.1 FAULTY"));
            Assert.That(output, Does.Match(@"ok: \d+ ""ring-cut"" messages delivered at every node"));
            Assert.That(output, Does.Contain("Automatically recovered ring 0"));
            Assert.That(output, Does.Contain("status\t= ring 0 active with no faults"));

            // Node 3 back: membership of three again, its new member joins the group, messages flow.
            Assert.That(output, Does.Match(@"A new membership \(1\.[0-9a-f]+\) was formed\. Members joined: 3 left: "));
            Assert.That(output, Does.Match(@"group ""demo"": joined 3/\d+ \(reason 1 JOIN\)"));
            Assert.That(output, Does.Contain("ok: 60 \"back\" messages delivered at every node"));
            var back = Digests(output, "back");
            Assert.That(back, Has.Count.EqualTo(3));
            Assert.That(back.Distinct().Count(), Is.EqualTo(1), "one digest for the three nodes");

            Assert.That(output, Does.Match(@"group ""demo"": left 3/\d+ \(reason 2 LEAVE\)"));
            Assert.That(output, Does.Contain("demo finished:"));
        });

        var directory = TempDirectory().Match(output);
        Assert.That(directory.Success, Is.True, "the demo names its temporary directory");
        Assert.That(Directory.Exists(directory.Groups[1].Value), Is.False, "the temporary corosync.conf and authkey are removed");
    }

    /// <summary>The digests printed for one phase, in node order.</summary>
    private static List<string> Digests(string output, string phase)
    {
        var start = output.IndexOf($"\"{phase}\" messages delivered", StringComparison.Ordinal);
        var end = start < 0 ? -1 : output.IndexOf("ok: none lost", start, StringComparison.Ordinal);
        if (end < 0)
        {
            return [];
        }

        var block = output[start..end];
        return [.. DigestLine().Matches(block).Select(m => m.Groups[1].Value)];
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited
                && (process.ProcessName.Contains("dotnet", StringComparison.Ordinal) || process.ProcessName.Contains("ClusterDemo", StringComparison.Ordinal));
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static async Task<DemoRun> RunDemoAsync(string[] args, string? input = null)
    {
        var demo = Path.Combine(AppContext.BaseDirectory, "ClusterDemo.dll");
        Assert.That(File.Exists(demo), Is.True, $"{demo} is built next to the tests");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(demo);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var output = new StringBuilder();
        var errors = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        var clock = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }

        using var limit = new CancellationTokenSource(Limit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"the demo did not finish within {Limit.TotalSeconds} s:\n{output}");
        }

        // Let the asynchronous readers drain the last lines.
        process.WaitForExit();
        lock (output)
        {
            lock (errors)
            {
                return new DemoRun(process.ExitCode, output.ToString(), errors.ToString(), clock.Elapsed);
            }
        }
    }

    [GeneratedRegex(@"node(\d): process (\d+) started")]
    private static partial Regex ProcessStarted();

    [GeneratedRegex(@"node\d: \d+ messages, sequence digest ([0-9a-f]{16})")]
    private static partial Regex DigestLine();

    [GeneratedRegex(@"authkey \(mode 0400\) in (\S+)")]
    private static partial Regex TempDirectory();

    private sealed record DemoRun(int ExitCode, string Output, string Errors, TimeSpan Elapsed);
}
