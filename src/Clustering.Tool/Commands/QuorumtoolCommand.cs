using Clustering.Node.Admin;

namespace Clustering.Tool.Commands;

/// <summary>
/// <c>clusterctl quorumtool [-s | -l] [--admin-socket PATH]</c>: <c>corosync-quorumtool</c> against a running node.
/// <c>-s</c> (the default) prints the quorum report and exits 0 when quorate, 2 when not, as the real tool does;
/// <c>-l</c> prints the membership table. A node that cannot be reached prints the real tool's
/// <c>Cannot initialize CMAP service</c> and exits 1.
/// </summary>
internal sealed class QuorumtoolCommand : ICommand
{
    /// <summary>The real tool's line when no node answers.</summary>
    public const string CannotInitialize = "Cannot initialize CMAP service";

    /// <summary>corosync-quorumtool's exit code for a partition that is not quorate.</summary>
    public const int NotQuorate = 2;

    public string Name => "quorumtool";

    public string Synopsis => "[-s | -l] " + AdminSocketOption.Synopsis;

    public string Summary => "quorum status (-s) or membership list (-l) of a running node (like corosync-quorumtool)";

    public async Task<int> RunAsync(CommandLine args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var status = args.Flag("-s");
        var list = args.Flag("-l");
        var path = AdminSocketOption.Read(args);
        args.EnsureConsumed();
        if (status && list)
        {
            throw new CommandLineException("give one of -s (quorum status) or -l (membership list)");
        }

        var client = await AdminSocketOption.ConnectAsync(path, Name, CannotInitialize, stderr, cancellationToken).ConfigureAwait(false);
        if (client is null)
        {
            return ClusterCtl.Failed;
        }

        await using (client.ConfigureAwait(false))
        {
            try
            {
                if (list)
                {
                    var members = await client.GetQuorumListAsync(cancellationToken).ConfigureAwait(false);
                    await stdout.WriteAsync(members.Text).ConfigureAwait(false);
                    return ClusterCtl.Ok;
                }

                var report = await client.GetQuorumStatusAsync(cancellationToken).ConfigureAwait(false);
                await stdout.WriteAsync(report.Text).ConfigureAwait(false);
                return report.Quorate ? ClusterCtl.Ok : NotQuorate;
            }
            catch (ClusterAdminException e)
            {
                await stderr.WriteLineAsync($"Unable to get cluster quorate status: {e.Message}").ConfigureAwait(false);
                return ClusterCtl.Failed;
            }
        }
    }
}
