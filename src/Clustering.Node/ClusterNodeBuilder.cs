using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Clustering.Membership.Quorum;
using Clustering.Transport.Configuration;
using Clustering.Transport.Rings;
using Clustering.Transport.Security;
using Microsoft.Extensions.Logging;

namespace Clustering.Node;

/// <summary>
/// Builds a <see cref="ClusterNode"/> from <see cref="ClusterNodeOptions"/> or from a <c>corosync.conf</c> and its
/// authkey: <c>transport: udp</c> becomes one <see cref="UdpMulticastRing"/> per interface block (bindnetaddr,
/// mcastaddr, mcastport, ttl); <c>transport: udpu</c> one <see cref="UdpUnicastRing"/> per ring with the nodelist's
/// <c>ringX_addr</c> as members. The UDP rings of a node built from a <c>corosync.conf</c> share one receive thread
/// (<see cref="UdpReceiveLoop"/>), which the node disposes after its rings.
/// </summary>
public sealed class ClusterNodeBuilder
{
    private readonly ClusterNodeOptions _options;
    private readonly Authkey? _ownedAuthkey;
    private bool _built;

    private ClusterNodeBuilder(ClusterNodeOptions options, Authkey? ownedAuthkey, UdpReceiveLoop? receiveLoop = null, CorosyncConfiguration? configuration = null)
    {
        _options = options;
        _ownedAuthkey = ownedAuthkey;
        ReceiveLoop = receiveLoop;
        Configuration = configuration;
    }

    /// <summary>
    /// The <c>corosync.conf</c> the builder was made from, or <see langword="null"/> (built from options): for what the
    /// options do not carry, such as its <c>system</c> section (<see cref="ProcessScheduling.Apply"/>).
    /// </summary>
    public CorosyncConfiguration? Configuration { get; }

    /// <summary>
    /// The receive thread shared by the UDP rings of the node built from a <c>corosync.conf</c>, or <see langword="null"/>
    /// (built from options). The node disposes it after its rings; give it (<see cref="UdpMulticastRingOptions.ReceiveLoop"/>,
    /// <see cref="UdpUnicastRingOptions.ReceiveLoop"/>) to rings that replace the built ones in <see cref="Options"/>.
    /// </summary>
    public UdpReceiveLoop? ReceiveLoop { get; }

    /// <summary>The options the node will be built with; adjust them (clock, logging, meters) before <see cref="Build"/>.</summary>
    public ClusterNodeOptions Options => _options;

    /// <summary>Starts from options built in code; the caller keeps owning the authkey.</summary>
    /// <param name="options">The node's options.</param>
    /// <returns>The builder.</returns>
    public static ClusterNodeBuilder FromOptions(ClusterNodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new ClusterNodeBuilder(options, null);
    }

    /// <summary>
    /// Reads a <c>corosync.conf</c> and, when it asks for secauth, its authkey, and maps them to options. This node is
    /// <c>totem.nodeid</c>, or <paramref name="nodeId"/>, or the nodelist entry whose ring 0 address is an address
    /// of this host (Corosync's resolution); with <c>udp</c> the id derives from the address bound on ring 0.
    /// </summary>
    /// <param name="path">The configuration file.</param>
    /// <param name="authkeyPath">The key file; <c>totem.keyfile</c> or /etc/corosync/authkey when <see langword="null"/>. Read only when crypto is on.</param>
    /// <param name="nodeId">Picks this node's nodelist entry by id (for several nodes on one host); <see langword="null"/> to resolve as Corosync does.</param>
    /// <param name="loggerFactory">Where the node and its rings log.</param>
    /// <returns>The builder; the node it builds owns the authkey.</returns>
    /// <exception cref="ConfigurationException">The file is invalid, or this node cannot be found in it.</exception>
    /// <exception cref="AuthkeyException">The key file is missing or unusable.</exception>
    public static ClusterNodeBuilder FromCorosyncConfig(string path, string? authkeyPath = null, uint? nodeId = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var config = CorosyncConfiguration.Load(path);
        var totem = config.Totem;
        var options = new ClusterNodeOptions
        {
            ClusterName = totem.ClusterName ?? string.Empty,
            CryptoHash = totem.CryptoHash,
            CryptoCipher = totem.CryptoCipher,
            Redundancy = totem.Redundancy,
            Timings = totem.Timings,
            NetMtu = totem.NetMtu,
            LoggerFactory = loggerFactory,
            Quorum = QuorumFrom(config),
            NodeNames = config.Nodes
                .Where(n => n.Name is not null)
                .ToDictionary(n => n.EffectiveNodeId(totem.ClearNodeHighBit), n => n.Name!),
            NodeAddresses = config.Nodes.ToDictionary(
                n => n.EffectiveNodeId(totem.ClearNodeHighBit),
                n => (IReadOnlyList<IPAddress>)[.. n.RingAddresses.Select(a => IPAddress.TryParse(a, out var ip) ? ip : null).OfType<IPAddress>()]),
        };

        // One receive thread serves every ring of the node (as Corosync does); it starts with the first ring and the
        // node disposes it after its rings.
        var receiveLoop = new UdpReceiveLoop();
        switch (totem.Transport)
        {
            case TransportKind.Udpu:
                AddUnicastRings(config, options, nodeId, loggerFactory, receiveLoop);
                break;
            case TransportKind.Udp:
                AddMulticastRings(config, options, nodeId, loggerFactory, receiveLoop);
                break;
            default:
                throw new ConfigurationException($"transport {totem.Transport} is not supported by this node (use udp or udpu)", config.FileName, 0, 0, "totem.transport");
        }

        var authkey = totem.SecAuth ? Authkey.Load(authkeyPath ?? totem.EffectiveKeyFile) : null;
        options.Authkey = authkey;
        return new ClusterNodeBuilder(options, authkey, receiveLoop, config);
    }

    /// <summary>Validates the options and creates the node (not yet started). A builder builds one node: the node owns what the builder loaded.</summary>
    /// <returns>The node.</returns>
    /// <exception cref="ArgumentException">An option is missing or inconsistent.</exception>
    /// <exception cref="InvalidOperationException">This builder has already built a node.</exception>
    public ClusterNode Build()
    {
        if (_built)
        {
            throw new InvalidOperationException("This builder has already built a node; create a builder per node.");
        }

        var node = new ClusterNode(_options, _ownedAuthkey, ReceiveLoop);
        _built = true;
        return node;
    }

    private static VoteQuorumOptions QuorumFrom(CorosyncConfiguration config)
    {
        var q = config.Quorum;
        var votes = config.Nodes.ToDictionary(n => n.EffectiveNodeId(config.Totem.ClearNodeHighBit), n => n.QuorumVotes);
        var tieBreaker = q.AutoTieBreakerNode.Trim().ToLowerInvariant() switch
        {
            "lowest" => TieBreaker.Lowest,
            "highest" => TieBreaker.Highest,
            _ => TieBreaker.List,
        };
        IReadOnlyList<uint> list = [];
        if (tieBreaker == TieBreaker.List)
        {
            try
            {
                list = [.. q.AutoTieBreakerNode.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => uint.Parse(s, CultureInfo.InvariantCulture))];
            }
            catch (FormatException e)
            {
                throw new ConfigurationException($"auto_tie_breaker_node must be lowest, highest or node ids, not '{q.AutoTieBreakerNode}'", config.FileName, 0, 0, "quorum.auto_tie_breaker_node", e);
            }
            catch (OverflowException e)
            {
                throw new ConfigurationException($"auto_tie_breaker_node must be lowest, highest or node ids, not '{q.AutoTieBreakerNode}'", config.FileName, 0, 0, "quorum.auto_tie_breaker_node", e);
            }
        }

        return new VoteQuorumOptions
        {
            // Without a nodelist and expected_votes the node counts its own vote and raises expected votes as nodes appear.
            ExpectedVotes = q.ExpectedVotes ?? (votes.Count == 0 ? 1 : null),
            NodeVotes = votes,
            TwoNode = q.TwoNode,
            WaitForAll = q.WaitForAll,
            LastManStanding = q.LastManStanding,
            LastManStandingWindow = q.LastManStandingWindow,
            AutoTieBreaker = q.AutoTieBreaker,
            TieBreaker = tieBreaker,
            TieBreakerNodes = list,
        };
    }

    private static void AddUnicastRings(CorosyncConfiguration config, ClusterNodeOptions options, uint? nodeId, ILoggerFactory? loggerFactory, UdpReceiveLoop receiveLoop)
    {
        if (config.Nodes.Count == 0)
        {
            throw new ConfigurationException("transport udpu needs a nodelist", config.FileName, 0, 0, "nodelist");
        }

        var clear = config.Totem.ClearNodeHighBit;
        var local = FindLocalNode(config, nodeId ?? config.Totem.NodeId);
        options.NodeId = config.Totem.NodeId ?? local.EffectiveNodeId(clear);
        for (var ring = 0; ring < config.RingCount; ring++)
        {
            var port = config.Totem.Interfaces.FirstOrDefault(i => i.RingNumber == ring)?.MulticastPort ?? InterfaceOptions.DefaultMulticastPort;
            var key = string.Create(CultureInfo.InvariantCulture, $"nodelist.node.ring{ring}_addr");
            var members = config.Nodes
                .Where(n => n.RingAddresses.Count > ring)
                .Select(n => new IPEndPoint(ParseAddress(config, n.RingAddresses[ring], key), port))
                .ToArray();
            if (local.RingAddresses.Count <= ring)
            {
                throw new ConfigurationException($"this node has no {key}", config.FileName, 0, 0, key);
            }

            var ringOptions = new UdpUnicastRingOptions
            {
                RingNumber = ring,
                LocalEndPoint = new IPEndPoint(ParseAddress(config, local.RingAddresses[ring], key), port),
                Members = members,
                TimeProvider = options.TimeProvider,
                ReceiveLoop = receiveLoop,
            };
            var downcheck = Downcheck(config, ring, ringOptions.LocalEndPoint, options.TimeProvider);
            options.Rings.Add(() => DowncheckRing.Create(() => UdpUnicastRing.Create(ringOptions, loggerFactory), downcheck, loggerFactory));
        }
    }

    private static DowncheckRingOptions Downcheck(CorosyncConfiguration config, int ring, IPEndPoint placeholder, TimeProvider? timeProvider) => new()
    {
        RingNumber = ring,
        Downcheck = config.Totem.Timings.Downcheck,
        PlaceholderEndPoint = placeholder,
        TimeProvider = timeProvider ?? TimeProvider.System,
    };

    private static void AddMulticastRings(CorosyncConfiguration config, ClusterNodeOptions options, uint? nodeId, ILoggerFactory? loggerFactory, UdpReceiveLoop receiveLoop)
    {
        if (config.Totem.Interfaces.Count == 0)
        {
            throw new ConfigurationException("transport udp needs an interface block with bindnetaddr", config.FileName, 0, 0, "totem.interface");
        }

        IPAddress? ring0 = null;
        foreach (var iface in config.Totem.Interfaces.OrderBy(i => i.RingNumber))
        {
            var key = string.Create(CultureInfo.InvariantCulture, $"totem.interface.{iface.RingNumber}.bindnetaddr");
            var bind = iface.BindNetAddress ?? throw new ConfigurationException("bindnetaddr is required with transport udp", config.FileName, 0, 0, key);
            // A missing interface is waited for (downcheck) when the node id does not depend on it; ring 0's address
            // is what an unset node id is derived from, so then the interface must be there.
            IPAddress? localAddress;
            try
            {
                localAddress = BindNetAddress.Resolve(bind);
            }
            catch (BindNetAddressNotFoundException) when (iface.RingNumber != 0 || (nodeId ?? config.Totem.NodeId) is not null)
            {
                localAddress = null;
            }

            ring0 ??= localAddress;
            var group = config.EffectiveMulticastAddress(iface)
                ?? throw new ConfigurationException("mcastaddr (or cluster_name) is required with transport udp", config.FileName, 0, 0, key.Replace("bindnetaddr", "mcastaddr", StringComparison.Ordinal));

            // Made when the node starts, so that recv_flush follows the accelerated window the options have by then.
            UdpMulticastRingOptions RingOptions() => new()
            {
                RingNumber = iface.RingNumber,
                LocalAddress = localAddress,
                BindNetAddress = bind,
                MulticastAddress = group,
                MulticastPort = iface.MulticastPort,
                Ttl = iface.Ttl,
                TimeProvider = options.TimeProvider,
                ReceiveLoop = receiveLoop,
                RecvFlush = options.MulticastRecvFlush,
            };
            var placeholder = new IPEndPoint(bind.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, iface.MulticastPort);
            var downcheck = Downcheck(config, iface.RingNumber, placeholder, options.TimeProvider);
            options.Rings.Add(() => DowncheckRing.Create(() => UdpMulticastRing.Create(RingOptions(), loggerFactory), downcheck, loggerFactory));
        }

        options.NodeId = nodeId ?? config.Totem.NodeId ?? config.ResolveLocalNodeId(ring0!);
    }

    private static NodeOptions FindLocalNode(CorosyncConfiguration config, uint? nodeId)
    {
        var clear = config.Totem.ClearNodeHighBit;
        if (nodeId is { } id)
        {
            return config.Nodes.FirstOrDefault(n => n.EffectiveNodeId(clear) == id)
                ?? throw new ConfigurationException(string.Create(CultureInfo.InvariantCulture, $"node {id} is not in the nodelist"), config.FileName, 0, 0, "nodelist");
        }

        var local = BindNetAddress.LocalInterfaces().Select(i => i.Address).ToHashSet();
        var matches = config.Nodes
            .Where(n => n.RingAddresses.Count > 0 && IPAddress.TryParse(n.RingAddresses[0], out var a) && local.Contains(a))
            .ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new ConfigurationException("no nodelist entry has a ring0_addr of this host; set totem.nodeid or pass the node id", config.FileName, 0, 0, "nodelist"),
            _ => throw new ConfigurationException("several nodelist entries have a ring0_addr of this host; set totem.nodeid or pass the node id", config.FileName, 0, 0, "nodelist"),
        };
    }

    private static IPAddress ParseAddress(CorosyncConfiguration config, string text, string key) =>
        IPAddress.TryParse(text, out var address)
            ? address
            : throw new ConfigurationException($"'{text}' is not an IP address (host names are not resolved)", config.FileName, 0, 0, key);
}
