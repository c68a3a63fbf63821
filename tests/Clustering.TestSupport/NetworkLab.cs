using System.Net;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Clustering.TestSupport;

/// <summary>
/// A throw-away network of Linux network namespaces for tests: one namespace per node, each with one
/// veth per network (<c>eth0</c>, <c>eth1</c>... one network per ring) whose peer sits on that network's
/// bridge inside a separate hub namespace, so the host's own namespace is never touched. Addresses come from 198.18.0.0/15 (the benchmarking range) only. A node's
/// link can be cut and restored, and code can run inside a node's namespace (sockets created there stay
/// there). <see cref="Dispose"/> deletes every namespace, which removes the veths and the bridge with them.
/// </summary>
/// <remarks>Needs Linux, root and <c>ip</c>: <see cref="Create"/> calls <see cref="RealTools.RequireRoot"/>,
/// which skips the test (or fails it in CI) otherwise.</remarks>
public sealed class NetworkLab : IDisposable
{
    /// <summary>The prefix of every namespace a lab creates.</summary>
    public const string NamespacePrefix = "clst-";

    private const int CloneNewNet = 0x40000000;
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(20);

    private readonly List<string> _namespaces = [];
    private readonly List<LabNode> _nodes = [];
    private bool _disposed;

    private NetworkLab(string id, IReadOnlyList<IPAddress> networks)
    {
        Id = id;
        Networks = networks;
        HubNamespace = $"{NamespacePrefix}{id}-hub";
    }

    /// <summary>The random id in every namespace name of this lab.</summary>
    public string Id { get; }

    /// <summary>The first network (ring 0): a /24 inside 198.18.0.0/15.</summary>
    public IPAddress Network => Networks[0];

    /// <summary>Every network, one per ring: distinct /24s inside 198.18.0.0/15; network k is each node's <c>eth{k}</c>.</summary>
    public IReadOnlyList<IPAddress> Networks { get; }

    /// <summary>The prefix length of every network.</summary>
    public int PrefixLength => 24;

    /// <summary>The namespace holding the bridge.</summary>
    public string HubNamespace { get; }

    /// <summary>The nodes, in creation order.</summary>
    public IReadOnlyList<LabNode> Nodes => _nodes;

    /// <summary>Creates a lab with <paramref name="nodeCount"/> nodes on <paramref name="networkCount"/> bridges, every link up.</summary>
    /// <param name="nodeCount">How many nodes (1 to 200).</param>
    /// <param name="networkCount">How many networks (1 to 8): one per ring.</param>
    /// <returns>The lab; dispose it to remove everything.</returns>
    public static NetworkLab Create(int nodeCount, int networkCount = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodeCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nodeCount, 200);
        ArgumentOutOfRangeException.ThrowIfLessThan(networkCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(networkCount, 8);
        RealTools.RequireRoot();
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));

        // 198.18.0.0/15 = 198.18.0.0 - 198.19.255.255: pick distinct /24s in it.
        var thirds = new HashSet<int>();
        while (thirds.Count < networkCount)
        {
            thirds.Add(RandomNumberGenerator.GetInt32(0, 512));
        }

        var networks = thirds.Select(t => new IPAddress([198, (byte)(18 + (t / 256)), (byte)(t % 256), 0])).ToArray();
        var lab = new NetworkLab(id, networks);
        try
        {
            lab.Build(nodeCount);
            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    private void Build(int nodeCount)
    {
        AddNamespace(HubNamespace);
        Ip($"-n {HubNamespace} link set lo up");
        for (var k = 0; k < Networks.Count; k++)
        {
            Ip($"-n {HubNamespace} link add br{k} type bridge mcast_snooping 0 stp_state 0");
            Ip($"-n {HubNamespace} link set br{k} up");
        }

        for (var i = 0; i < nodeCount; i++)
        {
            var name = $"{NamespacePrefix}{Id}-n{i}";
            AddNamespace(name);
            Ip($"-n {name} link set lo up");
            var addresses = new List<IPAddress>();
            var ports = new List<string>();
            for (var k = 0; k < Networks.Count; k++)
            {
                var prefix = Networks[k].GetAddressBytes();
                var port = $"p{i}n{k}";
                var address = new IPAddress([prefix[0], prefix[1], prefix[2], (byte)(i + 1)]);
                Ip($"-n {HubNamespace} link add {port} type veth peer name eth{k} netns {name}");
                Ip($"-n {HubNamespace} link set {port} master br{k}");
                Ip($"-n {HubNamespace} link set {port} up");
                Ip($"-n {name} addr add {address}/{PrefixLength} dev eth{k}");
                Ip($"-n {name} link set eth{k} up");
                addresses.Add(address);
                ports.Add(port);
            }

            // Multicast leaves by eth0 unless a ring sets its own interface (the rings do).
            Ip($"-n {name} route add 224.0.0.0/4 dev eth0");
            _nodes.Add(new LabNode(i, name, addresses, PrefixLength, ports));
        }
    }

    /// <summary>Cuts a node's cable on one network: its bridge port goes down, so nothing passes either way.</summary>
    /// <param name="node">The node's index.</param>
    /// <param name="network">The network (ring) index.</param>
    public void Cut(int node, int network = 0) => Ip($"-n {HubNamespace} link set {_nodes[node].BridgePorts[network]} down");

    /// <summary>
    /// Cuts a node's cables on every network in one <c>ip -batch</c> run: the links go down microseconds apart, so no
    /// ring outlives another by the start-up of a second <c>ip</c> process (hundreds of milliseconds on a loaded machine).
    /// </summary>
    /// <param name="node">The node's index.</param>
    public void CutAll(int node)
    {
        var commands = string.Concat(_nodes[node].BridgePorts.Select(port => $"link set {port} down\n"));
        var result = RealTools.Run("ip", $"-n {HubNamespace} -batch -", CommandTimeout, standardInput: commands);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip -batch ({commands.Trim()}) failed ({result.ExitCode}): {result.StandardError.Trim()}");
        }
    }

    /// <summary>Plugs a node's cable on one network back in.</summary>
    /// <param name="node">The node's index.</param>
    /// <param name="network">The network (ring) index.</param>
    public void Restore(int node, int network = 0) => Ip($"-n {HubNamespace} link set {_nodes[node].BridgePorts[network]} up");

    /// <summary>Runs <paramref name="action"/> on a fresh thread that has entered the node's network namespace (setns(2)).</summary>
    /// <typeparam name="T">What the action returns, such as a socket or ring created in the namespace.</typeparam>
    /// <param name="node">The node's index.</param>
    /// <param name="action">The code to run; sockets it creates belong to the node's namespace for their whole life.</param>
    /// <returns>The action's result.</returns>
    public T RunIn<T>(int node, Func<T> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var path = $"/var/run/netns/{_nodes[node].Namespace}";
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
                if (NativeMethods.setns((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns({path}) failed: errno {Marshal.GetLastPInvokeError()}");
                }

                result = action();
            }
#pragma warning disable CA1031 // Rethrown on the calling thread below.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failure = e;
            }
        })
        {
            IsBackground = true,
            Name = $"netns {_nodes[node].Namespace}",
        };
        thread.Start();
        if (!thread.Join(CommandTimeout))
        {
            throw new TimeoutException($"code in namespace {_nodes[node].Namespace} did not finish within {CommandTimeout}");
        }

        if (failure is not null)
        {
            throw new InvalidOperationException($"code in namespace {_nodes[node].Namespace} failed: {failure.Message}", failure);
        }

        return result;
    }

    /// <summary>Runs a command inside a node's namespace (<c>ip netns exec</c>).</summary>
    /// <param name="node">The node's index.</param>
    /// <param name="command">The program.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <returns>The exit code and output.</returns>
    public ProcessResult Exec(int node, string command, string arguments) =>
        RealTools.Run("ip", $"netns exec {_nodes[node].Namespace} {command} {arguments}", CommandTimeout);

    /// <summary>Deletes every namespace of the lab (with its veths and bridge). Safe to call twice.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        for (var i = _namespaces.Count - 1; i >= 0; i--)
        {
            // Best effort: one failure must not leave the others behind.
            try
            {
                RealTools.Run("ip", $"netns del {_namespaces[i]}", CommandTimeout);
            }
            catch (TimeoutException)
            {
            }
            catch (InvalidOperationException)
            {
            }
        }

        _namespaces.Clear();
    }

    private void AddNamespace(string name)
    {
        Ip($"netns add {name}");
        _namespaces.Add(name);
    }

    private static void Ip(string arguments)
    {
        var result = RealTools.Run("ip", arguments, CommandTimeout);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip {arguments} failed ({result.ExitCode}): {result.StandardError.Trim()}");
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
#pragma warning disable SYSLIB1054, CA5392 // A single blittable call; no marshalling to generate.
        internal static extern int setns(int fd, int nstype);
#pragma warning restore SYSLIB1054, CA5392
    }
}

/// <summary>One node of a <see cref="NetworkLab"/>.</summary>
/// <param name="Index">Its position in <see cref="NetworkLab.Nodes"/>.</param>
/// <param name="Namespace">Its network namespace's name.</param>
/// <param name="Addresses">Its address on each network (<c>eth0</c>, <c>eth1</c>...), in 198.18.0.0/15.</param>
/// <param name="PrefixLength">The prefix length of every address.</param>
/// <param name="BridgePorts">The names of its veth peers on the hub's bridges, per network.</param>
public sealed record LabNode(int Index, string Namespace, IReadOnlyList<IPAddress> Addresses, int PrefixLength, IReadOnlyList<string> BridgePorts)
{
    /// <summary>Its address on the first network (<c>eth0</c>, ring 0).</summary>
    public IPAddress Address => Addresses[0];

    /// <summary>The node's interface addresses as <c>BindNetAddress.Resolve</c> takes them: loopback, then every <c>ethN</c>.</summary>
    public IReadOnlyList<(IPAddress Address, int PrefixLength)> Interfaces =>
        [(IPAddress.Loopback, 8), .. Addresses.Select(a => (a, PrefixLength))];
}
