using System.Globalization;
using System.Text;
using Clustering.Transport.Security;

namespace Clustering.Tool.Commands.Bench;

/// <summary>
/// The files of one benchmark run in a private temporary directory: an authkey (mode 0400) and one
/// <c>corosync.conf</c> per node, every node on its own loopback address (127.A.B.n on ring 0, 127.A.B+1.n on ring 1)
/// so several nodes share the host as Corosync nodes share a LAN.
/// </summary>
internal sealed class BenchLayout : IDisposable
{
    private BenchLayout(string directory, string keyPath, string[] configs)
    {
        Directory = directory;
        KeyPath = keyPath;
        ConfigPaths = configs;
    }

    public string Directory { get; }

    public string KeyPath { get; }

    /// <summary>The configuration of node i+1 at index i.</summary>
    public IReadOnlyList<string> ConfigPaths { get; }

    public static BenchLayout Create(BenchOptions options)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("clusterctl-bench-").FullName;
        try
        {
            var keyPath = Path.Combine(directory, "authkey");
            using (var key = Authkey.Generate())
            {
                key.Save(keyPath);
            }

            // A random 127.A.B.0/24 per run and ring, and a random even port: concurrent runs on one host do not meet.
            var a = Random.Shared.Next(1, 255);
            var b = Random.Shared.Next(0, 255) & ~1;
            var port = 20_000 + (Random.Shared.Next(0, 9_000) * 4);
            var groupA = Random.Shared.Next(0, 256);
            var groupB = Random.Shared.Next(1, 250);
            var configs = new string[options.Nodes];
            for (var i = 0; i < options.Nodes; i++)
            {
                var text = options.Transport == "udpu"
                    ? Unicast(options, a, b, port)
                    : Multicast(options, a, b, i + 1, port, groupA, groupB);
                configs[i] = Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"corosync-{i + 1}.conf"));
                File.WriteAllText(configs[i], text);
            }

            return new BenchLayout(directory, keyPath, configs);
        }
        catch
        {
            System.IO.Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory left behind is not worth failing the report for.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string Address(int a, int b, int ring, int node) => string.Create(CultureInfo.InvariantCulture, $"127.{a}.{b + ring}.{node}");

    private static string Totem(BenchOptions options, string transport, StringBuilder interfaces) => string.Create(CultureInfo.InvariantCulture, $$"""
        totem {
          version: 2
          cluster_name: clusterctl-bench
          transport: {{transport}}
          crypto_cipher: {{(options.SecAuth ? "aes256" : "none")}}
          crypto_hash: {{(options.SecAuth ? "sha256" : "none")}}
          rrp_mode: {{(options.Rings > 1 ? "active" : "none")}}
          token: 3000
        {{Optional("max_messages", options.MaxMessages)}}{{Optional("window_size", options.WindowSize)}}{{interfaces}}}

        """);

    /// <summary>A totem line for a setting the run names, indented as the block's others; nothing for a default.</summary>
    private static string Optional(string key, int? value) =>
        value is { } v ? string.Create(CultureInfo.InvariantCulture, $"  {key}: {v}\n") : "";

    private static string Quorum(BenchOptions options) => string.Create(CultureInfo.InvariantCulture, $$"""
        quorum {
          provider: corosync_votequorum
          expected_votes: {{options.Nodes}}
        }

        system {
          sched_rr: {{(options.SchedRr ? "yes" : "no")}}
        }

        """);

    private static string Unicast(BenchOptions options, int a, int b, int port)
    {
        var interfaces = new StringBuilder();
        for (var ring = 0; ring < options.Rings; ring++)
        {
            interfaces.Append(CultureInfo.InvariantCulture, $"  interface {{\n    ringnumber: {ring}\n    mcastport: {port + (2 * ring)}\n  }}\n");
        }

        var nodes = new StringBuilder("nodelist {\n");
        for (var n = 1; n <= options.Nodes; n++)
        {
            nodes.Append(CultureInfo.InvariantCulture, $"  node {{\n    nodeid: {n}\n    name: bench{n}\n    ring0_addr: {Address(a, b, 0, n)}\n");
            if (options.Rings > 1)
            {
                nodes.Append(CultureInfo.InvariantCulture, $"    ring1_addr: {Address(a, b, 1, n)}\n");
            }

            nodes.Append("  }\n");
        }

        nodes.Append("}\n\n");
        return Totem(options, "udpu", interfaces) + nodes + Quorum(options);
    }

    private static string Multicast(BenchOptions options, int a, int b, int node, int port, int groupA, int groupB)
    {
        var interfaces = new StringBuilder();
        for (var ring = 0; ring < options.Rings; ring++)
        {
            interfaces.Append(CultureInfo.InvariantCulture, $"  interface {{\n    ringnumber: {ring}\n    bindnetaddr: {Address(a, b, ring, node)}\n    mcastaddr: 239.192.{groupA}.{groupB + ring}\n    mcastport: {port + (2 * ring)}\n  }}\n");
        }

        return Totem(options, "udp", interfaces) + Quorum(options);
    }
}
