using System.Globalization;
using System.Net;
using System.Text;

namespace Clustering.IntegrationTests.Processes;

/// <summary>The transports the process tests run: Corosync's <c>udp</c> (multicast) and <c>udpu</c> (unicast with a nodelist).</summary>
public enum ProcessTransport
{
    Udp,
    Udpu,
}

/// <summary>
/// Writes the corosync.conf every node process reads: secauth on (sha256 + aes256), two rings in
/// <c>rrp_mode: active</c>, votequorum with every node's vote expected, and token timings shortened so a test
/// sees a failure within about a second (token 500 ms without the per-node coefficient, consensus 600 ms).
/// </summary>
internal static class ClusterConfig
{
    /// <summary>A multicast cluster: ring r binds <paramref name="bindNetAddresses"/>[r] on group <paramref name="groups"/>[r], port <paramref name="ports"/>[r].</summary>
    public static string Udp(string clusterName, int nodes, IReadOnlyList<IPAddress> bindNetAddresses, IReadOnlyList<IPAddress> groups, IReadOnlyList<int> ports)
    {
        var text = Totem(clusterName, "udp");
        for (var r = 0; r < groups.Count; r++)
        {
            text.Append(CultureInfo.InvariantCulture, $"  interface {{\n    ringnumber: {r}\n    bindnetaddr: {bindNetAddresses[r]}\n    mcastaddr: {groups[r]}\n    mcastport: {ports[r]}\n  }}\n");
        }

        text.Append("}\n");
        return Quorum(text, nodes);
    }

    /// <summary>A unicast cluster: node i (id i + 1) has <paramref name="addresses"/>[i][r] on ring r, which uses port <paramref name="ports"/>[r].</summary>
    public static string Udpu(string clusterName, IReadOnlyList<IReadOnlyList<IPAddress>> addresses, IReadOnlyList<int> ports)
    {
        var text = Totem(clusterName, "udpu");
        for (var r = 0; r < ports.Count; r++)
        {
            text.Append(CultureInfo.InvariantCulture, $"  interface {{\n    ringnumber: {r}\n    mcastport: {ports[r]}\n  }}\n");
        }

        text.Append("}\nnodelist {\n");
        for (var i = 0; i < addresses.Count; i++)
        {
            text.Append("  node {\n");
            for (var r = 0; r < ports.Count; r++)
            {
                text.Append(CultureInfo.InvariantCulture, $"    ring{r}_addr: {addresses[i][r]}\n");
            }

            text.Append(CultureInfo.InvariantCulture, $"    nodeid: {i + 1}\n    name: node{i + 1}\n  }}\n");
        }

        text.Append("}\n");
        return Quorum(text, addresses.Count);
    }

    private static StringBuilder Totem(string clusterName, string transport) => new StringBuilder()
        .Append("# Written by the process tests.\ntotem {\n  version: 2\n")
        .Append(CultureInfo.InvariantCulture, $"  cluster_name: {clusterName}\n")
        .Append("  secauth: on\n  crypto_hash: sha256\n  crypto_cipher: aes256\n")
        .Append(CultureInfo.InvariantCulture, $"  transport: {transport}\n")
        .Append("  rrp_mode: active\n  token: 500\n  token_coefficient: 0\n  consensus: 600\n  join: 50\n  merge: 200\n");

    private static string Quorum(StringBuilder text, int nodes) => text
        .Append(CultureInfo.InvariantCulture, $"quorum {{\n  provider: corosync_votequorum\n  expected_votes: {nodes}\n}}\n")
        .Append("logging {\n  to_stderr: yes\n  to_syslog: no\n}\n")
        .ToString();
}
