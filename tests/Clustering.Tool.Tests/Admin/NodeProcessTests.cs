using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Clustering.TestSupport;

namespace Clustering.Tool.Tests.Admin;

/// <summary>
/// Three <c>clusterctl node</c> processes (the built clusterctl.dll under <c>dotnet</c>) on loopback: udpu, secauth
/// on with a keygen'd key, two rings. They form one membership; cfgtool, quorumtool and cpgtool answer at each; a
/// killed node disappears from the others' <c>quorumtool -l</c>; SIGTERM stops a node with exit 0 within seconds, and
/// the last node alone is not quorate (<c>quorumtool -s</c> exits 2). Every process is killed in teardown.
/// </summary>
[CancelAfter(240_000)]
[NonParallelizable]
[Category("Processes")]
public sealed class NodeProcessTests
{
    private readonly List<NodeProcess> _processes = [];
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory()
    {
        _directory = Path.Combine(Path.GetTempPath(), "clustering-proc-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(_directory);
    }

    [TearDown]
    public void KillEverything()
    {
        foreach (var process in _processes)
        {
            process.Dispose();
        }

        _processes.Clear();
        Directory.Delete(_directory, recursive: true);
    }

    [Test]
    public async Task Three_node_processes_answer_the_tools_follow_a_kill_and_stop_on_sigterm()
    {
        var dotnet = RealTools.Require("dotnet");
        var kill = RealTools.Require("kill");
        var clusterctl = Path.Combine(AppContext.BaseDirectory, "clusterctl.dll");
        Assert.That(File.Exists(clusterctl), Is.True, "clusterctl.dll next to the tests");
        var config = Path.Combine(_directory, "corosync.conf");
        var key = Path.Combine(_directory, "authkey");
        await File.WriteAllTextAsync(config, NodeConfig.Udpu(3, NodeConfig.RandomPortBase()));
        Assert.That((await ToolCluster.RunAsync("keygen", "-k", key)).Exit, Is.Zero);

        for (var n = 1; n <= 3; n++)
        {
            _processes.Add(NodeProcess.Start(dotnet, clusterctl, config, key, n, Socket(n)));
        }

        foreach (var process in _processes)
        {
            await process.WaitForLineAsync("[QUORUM] Members[3]: 1 2 3", TimeSpan.FromSeconds(90));
        }

        for (var n = 1; n <= 3; n++)
        {
            var rings = await ToolCluster.RunAsync("cfgtool", "-s", "--admin-socket", Socket(n));
            Assert.That(rings.Exit, Is.Zero, rings.Out + rings.Err);
            Assert.That(rings.Out, Does.StartWith(string.Create(CultureInfo.InvariantCulture, $"Printing ring status.\nLocal node ID {n}\nRING ID 0\n\tid\t= 127.0.0.{n}\n")));
            Assert.That(rings.Out, Does.Contain(string.Create(CultureInfo.InvariantCulture, $"RING ID 1\n\tid\t= 127.0.1.{n}\n\tstatus\t= ring 1 active with no faults\n")));

            var status = await ToolCluster.RunAsync("quorumtool", "-s", "--admin-socket", Socket(n));
            Assert.That(status.Exit, Is.Zero, status.Out + status.Err);
            Assert.That(status.Out, Does.Contain("Nodes:            3\n"));
            Assert.That(status.Out, Does.Contain(string.Create(CultureInfo.InvariantCulture, $"Node ID:          {n}\n")));
            Assert.That(status.Out, Does.Contain("Quorate:          Yes\n"));

            var list = await ToolCluster.RunAsync("quorumtool", "-l", "--admin-socket", Socket(n));
            Assert.That(list.Exit, Is.Zero);
            Assert.That(Members(list.Out), Is.EqualTo(new[] { 1, 2, 3 }));
            Assert.That(list.Out, Does.Contain(string.Create(CultureInfo.InvariantCulture, $"{n,10} {1,10} {n} (local)\n")));

            var groups = await ToolCluster.RunAsync("cpgtool", "--admin-socket", Socket(n));
            Assert.That(groups.Exit, Is.Zero, groups.Err);
            Assert.That(groups.Out, Is.EqualTo("Group Name\t       PID\t   Node ID\n"), "clusterctl node joins no group itself");
        }

        // The real tool's exit code through a real process: quorumtool -s exits 0 while quorate.
        var viaProcess = RealTools.Run(dotnet, $"\"{clusterctl}\" quorumtool -s --admin-socket \"{Socket(1)}\"", TimeSpan.FromSeconds(60));
        Assert.That(viaProcess.ExitCode, Is.Zero, viaProcess.StandardError);

        // Kill node 3 outright: nodes 1 and 2 form a membership without it and stay quorate (2 of 3).
        _processes[2].Kill();
        foreach (var n in new[] { 1, 2 })
        {
            await WaitForMembersAsync(n, [1, 2], TimeSpan.FromSeconds(60));
        }

        Assert.That((await ToolCluster.RunAsync("quorumtool", "-s", "--admin-socket", Socket(1))).Exit, Is.Zero, "2 of 3 votes keep quorum");

        // SIGTERM node 2: it leaves and exits 0 within seconds, removing its socket.
        var term = RealTools.Run(kill, string.Create(CultureInfo.InvariantCulture, $"-TERM {_processes[1].Id}"), TimeSpan.FromSeconds(10));
        Assert.That(term.ExitCode, Is.Zero, term.StandardError);
        var exit = await _processes[1].WaitForExitAsync(TimeSpan.FromSeconds(15));
        Assert.That(exit, Is.Zero, _processes[1].Log);
        Assert.That(_processes[1].Log, Does.Contain("[MAIN  ] Clustering node exiting normally"));
        Assert.That(File.Exists(Socket(2)), Is.False, "a clean stop removes the admin socket");

        // Node 1 alone: 1 vote of 3 is not quorate, and quorumtool -s says so with exit 2.
        await WaitForMembersAsync(1, [1], TimeSpan.FromSeconds(60));
        var alone = await ToolCluster.RunAsync("quorumtool", "-s", "--admin-socket", Socket(1));
        Assert.That(alone.Exit, Is.EqualTo(2), alone.Out);
        Assert.That(alone.Out, Does.Contain("Quorate:          No\n"));
        Assert.That(_processes[0].Log, Does.Contain("[QUORUM] This node is within the non-primary component and will NOT provide any services."));

        // A killed node leaves its socket behind; the tools say they cannot connect, as the real ones do.
        var dead = await ToolCluster.RunAsync("cfgtool", "-s", "--admin-socket", Socket(3));
        Assert.That(dead.Exit, Is.EqualTo(1));
        Assert.That(dead.Err, Does.StartWith("Could not initialize corosync configuration API error 2"));
    }

    /// <summary>
    /// corosync.conf's system section, applied to the whole node process as Corosync applies it: with no section,
    /// round-robin real-time at priority 99 on every thread (as root; otherwise Corosync's refusal warnings and the
    /// process left as it was), and with <c>sched_rr: no</c> the configured nice value on every thread.
    /// </summary>
    [Test]
    public async Task A_node_process_takes_the_files_system_section_as_corosync_does()
    {
        var dotnet = RealTools.Require("dotnet");
        if (!OperatingSystem.IsLinux())
        {
            Assert.Ignore("scheduling is applied on Linux only");
        }

        var clusterctl = Path.Combine(AppContext.BaseDirectory, "clusterctl.dll");
        var key = Path.Combine(_directory, "authkey");
        Assert.That((await ToolCluster.RunAsync("keygen", "-k", key)).Exit, Is.Zero);
        var port = NodeConfig.RandomPortBase();

        // No system section: Corosync's default, sched_rr yes.
        var defaults = Path.Combine(_directory, "defaults.conf");
        await File.WriteAllTextAsync(defaults, NodeConfig.Udpu(1, port));
        var node = NodeProcess.Start(dotnet, clusterctl, defaults, key, 1, Socket(1));
        _processes.Add(node);
        await node.WaitForLineAsync("[QUORUM] Members[1]: 1", TimeSpan.FromSeconds(60));
        await node.WaitForLineAsync(IsRoot() ? "[MAIN  ] Set SCHED_RR at priority 99 for the process" : "[MAIN  ] Could not set priority -20: ", TimeSpan.FromSeconds(30));
        var threads = Threads(node.Id);
        if (IsRoot())
        {
            Assert.That(threads.Select(t => (t.Policy, t.Nice)), Has.All.EqualTo((2, 0)), node.Log);
            Assert.That(threads.Where(t => t.Name == "rings receive").Select(t => t.RtPriority), Is.EqualTo(new[] { 99 }), "the protocol thread at the top");
        }
        else
        {
            Assert.That(node.Log, Does.Contain("[MAIN  ] Could not set SCHED_RR at priority 99: "));
            Assert.That(threads.Select(t => t.Policy), Has.All.Zero);
            Assert.That(node.Log, Does.Contain("[MAIN  ] Could not set priority -20: "), "Corosync's fallback, refused too");
        }

        Assert.That(threads, Has.Count.GreaterThan(1), "every thread, not only the main one");
        node.Kill();

        // sched_rr: no with a priority: that nice value on every thread (raising it needs no privilege).
        var niced = Path.Combine(_directory, "niced.conf");
        await File.WriteAllTextAsync(niced, NodeConfig.Udpu(1, port + 16) + "system {\n    sched_rr: no\n    priority: 7\n}\n");
        node = NodeProcess.Start(dotnet, clusterctl, niced, key, 1, Socket(2));
        _processes.Add(node);
        await node.WaitForLineAsync("[QUORUM] Members[1]: 1", TimeSpan.FromSeconds(60));
        await node.WaitForLineAsync("[MAIN  ] Set priority 7 for the process", TimeSpan.FromSeconds(30));
        Assert.That(Threads(node.Id).Select(t => (t.Policy, t.RtPriority, t.Nice)), Has.All.EqualTo((0, 0, 7)), node.Log);
    }

    /// <summary>Every thread's name, scheduling policy, real-time priority and nice value, from <c>/proc/PID/task/*/stat</c>.</summary>
    private static List<(string Name, int Policy, int RtPriority, int Nice)> Threads(int pid)
    {
        var threads = new List<(string, int, int, int)>();
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(task, "stat"));
            }
            catch (IOException)
            {
                continue; // the thread ended meanwhile
            }

            // Fields after "(comm)": the first is field 3 (state); nice is 19, rt_priority 40, policy 41.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            int Field(int number) => int.Parse(fields[number - 3], CultureInfo.InvariantCulture);
            var name = stat[(stat.IndexOf('(', StringComparison.Ordinal) + 1)..stat.LastIndexOf(')')];
            threads.Add((name, Field(41), Field(40), Field(19)));
        }

        return threads;
    }

    private static bool IsRoot() =>
        File.ReadLines("/proc/self/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[2] == "0";

    private static int[] Members(string list) =>
        [.. list.Split('\n').Skip(4).Where(l => l.Length > 0).Select(l => int.Parse(l.AsSpan(0, 10).Trim(), CultureInfo.InvariantCulture))];

    private async Task WaitForMembersAsync(int node, int[] members, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var last = "";
        while (clock.Elapsed < timeout)
        {
            var list = await ToolCluster.RunAsync("quorumtool", "-l", "--admin-socket", Socket(node));
            last = list.Out + list.Err;
            if (list.Exit == 0 && Members(list.Out).SequenceEqual(members))
            {
                return;
            }

            await Task.Delay(200);
        }

        Assert.Fail($"node {node} did not list members {string.Join(' ', members)} within {timeout}; last: {last}");
    }

    private string Socket(int node) => Path.Combine(_directory, string.Create(CultureInfo.InvariantCulture, $"n{node}.sock"));

    /// <summary>One <c>clusterctl node</c> process whose standard error is collected line by line.</summary>
    private sealed class NodeProcess : IDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _lines = new();

        private NodeProcess(Process process)
        {
            _process = process;
            _process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    _lines.Enqueue(e.Data);
                }
            };
            _process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    _lines.Enqueue("stdout: " + e.Data);
                }
            };
            _process.BeginErrorReadLine();
            _process.BeginOutputReadLine();
        }

        public int Id => _process.Id;

        public string Log => string.Join('\n', _lines);

        public static NodeProcess Start(string dotnet, string clusterctl, string config, string key, int nodeId, string socket)
        {
            var info = new ProcessStartInfo(dotnet)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[] { clusterctl, "node", "-c", config, "-k", key, "--nodeid", nodeId.ToString(CultureInfo.InvariantCulture), "--admin-socket", socket })
            {
                info.ArgumentList.Add(arg);
            }

            return new NodeProcess(Process.Start(info) ?? throw new InvalidOperationException("could not start clusterctl node"));
        }

        public async Task WaitForLineAsync(string text, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (!_lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
            {
                if (_process.HasExited)
                {
                    Assert.Fail($"node process {_process.Id} exited ({_process.ExitCode}) before '{text}':\n{Log}");
                }

                if (clock.Elapsed > timeout)
                {
                    Assert.Fail($"node process {_process.Id} did not log '{text}' within {timeout}:\n{Log}");
                }

                await Task.Delay(50);
            }
        }

        public async Task<int> WaitForExitAsync(TimeSpan timeout)
        {
            using var cancel = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"node process {_process.Id} did not exit within {timeout}:\n{Log}");
            }

            return _process.ExitCode;
        }

        public void Kill()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }

        public void Dispose()
        {
            try
            {
                Kill();
            }
            catch (InvalidOperationException)
            {
                // Never started or already reaped.
            }

            _process.Dispose();
        }
    }
}
