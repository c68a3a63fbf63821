using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;

namespace Clustering.Tool.Commands.Bench;

/// <summary>
/// The parent side of <c>clusterctl bench</c>: writes the run's files, starts one child per node, waits until every
/// child has the full group membership, gives the start signal (a shared monotonic timestamp), prints a progress
/// line every second on standard error, collects each member's result and always tears the children and files down.
/// </summary>
internal static class BenchRunner
{
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan ReportTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);

    public static async Task<BenchSummary> RunAsync(BenchOptions options, TextWriter progress, CancellationToken cancellationToken)
    {
        using var layout = BenchLayout.Create(options);
        var lines = Channel.CreateUnbounded<(int Index, string? Line)>();
        var children = new List<BenchChildProcess>();
        try
        {
            for (var i = 0; i < options.Nodes; i++)
            {
                children.Add(BenchChildProcess.Start(i, ChildArguments(options, layout, i), lines.Writer));
            }

            await WaitForJoinAsync(options, children, lines.Reader, cancellationToken).ConfigureAwait(false);
            var go = Stopwatch.GetTimestamp();
            foreach (var child in children)
            {
                await child.SendAsync(string.Create(CultureInfo.InvariantCulture, $"GO {go}")).ConfigureAwait(false);
            }

            var results = await CollectAsync(options, children, lines.Reader, progress, go, cancellationToken).ConfigureAwait(false);
            return new BenchSummary(options, results);
        }
        catch (BenchFailedException e)
        {
            // Every node's last words (membership and group changes), not only the one that failed.
            var tails = string.Concat(children.Select(c => string.Create(CultureInfo.InvariantCulture, $"{Environment.NewLine}--- node {c.Index + 1} stderr:{Environment.NewLine}{c.StandardErrorTail}")));
            throw new BenchFailedException(e.Message + tails, e);
        }
        finally
        {
            await Task.WhenAll(children.Select(c => c.DisposeAsync().AsTask())).ConfigureAwait(false);
        }
    }

    private static List<string> ChildArguments(BenchOptions options, BenchLayout layout, int index)
    {
        List<string> args =
        [
            "bench", "--child",
            "--config", layout.ConfigPaths[index],
            "--key", layout.KeyPath,
            "--node-id", (index + 1).ToString(CultureInfo.InvariantCulture),
            "--nodes", options.Nodes.ToString(CultureInfo.InvariantCulture),
            "--senders", options.AllSend ? "all" : "1",
            "--size", options.Size.ToString(CultureInfo.InvariantCulture),
            "--count", options.Count.ToString(CultureInfo.InvariantCulture),
            "--rate", options.Rate.ToString(CultureInfo.InvariantCulture),
            "--transport", options.Transport,
            "--rings", options.Rings.ToString(CultureInfo.InvariantCulture),
            "--secauth", options.SecAuth ? "on" : "off",
            "--accelerated-window", options.AcceleratedWindow.ToString(CultureInfo.InvariantCulture),
        ];
        if (options.AllSend || index == 0)
        {
            args.Add("--send");
        }

        return args;
    }

    private static async Task WaitForJoinAsync(BenchOptions options, List<BenchChildProcess> children, ChannelReader<(int Index, string? Line)> lines, CancellationToken cancellationToken)
    {
        var joined = new bool[options.Nodes];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(JoinTimeout);
        try
        {
            while (joined.Contains(false))
            {
                var (index, line) = await lines.ReadAsync(timeout.Token).ConfigureAwait(false);
                if (line == "JOINED")
                {
                    joined[index] = true;
                }
                else
                {
                    Unexpected(children[index], line);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var missing = string.Join(' ', Enumerable.Range(1, options.Nodes).Where(n => !joined[n - 1]));
            throw new BenchFailedException(string.Create(CultureInfo.InvariantCulture, $"nodes {missing} did not see all {options.Nodes} members in the group within {JoinTimeout.TotalSeconds:0} s"));
        }
    }

    private static async Task<BenchMemberResult[]> CollectAsync(
        BenchOptions options,
        List<BenchChildProcess> children,
        ChannelReader<(int Index, string? Line)> lines,
        TextWriter progress,
        long go,
        CancellationToken cancellationToken)
    {
        var results = new BenchMemberResult?[options.Nodes];
        var received = new long[options.Nodes];
        var sent = new long[options.Nodes];
        var lastTotal = -1L;
        var lastChange = Stopwatch.GetTimestamp();
        var nextProgress = Stopwatch.GetTimestamp();
        long? reportAsked = null;
        while (results.Contains(null))
        {
            using (var tick = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                tick.CancelAfter(TimeSpan.FromMilliseconds(200));
                try
                {
                    while (true)
                    {
                        var (index, line) = await lines.ReadAsync(tick.Token).ConfigureAwait(false);
                        if (line is not null && line.StartsWith("PROGRESS ", StringComparison.Ordinal))
                        {
                            var parts = line.Split(' ');
                            received[index] = long.Parse(parts[1], CultureInfo.InvariantCulture);
                            sent[index] = long.Parse(parts[2], CultureInfo.InvariantCulture);
                        }
                        else if (line is not null && line.StartsWith("RESULT ", StringComparison.Ordinal))
                        {
                            var result = JsonSerializer.Deserialize(line.AsSpan(7), BenchJsonContext.Default.BenchMemberResult)
                                ?? throw new BenchFailedException($"node {index + 1} sent an empty result");
                            results[index] ??= result;
                            received[index] = result.Received;
                        }
                        else
                        {
                            Unexpected(children[index], line);
                        }
                    }
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // The tick: print progress, look for a stall.
                }
            }

            var now = Stopwatch.GetTimestamp();
            var total = received.Sum();
            if (total != lastTotal)
            {
                lastTotal = total;
                lastChange = now;
            }

            if (now >= nextProgress && results.Contains(null))
            {
                nextProgress = now + (long)(ProgressInterval.TotalSeconds * Stopwatch.Frequency);
                await WriteProgressAsync(now, sent.Sum()).ConfigureAwait(false);
            }

            if (reportAsked is null && Stopwatch.GetElapsedTime(lastChange) > options.StallTimeout)
            {
                // No member has received anything for a while: ask everyone still counting for what it has.
                reportAsked = now;
                await progress.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"bench: no progress for {options.StallTimeout.TotalSeconds:0} s, collecting what each member has")).ConfigureAwait(false);
                for (var i = 0; i < children.Count; i++)
                {
                    if (results[i] is null)
                    {
                        await children[i].SendAsync("REPORT").ConfigureAwait(false);
                    }
                }
            }
            else if (reportAsked is { } asked && Stopwatch.GetElapsedTime(asked) > ReportTimeout)
            {
                var silent = string.Join(' ', Enumerable.Range(1, options.Nodes).Where(n => results[n - 1] is null));
                throw new BenchFailedException($"nodes {silent} did not report");
            }
        }

        // The last line, also for a run shorter than one progress tick: every member's final count.
        for (var i = 0; i < results.Length; i++)
        {
            received[i] = results[i]!.Received;
        }

        // Every member has everything only once every message was sent; otherwise the last count the senders gave.
        var sentTotal = received.Min() >= options.ExpectedMessages ? options.ExpectedMessages : sent.Sum();
        await WriteProgressAsync(Stopwatch.GetTimestamp(), sentTotal).ConfigureAwait(false);
        return [.. results.Select(r => r!)];

        Task WriteProgressAsync(long now, long sentTotal)
        {
            var seconds = (double)(now - go) / Stopwatch.Frequency;
            var slowest = received.Min();
            return progress.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"bench: {seconds,5:0.0} s  sent {sentTotal}/{options.ExpectedMessages}  delivered {slowest}/{options.ExpectedMessages} at the slowest member ({(seconds > 0 ? slowest / seconds : 0):0} msgs/s)"));
        }
    }

    private static void Unexpected(BenchChildProcess child, string? line)
    {
        var node = child.Index + 1;
        const string detail = "";
        if (line is null)
        {
            throw new BenchFailedException(string.Create(CultureInfo.InvariantCulture, $"node {node} exited unexpectedly{detail}"));
        }

        if (line.StartsWith("ERROR ", StringComparison.Ordinal))
        {
            throw new BenchFailedException(string.Create(CultureInfo.InvariantCulture, $"node {node}: {line[6..]}{detail}"));
        }

        throw new BenchFailedException(string.Create(CultureInfo.InvariantCulture, $"node {node} said something unexpected: {line}{detail}"));
    }
}
