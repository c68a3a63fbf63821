using Clustering.Transport.Configuration;

namespace Clustering.Tool.Commands;

/// <summary>
/// <c>clusterctl config [-c FILE]</c>: loads a <c>corosync.conf</c> (default <c>/etc/corosync/corosync.conf</c>) and prints
/// the effective configuration, every default filled in, in the same syntax; warnings go to standard error.
/// A file that cannot be used prints <c>FILE:LINE:COL: message</c> and exits 1.
/// </summary>
internal sealed class ConfigCommand : ICommand
{
    public string Name => "config";

    public string Synopsis => "[-c FILE]";

    public string Summary => "print the effective corosync.conf (defaults filled in) or its errors";

    public async Task<int> RunAsync(CommandLine args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var path = args.Value("-c", "--config") ?? CorosyncConfiguration.DefaultPath;
        args.EnsureConsumed();
        if (path.Length == 0)
        {
            throw new CommandLineException("option -c needs a file name");
        }

        CorosyncConfiguration configuration;
        try
        {
            configuration = await CorosyncConfiguration.LoadAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (ConfigurationException e)
        {
            await stderr.WriteLineAsync(e.Message).ConfigureAwait(false);
            return ClusterCtl.Failed;
        }

        foreach (var warning in configuration.Warnings)
        {
            await stderr.WriteLineAsync(warning.ToString()).ConfigureAwait(false);
        }

        await stdout.WriteAsync(configuration.ToConfigText()).ConfigureAwait(false);
        return ClusterCtl.Ok;
    }
}
