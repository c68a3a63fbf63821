using System.Text.RegularExpressions;
using Clustering.Tool.Commands;
using Clustering.Tool.Logging;
using Microsoft.Extensions.Logging;

namespace Clustering.Tool.Tests.Admin;

/// <summary>
/// <c>clusterctl node</c> in process: it runs a node that logs in Corosync's console shape, serves its admin socket,
/// stops cleanly (exit 0) when its token fires, and exits 8 on an unusable configuration or authkey.
/// </summary>
[CancelAfter(90_000)]
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class NodeCommandTests
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory()
    {
        _directory = Path.Combine(Path.GetTempPath(), "clustering-nodecmd-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(_directory);
    }

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public async Task Node_runs_serves_its_admin_socket_logs_like_corosync_and_stops_with_exit_0()
    {
        var config = Path.Combine(_directory, "corosync.conf");
        var key = Path.Combine(_directory, "authkey");
        var socket = Path.Combine(_directory, "n1.sock");
        await File.WriteAllTextAsync(config, NodeConfig.Udpu(1, NodeConfig.RandomPortBase()));
        Assert.That((await ToolCluster.RunAsync("keygen", "-k", key)).Exit, Is.Zero);

        using var stop = new CancellationTokenSource();
        var stdout = new StringWriter();
        var stderr = new SynchronizedStringWriter();
        var run = ClusterCtl.RunAsync(["node", "-c", config, "-k", key, "--nodeid", "1", "--admin-socket", socket], stdout, stderr, stop.Token);
        try
        {
            await ToolCluster.WaitAsync(() => stderr.Text.Contains("primary component", StringComparison.Ordinal) || run.IsCompleted, "the node alone becomes quorate", 60);
            Assert.That(run.IsCompleted, Is.False, stderr.Text);
            var status = await ToolCluster.RunAsync("quorumtool", "-s", "--admin-socket", socket);
            Assert.That(status.Exit, Is.Zero, "one node of one is quorate");
            Assert.That(File.GetUnixFileMode(socket), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        }
        finally
        {
            await stop.CancelAsync();
        }

        var exit = await run.WaitAsync(TimeSpan.FromSeconds(30));
        var log = stderr.Text;
        Assert.That(exit, Is.Zero, log);
        Assert.That(stdout.ToString(), Is.Empty, "logs go to standard error");
        Assert.That(log, Does.Match(@"\[TOTEM \] A new membership \(1\.[0-9a-f]+\) was formed\. Members joined:"));
        Assert.That(log, Does.Contain("notice  [QUORUM] Members[1]: 1"));
        Assert.That(log, Does.Contain("notice  [QUORUM] This node is within the primary component and will provide service."));
        Assert.That(log, Does.Contain("notice  [MAIN  ] Clustering node exiting normally"));
        foreach (var line in log.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.That(LinePattern().IsMatch(line), Is.True, $"a line in Corosync's shape: {line}");
        }

        Assert.That(File.Exists(socket), Is.False, "the socket is removed on a clean stop");
    }

    [Test]
    public async Task Unreadable_configuration_exits_8()
    {
        var (exit, _, err) = await ToolCluster.RunAsync("node", "-c", Path.Combine(_directory, "missing.conf"));
        Assert.That(exit, Is.EqualTo(NodeCommand.BadConfiguration));
        Assert.That(err, Does.StartWith("clusterctl node: configuration cannot be used: "));
        Assert.That(err, Does.Contain("missing.conf"));
    }

    [Test]
    public async Task Invalid_configuration_exits_8()
    {
        var config = Path.Combine(_directory, "corosync.conf");
        await File.WriteAllTextAsync(config, "totem {\n    version: 2\n    transport: udpu\n}\n");
        var (exit, _, err) = await ToolCluster.RunAsync("node", "-c", config, "--nodeid", "1");
        Assert.That(exit, Is.EqualTo(NodeCommand.BadConfiguration));
        Assert.That(err, Does.StartWith($"clusterctl node: configuration cannot be used: {config}:"), "the file and place of the problem");
    }

    [Test]
    public async Task Missing_authkey_with_secauth_exits_8()
    {
        var config = Path.Combine(_directory, "corosync.conf");
        await File.WriteAllTextAsync(config, NodeConfig.Udpu(3, NodeConfig.RandomPortBase()));
        var (exit, _, err) = await ToolCluster.RunAsync("node", "-c", config, "-k", Path.Combine(_directory, "no-key"), "--nodeid", "2");
        Assert.That(exit, Is.EqualTo(NodeCommand.BadConfiguration));
        Assert.That(err, Does.StartWith("clusterctl node: authkey cannot be used: "));
    }

    [Test]
    public async Task Node_id_not_in_the_nodelist_exits_8()
    {
        var config = Path.Combine(_directory, "corosync.conf");
        await File.WriteAllTextAsync(config, NodeConfig.Udpu(3, NodeConfig.RandomPortBase(), secauth: false));
        var (exit, _, err) = await ToolCluster.RunAsync("node", "-c", config, "--nodeid", "9");
        Assert.That(exit, Is.EqualTo(NodeCommand.BadConfiguration));
        Assert.That(err, Does.Contain("node 9 is not in the nodelist"));
    }

    [TestCase("node", "--frobnicate")]
    [TestCase("node", "--nodeid", "zero")]
    [TestCase("node", "--admin-socket", "/tmp/x.sock", "--no-admin")]
    public async Task Bad_node_command_lines_exit_2(params string[] args)
    {
        var (exit, _, err) = await ToolCluster.RunAsync(args);
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(err, Does.Contain("usage: clusterctl node"));
    }

    [TestCase("Clustering.Node.ClusterNode", 4001, "TOTEM")]
    [TestCase("Clustering.Node.ClusterNode", 4002, "QUORUM")]
    [TestCase("Clustering.Node.ClusterNode", 4003, "QUORUM")]
    [TestCase("Clustering.Node.ClusterNode", 4009, "CPG")]
    [TestCase("Clustering.Node.ClusterNode", 4000, "MAIN")]
    [TestCase("Clustering.Membership.Totem.TotemRing", 4100, "TOTEM")]
    [TestCase("Clustering.Transport.Redundancy.RingSet", 1000, "TOTEM")]
    [TestCase("Clustering.Node.Admin.AdminEndpoint", 4200, "IPC")]
    [TestCase("Clustering.Tool.Node", 9000, "MAIN")]
    public void Subsystem_tags_follow_corosync(string category, int eventId, string subsystem) =>
        Assert.That(CorosyncConsoleLoggerProvider.Subsystem(category, new EventId(eventId)), Is.EqualTo(subsystem));

    [Test]
    public void Console_line_has_corosync_shape()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 5, 7, 123, TimeSpan.Zero));
        time.SetLocalTimeZone(TimeZoneInfo.Utc);
        using var writer = new StringWriter();
        using var provider = new CorosyncConsoleLoggerProvider(writer, LogLevel.Information, time);
        var logger = provider.CreateLogger("Clustering.Node.ClusterNode");
        logger.Log(LogLevel.Information, new EventId(4002), "Members[3]: 1 2 3", null, (s, _) => s);
        logger.Log(LogLevel.Debug, new EventId(4008), "hidden", null, (s, _) => s);
        logger.Log(LogLevel.Warning, new EventId(4004), "Quorum lost", null, (s, _) => s);
        Assert.That(writer.ToString(), Is.EqualTo(
            $"Dec 01 09:05:07.123 notice  [QUORUM] Members[3]: 1 2 3{Environment.NewLine}" +
            $"Dec 01 09:05:07.123 warning [QUORUM] Quorum lost{Environment.NewLine}"));
    }

    [GeneratedRegex(@"^[A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2}\.\d{3} (debug  |notice |warning|error  |crit   ) \[[A-Z ]{6}\] \S")]
    private static partial Regex LinePattern();

    /// <summary>A string writer several threads may write to while the test reads it.</summary>
    private sealed class SynchronizedStringWriter : StringWriter
    {
        private readonly Lock _gate = new();

        public string Text
        {
            get
            {
                lock (_gate)
                {
                    return ToString();
                }
            }
        }

        public override void Write(char value)
        {
            lock (_gate)
            {
                base.Write(value);
            }
        }

        public override void Write(string? value)
        {
            lock (_gate)
            {
                base.Write(value);
            }
        }

        public override void WriteLine(string? value)
        {
            lock (_gate)
            {
                base.WriteLine(value);
            }
        }
    }
}
