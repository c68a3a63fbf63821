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
