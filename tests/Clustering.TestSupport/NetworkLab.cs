using System.Net;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Clustering.TestSupport;

/// <summary>
/// A throw-away network of Linux network namespaces for tests: one namespace per node, each with an
/// <c>eth0</c> veth whose peer sits on a bridge inside a separate hub namespace, so the host's own
/// namespace is never touched. Addresses come from 198.18.0.0/15 (the benchmarking range) only. A node's
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

    private NetworkLab(string id, IPAddress network)
    {
        Id = id;
        Network = network;
        HubNamespace = $"{NamespacePrefix}{id}-hub";
    }

    /// <summary>The random id in every namespace name of this lab.</summary>
    public string Id { get; }

    /// <summary>The nodes' /24 network, inside 198.18.0.0/15.</summary>
    public IPAddress Network { get; }

    /// <summary>The prefix length of <see cref="Network"/>.</summary>
    public int PrefixLength => 24;

    /// <summary>The namespace holding the bridge.</summary>
    public string HubNamespace { get; }

    /// <summary>The nodes, in creation order.</summary>
    public IReadOnlyList<LabNode> Nodes => _nodes;

    /// <summary>Creates a lab with <paramref name="nodeCount"/> nodes on one bridge, every link up.</summary>
    /// <param name="nodeCount">How many nodes (1 to 200).</param>
    /// <returns>The lab; dispose it to remove everything.</returns>
    public static NetworkLab Create(int nodeCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodeCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nodeCount, 200);
        RealTools.RequireRoot();
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));

        // 198.18.0.0/15 = 198.18.0.0 - 198.19.255.255: pick one /24 in it.
        var third = RandomNumberGenerator.GetInt32(0, 512);
        var network = new IPAddress([198, (byte)(18 + (third / 256)), (byte)(third % 256), 0]);
        var lab = new NetworkLab(id, network);
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
        Ip($"-n {HubNamespace} link add br0 type bridge mcast_snooping 0 stp_state 0");
        Ip($"-n {HubNamespace} link set br0 up");
        var prefix = Network.GetAddressBytes();
        for (var i = 0; i < nodeCount; i++)
        {
            var name = $"{NamespacePrefix}{Id}-n{i}";
            AddNamespace(name);
            var port = $"p{i}";
            var address = new IPAddress([prefix[0], prefix[1], prefix[2], (byte)(i + 1)]);
            Ip($"-n {HubNamespace} link add {port} type veth peer name eth0 netns {name}");
            Ip($"-n {HubNamespace} link set {port} master br0");
            Ip($"-n {HubNamespace} link set {port} up");
            Ip($"-n {name} link set lo up");
            Ip($"-n {name} addr add {address}/{PrefixLength} dev eth0");
            Ip($"-n {name} link set eth0 up");
            Ip($"-n {name} route add 224.0.0.0/4 dev eth0");
            _nodes.Add(new LabNode(i, name, address, PrefixLength, port));
        }
    }

    /// <summary>Cuts a node's cable: its bridge port goes down, so nothing passes either way.</summary>
    /// <param name="node">The node's index.</param>
    public void Cut(int node) => Ip($"-n {HubNamespace} link set {_nodes[node].BridgePort} down");

    /// <summary>Plugs a node's cable back in.</summary>
    /// <param name="node">The node's index.</param>
    public void Restore(int node) => Ip($"-n {HubNamespace} link set {_nodes[node].BridgePort} up");

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
/// <param name="Address">Its <c>eth0</c> address, in 198.18.0.0/15.</param>
/// <param name="PrefixLength">The prefix length of <paramref name="Address"/>.</param>
/// <param name="BridgePort">The name of its veth peer on the hub's bridge.</param>
public sealed record LabNode(int Index, string Namespace, IPAddress Address, int PrefixLength, string BridgePort)
{
    /// <summary>The node's interface addresses as <c>BindNetAddress.Resolve</c> takes them: loopback and eth0.</summary>
    public IReadOnlyList<(IPAddress Address, int PrefixLength)> Interfaces => [(IPAddress.Loopback, 8), (Address, PrefixLength)];
}
