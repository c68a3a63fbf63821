using Clustering.Node.Admin;

namespace Clustering.Tool.Commands;

/// <summary>
/// The <c>--admin-socket PATH</c> option shared by cfgtool, quorumtool and cpgtool, and the connection they open:
/// without the option the only socket in <see cref="AdminSocket.DefaultDirectory"/> is used, as a node started with
/// <c>clusterctl node</c> creates it there.
/// </summary>
internal static class AdminSocketOption
{
    /// <summary>The option's synopsis.</summary>
    public const string Synopsis = "[--admin-socket PATH]";

    /// <summary>Reads the option from <paramref name="args"/>.</summary>
    public static string? Read(CommandLine args)
    {
        var path = args.Value("--admin-socket", "-S");
        if (path is { Length: 0 })
        {
            throw new CommandLineException("option --admin-socket needs a path");
        }

        return path;
    }

    /// <summary>
    /// Connects to <paramref name="path"/> or the default socket. On failure writes the real tool's line
    /// (<paramref name="cannotInitialize"/>) and the reason to <paramref name="stderr"/>, and returns <see langword="null"/>.
    /// </summary>
    public static async Task<ClusterAdminClient?> ConnectAsync(string? path, string command, string cannotInitialize, TextWriter stderr, CancellationToken cancellationToken)
    {
        try
        {
            var target = path ?? AdminSocket.FindDefault()
                ?? throw new ClusterAdminException(AdminErrorCode.CannotConnect, $"no node's admin socket in {AdminSocket.DefaultDirectory}; is a node running? (or give --admin-socket)");
            return await ClusterAdminClient.ConnectAsync(target, cancellationToken).ConfigureAwait(false);
        }
        catch (ClusterAdminException e)
        {
            await stderr.WriteLineAsync(cannotInitialize).ConfigureAwait(false);
            await stderr.WriteLineAsync($"clusterctl {command}: {e.Message}").ConfigureAwait(false);
            return null;
        }
    }
}
