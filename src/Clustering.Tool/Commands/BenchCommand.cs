using Clustering.Tool.Commands.Bench;

namespace Clustering.Tool.Commands;

/// <summary>
/// <c>clusterctl bench</c>: starts N node processes on loopback (clusterctl re-running itself as
/// <c>bench --child</c>), joins them in one process group, sends COUNT messages of SIZE bytes from one or every
/// node, and reports msgs/s at the slowest member, one-way latency p50 / p99 / max, and lost and out-of-order
/// messages. Exits 1 when any message was lost, duplicated, reordered or damaged, or when the run failed.
/// </summary>
internal sealed class BenchCommand : ICommand
{
    public string Name => "bench";

    public string Synopsis => "[--nodes N] [--senders 1|all] [--size BYTES] [--count N] [--rate MSGS_PER_S] [--transport udp|udpu] [--rings 1|2] [--secauth on|off] [--accelerated-window N] [--max-messages N] [--window-size N] [--sched-rr on|off] [--stall-timeout SECONDS] [--json]";

    public string Summary => "measure message throughput and latency between node processes on loopback";

    public async Task<int> RunAsync(CommandLine args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (args.Flag("--child"))
        {
            return await BenchChild.RunAsync(args, stdout, cancellationToken).ConfigureAwait(false);
        }

        var options = BenchOptions.Parse(args);
        BenchSummary summary;

        // Ctrl+C and SIGTERM cancel the token (clusterctl's entry point turns them into a cancellation), so the
        // children are stopped and the files removed before the command says it was interrupted.
        try
        {
            summary = await BenchRunner.RunAsync(options, stderr, cancellationToken).ConfigureAwait(false);
        }
        catch (BenchFailedException e)
        {
            await stderr.WriteLineAsync($"clusterctl bench: {e.Message}").ConfigureAwait(false);
            return ClusterCtl.Failed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await stderr.WriteLineAsync("clusterctl bench: interrupted; the nodes are stopped").ConfigureAwait(false);
            return ClusterCtl.Failed;
        }

        await stdout.WriteAsync(options.Json ? summary.ToJson() + Environment.NewLine : summary.ToText()).ConfigureAwait(false);
        if (!summary.Clean)
        {
            await stderr.WriteLineAsync($"clusterctl bench: {summary.Lost} lost, {summary.OutOfOrder} out of order, {summary.Corrupt} corrupt: the group did not deliver every message once and in order").ConfigureAwait(false);
            return ClusterCtl.Failed;
        }

        return ClusterCtl.Ok;
    }
}
