using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Clustering.Membership.Groups;
using Clustering.Tool.Commands;
using Clustering.Tool.Commands.Bench;
using Clustering.Transport.Configuration;

namespace Clustering.Tool.Tests;

/// <summary>
/// <c>clusterctl bench</c>: its command line and usage errors (exit 2), the receive-side checks that make lost and
/// out-of-order counts trustworthy, the latency histogram, the report shapes, and one real 3-node run whose
/// <c>--json</c> object is parsed field by field.
/// </summary>
public sealed class BenchCommandTests
{
    private static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await ClusterCtl.RunAsync(args, stdout, stderr, CancellationToken.None);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [TestCase("--senders", "2", "--senders takes 1 or all")]
    [TestCase("--size", "8", "--size needs an integer from 16")]
    [TestCase("--nodes", "1", "--nodes needs an integer from 2")]
    [TestCase("--count", "0", "--count needs an integer from 1")]
    [TestCase("--rate", "-5", "--rate needs an integer from 0")]
    [TestCase("--transport", "knet", "--transport takes udp or udpu")]
    [TestCase("--rings", "3", "--rings needs an integer from 1 to 2")]
    [TestCase("--secauth", "maybe", "--secauth takes on or off")]
    [TestCase("--accelerated-window", "-1", "--accelerated-window needs an integer from 0")]
    [TestCase("--max-messages", "0", "--max-messages needs an integer from 1")]
    [TestCase("--window-size", "x", "--window-size needs an integer from 1")]
    [TestCase("--sched-rr", "maybe", "--sched-rr takes on or off")]
    [TestCase("--frobnicate", "1", "unknown option '--frobnicate'")]
    public async Task A_bad_option_is_a_usage_error_that_exits_2(string option, string value, string message)
    {
        var (exit, output, err) = await RunAsync("bench", option, value);
        Assert.That(exit, Is.EqualTo(ClusterCtl.Usage));
        Assert.That(output, Is.Empty);
        Assert.That(err, Does.Contain(message));
        Assert.That(err, Does.Contain("usage: clusterctl bench [--nodes N]"));
    }

    [Test]
    public async Task An_option_without_its_value_is_a_usage_error()
    {
        var (exit, _, err) = await RunAsync("bench", "--count");
        Assert.That(exit, Is.EqualTo(ClusterCtl.Usage));
        Assert.That(err, Does.Contain("option --count needs a value"));
    }

    [Test]
    public void Options_have_the_documented_defaults_and_read_every_flag()
    {
        var defaults = BenchOptions.Parse(new CommandLine([]));
        Assert.That((defaults.Nodes, defaults.Senders, defaults.Size, defaults.Count, defaults.Rate, defaults.Transport, defaults.Rings, defaults.SecAuth, defaults.Json),
            Is.EqualTo((3, 1, 64, 10_000, 0, "udpu", 1, true, false)));

        var all = BenchOptions.Parse(new CommandLine(["--nodes", "5", "--senders", "all", "--size=1024", "--count", "300", "--rate", "200", "--transport", "udp", "--rings", "2", "--secauth", "off", "--json"]));
        Assert.That((all.Nodes, all.Senders, all.Size, all.Count, all.Rate, all.Transport, all.Rings, all.SecAuth, all.Json),
            Is.EqualTo((5, 5, 1024, 300, 200, "udp", 2, false, true)));
        Assert.That(all.ExpectedMessages, Is.EqualTo(1500), "every member expects count x senders");
        Assert.That(all.Describe(), Is.EqualTo("5 nodes (udp, 2 rings active, secauth off), 5 senders x 300 messages of 1024 bytes, rate 200 msgs/s per sender"));
        Assert.That(defaults.AcceleratedWindow, Is.EqualTo(17), "the nodes' default: an accelerated ring");
        Assert.That(BenchOptions.Parse(new CommandLine(["--accelerated-window", "0"])).AcceleratedWindow, Is.Zero, "Corosync's order");
        Assert.That((defaults.MaxMessages, defaults.WindowSize, defaults.EffectiveMaxMessages, defaults.EffectiveWindowSize), Is.EqualTo(((int?)null, (int?)null, 17, 50)), "Corosync's defaults");
        var tuned = BenchOptions.Parse(new CommandLine(["--max-messages", "50", "--window-size", "100"]));
        Assert.That((tuned.EffectiveMaxMessages, tuned.EffectiveWindowSize), Is.EqualTo((50, 100)));
        Assert.That(defaults.SchedRr, Is.True, "Corosync's default, sched_rr: yes");
        Assert.That(BenchOptions.Parse(new CommandLine(["--sched-rr", "off"])).SchedRr, Is.False);
    }

    [TestCase(true)]
    [TestCase(false)]
    public void The_nodes_configurations_carry_sched_rr_as_asked(bool schedRr)
    {
        foreach (var transport in new[] { "udp", "udpu" })
        {
            using var layout = BenchLayout.Create(new BenchOptions { Transport = transport, SchedRr = schedRr });
            foreach (var path in layout.ConfigPaths)
            {
                var config = CorosyncConfiguration.Parse(File.ReadAllText(path));
                Assert.That((config.System.SchedRr, config.System.Priority), Is.EqualTo((schedRr, (int?)null)), transport);
                Assert.That(config.Warnings, Is.Empty, transport);
            }
        }
    }

    [TestCase(null, null)]
    [TestCase(50, 100)]
    public void The_nodes_configurations_carry_max_messages_and_window_size_only_when_named(int? maxMessages, int? windowSize)
    {
        foreach (var transport in new[] { "udp", "udpu" })
        {
            using var layout = BenchLayout.Create(new BenchOptions { Transport = transport, Rings = 2, MaxMessages = maxMessages, WindowSize = windowSize });
            foreach (var path in layout.ConfigPaths)
            {
                var text = File.ReadAllText(path);
                Assert.That(text.Contains("max_messages", StringComparison.Ordinal), Is.EqualTo(maxMessages is not null), $"{transport}: {text}");
                var timings = CorosyncConfiguration.Parse(text).Totem.Timings;
                Assert.That((timings.MaxMessages, timings.WindowSize), Is.EqualTo((maxMessages ?? 17, windowSize ?? 50)), transport);
            }
        }
    }

    [Test]
    public void The_receiver_counts_gaps_as_lost_and_reordered_or_repeated_messages_as_out_of_order()
    {
        var options = new BenchOptions { Count = 5, Size = 16 };
        var stats = new ReceiveStats(options, 2);
        var sender = new GroupMember(1, 7);
        var start = Stopwatch.GetTimestamp();
        stats.Start(start);
        foreach (var seq in new long[] { 0, 2, 1, 2 })
        {
            stats.Record(Message(sender, seq, start, 16), start + Stopwatch.Frequency);
        }

        stats.Record(Message(sender, 3, start, 20), start + Stopwatch.Frequency); // wrong size
        var result = stats.Snapshot();
        Assert.That(result.Node, Is.EqualTo(2u));
        Assert.That(result.Received, Is.EqualTo(4));
        Assert.That(result.Lost, Is.EqualTo(2), "3 and 4 never arrived intact (the duplicate 2 does not make up for them)");
        Assert.That(result.OutOfOrder, Is.EqualTo(3), "2 before 1, then 1 behind 2, then 2 again");
        Assert.That(result.Corrupt, Is.EqualTo(1));
        Assert.That(result.Seconds, Is.EqualTo(1.0).Within(1e-6));
        Assert.That(result.LatencyMaxMicros, Is.EqualTo(1_000_000).Within(10_000));
        Assert.That(stats.Complete, Is.False);
    }

    [Test]
    public void In_order_messages_from_two_senders_are_clean_and_complete()
    {
        var options = new BenchOptions { Count = 3, Size = 32, AllSend = true, Nodes = 2 };
        var stats = new ReceiveStats(options, 1);
        var start = Stopwatch.GetTimestamp();
        stats.Start(start);
        for (var seq = 0; seq < 3; seq++)
        {
            stats.Record(Message(new GroupMember(1, 1), seq, start, 32), start + 10);
            stats.Record(Message(new GroupMember(2, 1), seq, start, 32), start + 20);
        }

        var result = stats.Snapshot();
        Assert.That((result.Received, result.Lost, result.OutOfOrder, result.Corrupt), Is.EqualTo((6L, 0L, 0L, 0L)));
        Assert.That(stats.Complete, Is.True);
    }

    [Test]
    public void The_latency_histogram_is_exact_below_256_microseconds_and_within_one_percent_above()
    {
        var histogram = new LatencyHistogram();
        for (var v = 1; v <= 100; v++)
        {
            histogram.Record(v);
        }

        Assert.That(histogram.Percentile(0.50), Is.EqualTo(50));
        Assert.That(histogram.Percentile(0.99), Is.EqualTo(99));
        Assert.That(histogram.Max, Is.EqualTo(100));

        foreach (var value in new long[] { 256, 257, 1_000, 12_345, 999_999, 123_456_789 })
        {
            var (low, width) = LatencyHistogram.BucketRange(LatencyHistogram.IndexOf(value));
            Assert.That(value, Is.InRange(low, low + width - 1), $"{value} lies in its bucket");
            Assert.That((double)width / value, Is.LessThan(0.01), $"bucket of {value} is narrow");
        }

        var merged = new LatencyHistogram();
        merged.Merge(histogram.ToPairs(), histogram.Max);
        merged.Merge(histogram.ToPairs(), histogram.Max);
        Assert.That(merged.Count, Is.EqualTo(200));
        Assert.That(merged.Percentile(0.50), Is.EqualTo(50));
        Assert.Throws<FormatException>(() => merged.Merge([[-1, 3]], 0));
    }

    [Test]
    public void The_human_report_has_a_line_per_member_and_the_totals()
    {
        var options = new BenchOptions { Nodes = 2, Count = 1000 };
        var summary = new BenchSummary(options, [Member(1, 1000, 0.5, 200), Member(2, 1000, 0.25, 400)]);
        var lines = summary.ToText().Split('\n');
        Assert.That(lines[0], Is.EqualTo("clusterctl bench: 2 nodes (udpu, 1 ring, secauth on), 1 sender x 1000 messages of 64 bytes, rate unlimited"));
        Assert.That(lines[2], Does.Match(@"^\s+node\s+received\s+lost\s+out_of_order\s+msgs/s\s+p50 ms\s+p99 ms\s+max ms$"));
        Assert.That(lines[3], Does.Match(@"^\s+1\s+1000\s+0\s+0\s+2000\.0\s+0\.200\s+0\.200\s+0\.200$"));
        Assert.That(lines[4], Does.Match(@"^\s+2\s+1000\s+0\s+0\s+4000\.0\s+0\.400\s+0\.400\s+0\.400$"));
        Assert.That(lines, Does.Contain("msgs/s:        2000.0 (slowest member)"));
        Assert.That(lines, Does.Contain("latency:       p50 0.200 ms, p99 0.400 ms, max 0.400 ms (one-way, all members)"));
        Assert.That(lines, Does.Contain("cpu:           300 ms in 2 node processes, 300.0 us per message"));
        Assert.That(lines, Does.Contain("lost:          0"));
        Assert.That(lines, Does.Contain("out_of_order:  0"));
        Assert.That(summary.Clean, Is.True);

        var lossy = new BenchSummary(options, [Member(1, 1000, 0.5, 200) with { Lost = 3 }]);
        Assert.That(lossy.Clean, Is.False);
        Assert.That(lossy.Lost, Is.EqualTo(3));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task A_real_three_node_udpu_run_delivers_every_message_in_order_and_reports_json()
    {
        var (exit, output, err) = await RunAsync("bench", "--nodes", "3", "--count", "2000", "--size", "64", "--transport", "udpu", "--json");
        Assert.That(exit, Is.Zero, err);
        Assert.That(err, Does.Contain("bench: "), "a progress line on stderr");
        Assert.That(err, Does.Contain("sent 2000/2000  delivered 2000/2000 at the slowest member"), "the last progress line, even for a run shorter than a tick");
        Assert.That(output.TrimEnd().Split('\n'), Has.Length.EqualTo(1), "exactly one JSON object");

        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        foreach (var (name, kind) in new[]
        {
            ("nodes", JsonValueKind.Number), ("senders", JsonValueKind.Number), ("size", JsonValueKind.Number),
            ("messages", JsonValueKind.Number), ("msgs_per_s", JsonValueKind.Number), ("p50_ms", JsonValueKind.Number),
            ("p99_ms", JsonValueKind.Number), ("max_ms", JsonValueKind.Number), ("lost", JsonValueKind.Number),
            ("out_of_order", JsonValueKind.Number), ("members", JsonValueKind.Array), ("cpu_ms", JsonValueKind.Number),
            ("cpu_us_per_msg", JsonValueKind.Number),
        })
        {
            Assert.That(root.TryGetProperty(name, out var value), Is.True, $"field {name}");
            Assert.That(value.ValueKind, Is.EqualTo(kind), $"type of {name}");
        }

        Assert.That(root.GetProperty("nodes").GetInt32(), Is.EqualTo(3));
        Assert.That(root.GetProperty("senders").GetInt32(), Is.EqualTo(1));
        Assert.That(root.GetProperty("size").GetInt32(), Is.EqualTo(64));
        Assert.That(root.GetProperty("accelerated_window").GetInt32(), Is.EqualTo(17));
        Assert.That((root.GetProperty("max_messages").GetInt32(), root.GetProperty("window_size").GetInt32()), Is.EqualTo((17, 50)), "Corosync's defaults");
        Assert.That(root.GetProperty("messages").GetInt64(), Is.EqualTo(2000), "count x senders");
        Assert.That(root.GetProperty("lost").GetInt64(), Is.Zero);
        Assert.That(root.GetProperty("out_of_order").GetInt64(), Is.Zero);
        Assert.That(root.GetProperty("msgs_per_s").GetDouble(), Is.GreaterThan(0));
        var p50 = root.GetProperty("p50_ms").GetDouble();
        var p99 = root.GetProperty("p99_ms").GetDouble();
        var max = root.GetProperty("max_ms").GetDouble();
        Assert.That(p50, Is.GreaterThan(0).And.LessThanOrEqualTo(p99));
        Assert.That(p99, Is.LessThanOrEqualTo(max));
        var members = root.GetProperty("members").EnumerateArray().ToList();
        Assert.That(members.Select(m => m.GetProperty("node").GetUInt32()), Is.EqualTo(new[] { 1u, 2u, 3u }));
        Assert.That(members.Select(m => m.GetProperty("received").GetInt64()), Is.All.EqualTo(2000));

        // sched_rr: yes by default, applied by each node process to itself as clusterctl node does; refused unless root.
        Assert.That(root.GetProperty("sched_rr").GetBoolean(), Is.True);
        var root0 = File.ReadLines("/proc/self/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[2] == "0";
        Assert.That(members.Select(m => m.GetProperty("scheduling").GetString()), Is.All.EqualTo(root0 ? "SCHED_RR 99" : "default"));

        // Every node process spent CPU on the run; the total and the cost per message follow from the members'.
        var cpu = members.Select(m => m.GetProperty("cpu_ms").GetDouble()).ToList();
        Assert.That(cpu, Is.All.GreaterThan(0));
        Assert.That(root.GetProperty("cpu_ms").GetDouble(), Is.EqualTo(cpu.Sum()).Within(0.5));
        Assert.That(root.GetProperty("cpu_us_per_msg").GetDouble(), Is.EqualTo(cpu.Sum() * 1000 / 2000).Within(0.5));
    }

    [Test]
    [CancelAfter(90_000)]
    public async Task Sigterm_stops_every_node_process_and_removes_the_run_directory()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Ignore("reads /proc to find the node processes");
        }

        var before = RunDirectories();
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "clusterctl"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "bench", "--count", "10000000", "--rate", "1000" })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = new StringBuilder();
        while (await process.StandardError.ReadLineAsync() is { } line)
        {
            stderr.AppendLine(line);
            if (line.StartsWith("bench: ", StringComparison.Ordinal) && line.Contains(" sent ", StringComparison.Ordinal))
            {
                break; // the nodes run and the sender sends
            }
        }

        var directory = RunDirectories().Except(before).Single();
        Assert.That(ProcessesMentioning(directory), Has.Count.EqualTo(3), "three node processes run from the run directory");

        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        stderr.Append(await process.StandardError.ReadToEndAsync());
        await process.WaitForExitAsync();
        await stdout;
        Assert.That(process.ExitCode, Is.EqualTo(ClusterCtl.Failed));
        Assert.That(stderr.ToString(), Does.Contain("clusterctl bench: interrupted; the nodes are stopped"));
        Assert.That(Directory.Exists(directory), Is.False, "the run directory is removed");
        Assert.That(ProcessesMentioning(directory), Is.Empty, "no node process is left");
    }

    private static HashSet<string> RunDirectories() => [.. Directory.GetDirectories(Path.GetTempPath(), "clusterctl-bench-*")];

    private static List<int> ProcessesMentioning(string text)
    {
        var found = new List<int>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(text, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return found;
    }

    private static GroupMessage Message(GroupMember sender, long seq, long sent, int size)
    {
        var payload = new byte[size];
        BinaryPrimitives.WriteInt64LittleEndian(payload, seq);
        BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(8), sent);
        return new GroupMessage(BenchChild.GroupName, sender, payload);
    }

    private static BenchMemberResult Member(uint node, long received, double seconds, long latencyMicros) => new()
    {
        Node = node,
        Received = received,
        Seconds = seconds,
        CpuMilliseconds = 150,
        LatencyMaxMicros = latencyMicros,
        Latency = [[LatencyHistogram.IndexOf(latencyMicros), received]],
    };
}
