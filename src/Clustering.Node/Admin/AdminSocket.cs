using System.Globalization;

namespace Clustering.Node.Admin;

/// <summary>Where the local admin endpoint's Unix domain socket lives by convention.</summary>
public static class AdminSocket
{
    /// <summary>The longest socket path Linux accepts (<c>sun_path</c> is 108 bytes with its terminating NUL).</summary>
    public const int MaxPathBytes = 107;

    /// <summary>The environment variable that names the user's runtime directory.</summary>
    public const string RuntimeDirectoryVariable = "XDG_RUNTIME_DIR";

    /// <summary>
    /// The directory for admin sockets: <c>$XDG_RUNTIME_DIR/clustering</c> when that variable is set, else
    /// <c>/run/clustering</c> (Corosync keeps its runtime state under <c>/run</c> too).
    /// </summary>
    public static string DefaultDirectory
    {
        get
        {
            var runtime = Environment.GetEnvironmentVariable(RuntimeDirectoryVariable);
            return string.IsNullOrEmpty(runtime) ? "/run/clustering" : Path.Combine(runtime, "clustering");
        }
    }

    /// <summary>The conventional socket of node <paramref name="nodeId"/> of cluster <paramref name="clusterName"/>: <c>DIR/CLUSTER-NODEID.sock</c>.</summary>
    /// <param name="clusterName">The cluster's name; <c>cluster</c> when empty.</param>
    /// <param name="nodeId">The node's id.</param>
    /// <returns>The path in <see cref="DefaultDirectory"/>.</returns>
    public static string DefaultPath(string clusterName, uint nodeId)
    {
        ArgumentNullException.ThrowIfNull(clusterName);
        var name = clusterName.Length == 0 ? "cluster" : string.Concat(clusterName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
        return Path.Combine(DefaultDirectory, string.Create(CultureInfo.InvariantCulture, $"{name}-{nodeId}.sock"));
    }

    /// <summary>
    /// Finds the socket a tool should use when none is given: the only <c>*.sock</c> in <see cref="DefaultDirectory"/>.
    /// </summary>
    /// <returns>The path, or <see langword="null"/> when there is no socket there.</returns>
    /// <exception cref="ClusterAdminException">Several sockets are there (<see cref="AdminErrorCode.Ambiguous"/>): the caller must choose one.</exception>
    public static string? FindDefault()
    {
        var directory = DefaultDirectory;
        if (!Directory.Exists(directory))
        {
            return null;
        }

        var sockets = Directory.GetFiles(directory, "*.sock").Order(StringComparer.Ordinal).ToArray();
        return sockets.Length switch
        {
            0 => null,
            1 => sockets[0],
            _ => throw new ClusterAdminException(AdminErrorCode.Ambiguous,
                $"several nodes run here ({string.Join(", ", sockets.Select(Path.GetFileName))}); choose one with --admin-socket"),
        };
    }
}
