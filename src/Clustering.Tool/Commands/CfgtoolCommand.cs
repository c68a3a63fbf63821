using Clustering.Node.Admin;

namespace Clustering.Tool.Commands;

/// <summary>
/// <c>clusterctl cfgtool -s | -r [--admin-socket PATH]</c>: <c>corosync-cfgtool</c> against a running node.
/// <c>-s</c> prints the ring status as Corosync 2's tool does and exits 1 while a ring is FAULTY; <c>-r</c>
/// re-enables the faulty rings. A node that cannot be reached prints the real tool's
/// <c>Could not initialize corosync configuration API error 2</c> and exits 1.
/// </summary>
internal sealed class CfgtoolCommand : ICommand
{
    /// <summary>The real tool's line when no node answers (CS_ERR_LIBRARY is 2).</summary>
    public const string CannotInitialize = "Could not initialize corosync configuration API error 2";

    public string Name => "cfgtool";

    public string Synopsis => "-s | -r " + AdminSocketOption.Synopsis;

    public string Summary => "ring status (-s) or re-enable faulty rings (-r) of a running node (like corosync-cfgtool)";

    private const string UsageText =
        "clusterctl cfgtool [-s | -r] [--admin-socket PATH]\n\n" +
        "A tool for displaying and configuring active parameters of a running node.\n" +
        "options:\n" +
        "\t-s\tDisplays the status of the current rings on this node.\n" +
        "\t-r\tReset redundant ring state cluster wide after a fault, to re-enable redundant ring operation.\n" +
        "\t--admin-socket\tThe node's admin socket (default: the only one in the default directory).\n";

    public async Task<int> RunAsync(CommandLine args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var status = args.Flag("-s");
        var reenable = args.Flag("-r");
        var path = AdminSocketOption.Read(args);
        args.EnsureConsumed();
        if (status && reenable)
        {
            throw new CommandLineException("give one of -s (ring status) or -r (re-enable faulty rings)");
        }

        if (!status && !reenable)
        {
            // As corosync-cfgtool: without an action it prints its usage and succeeds.
            await stdout.WriteAsync(UsageText).ConfigureAwait(false);
            return ClusterCtl.Ok;
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
                if (reenable)
                {
                    await client.ReenableRingsAsync(cancellationToken).ConfigureAwait(false);
                    await stdout.WriteLineAsync("Re-enabling all failed rings.").ConfigureAwait(false);
                    return ClusterCtl.Ok;
                }

                var rings = await client.GetRingStatusAsync(cancellationToken).ConfigureAwait(false);
                await stdout.WriteAsync(rings.ToCfgtoolText()).ConfigureAwait(false);
                return rings.CfgtoolExitCode;
            }
            catch (ClusterAdminException e)
            {
                await stderr.WriteLineAsync(reenable ? $"Could not re-enable ring error {(int)e.Code}" : $"Could not get the ring status, the error is: {(int)e.Code}").ConfigureAwait(false);
                await stderr.WriteLineAsync($"clusterctl cfgtool: {e.Message}").ConfigureAwait(false);
                return ClusterCtl.Failed;
            }
        }
    }
}
