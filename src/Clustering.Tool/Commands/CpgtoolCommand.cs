using System.Globalization;
using System.Text;
using Clustering.Membership.Groups;
using Clustering.Node.Admin;

namespace Clustering.Tool.Commands;

/// <summary>
/// <c>clusterctl cpgtool [-n] [-d DELIMITER] [-e] [--admin-socket PATH]</c>: <c>corosync-cpgtool</c> against a running
/// node: every process group with its members (member id, node id and the node's addresses), or with <c>-n</c> the
/// group names alone; <c>-d</c> prints delimited fields instead of the table; unprintable bytes of group names are
/// escaped unless <c>-e</c>. A node that cannot be reached prints the real tool's
/// <c>Could not initialize corosync cpg API error 2</c> and exits 1.
/// </summary>
internal sealed class CpgtoolCommand : ICommand
{
    /// <summary>The real tool's line when no node answers (CS_ERR_LIBRARY is 2).</summary>
    public const string CannotInitialize = "Could not initialize corosync cpg API error 2";

    public string Name => "cpgtool";

    public string Synopsis => "[-n] [-d DELIMITER] [-e] " + AdminSocketOption.Synopsis;

    public string Summary => "process groups and their members on a running node (like corosync-cpgtool)";

    public async Task<int> RunAsync(CommandLine args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var namesOnly = args.Flag("-n");
        var noEscape = args.Flag("-e");
        var delimiterText = args.Value("-d");
        var path = AdminSocketOption.Read(args);
        args.EnsureConsumed();
        char? delimiter = string.IsNullOrEmpty(delimiterText) ? null : delimiterText[0];

        var client = await AdminSocketOption.ConnectAsync(path, Name, CannotInitialize, stderr, cancellationToken).ConfigureAwait(false);
        if (client is null)
        {
            return ClusterCtl.Failed;
        }

        await using (client.ConfigureAwait(false))
        {
            try
            {
                var groups = await client.GetGroupsAsync(cancellationToken).ConfigureAwait(false);
                var text = namesOnly
                    ? Names(groups.Keys, delimiter, !noEscape)
                    : Table(groups, (await client.GetNodeInfoAsync(cancellationToken).ConfigureAwait(false)).Nodes, delimiter, !noEscape);
                await stdout.WriteAsync(text).ConfigureAwait(false);
                return ClusterCtl.Ok;
            }
            catch (ClusterAdminException e)
            {
                await stderr.WriteLineAsync($"Cannot initialize cpg iterator error {(int)e.Code}").ConfigureAwait(false);
                await stderr.WriteLineAsync($"clusterctl cpgtool: {e.Message}").ConfigureAwait(false);
                return ClusterCtl.Failed;
            }
        }
    }

    /// <summary>The <c>-n</c> output: one name a line, or the names joined by the delimiter on one line.</summary>
    internal static string Names(IEnumerable<string> names, char? delimiter, bool escape)
    {
        var text = new StringBuilder();
        foreach (var name in names)
        {
            text.Append(Escape(name, escape)).Append(delimiter ?? '\n');
        }

        if (delimiter is not null)
        {
            text.Append('\n');
        }

        return text.ToString();
    }

    /// <summary>The full output: the table (a header, each group's name, then a line per member) or delimited rows.</summary>
    internal static string Table(IReadOnlyDictionary<string, IReadOnlyList<GroupMember>> groups, IReadOnlyList<AdminNodeAddresses> nodes, char? delimiter, bool escape)
    {
        var text = new StringBuilder();
        if (delimiter is { } d)
        {
            text.Append(CultureInfo.InvariantCulture, $"GRP_NAME{d}PID{d}NODEID\n");
        }
        else
        {
            text.Append(CultureInfo.InvariantCulture, $"Group Name\t{"PID",10}\t{"Node ID",10}\n");
        }

        foreach (var (name, members) in groups)
        {
            var shown = Escape(name, escape);
            if (delimiter is null)
            {
                text.Append(shown).Append('\n');
            }

            foreach (var member in members)
            {
                if (delimiter is { } delim)
                {
                    text.Append(CultureInfo.InvariantCulture, $"{shown}{delim}{member.ProcessId}{delim}{member.NodeId}\n");
                }
                else
                {
                    var addresses = nodes.FirstOrDefault(n => n.NodeId == member.NodeId)?.Addresses ?? [];
                    text.Append(CultureInfo.InvariantCulture, $"\t\t{member.ProcessId,10}\t{member.NodeId,10} ({string.Join(' ', addresses)})\n");
                }
            }
        }

        return text.ToString();
    }

    /// <summary>A group name as the real tool prints it: bytes outside printable ASCII as <c>\xHH</c>, a backslash doubled.</summary>
    internal static string Escape(string name, bool escape)
    {
        if (!escape)
        {
            return name;
        }

        var text = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(name))
        {
            if (b == '\\')
            {
                text.Append("\\\\");
            }
            else if (b is >= 0x20 and < 0x7f)
            {
                text.Append((char)b);
            }
            else
            {
                text.Append(CultureInfo.InvariantCulture, $"\\x{b:X2}");
            }
        }

        return text.ToString();
    }
}
