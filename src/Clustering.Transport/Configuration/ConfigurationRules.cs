using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Clustering.Transport.Redundancy;
using Clustering.Transport.Security;

namespace Clustering.Transport.Configuration;

/// <summary>The rules that span values (ranges of single values are checked while binding, with their positions).</summary>
internal static class ConfigurationRules
{
    public const int MinNetMtu = 576;
    public const int MaxNetMtu = 65507;

    internal static readonly string[] Priorities = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"];

    internal static readonly string[] Facilities = ["daemon", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"];

    public static IEnumerable<ConfigProblem> Problems(CorosyncConfiguration config)
    {
        var totem = config.Totem;
        if (totem.Version != 2)
        {
            yield return Error("totem.version", "This totem parser can only parse version 2 configurations.");
        }

        if (totem.CryptoCipher != CryptoCipher.None && totem.CryptoHash == CryptoHash.None)
        {
            yield return Error("totem.crypto_cipher", "crypto_cipher requires crypto_hash with value other than none");
        }

        if (totem.NetMtu is < MinNetMtu or > MaxNetMtu)
        {
            yield return Error("totem.netmtu", $"netmtu ({totem.NetMtu}) must be from {MinNetMtu} to {MaxNetMtu}");
        }

        if (totem.NodeId == 0)
        {
            yield return Error("totem.nodeid", "nodeid 0 is reserved");
        }

        foreach (var (key, message) in totem.Timings.Problems(config.Nodes.Count))
        {
            yield return new ConfigProblem(key, message);
        }

        foreach (var problem in RingProblems(config))
        {
            yield return problem;
        }

        foreach (var problem in NodeProblems(config))
        {
            yield return problem;
        }

        foreach (var problem in QuorumProblems(config.Quorum))
        {
            yield return problem;
        }

        foreach (var problem in LoggingProblems(config.Logging))
        {
            yield return problem;
        }
    }

    private static IEnumerable<ConfigProblem> RingProblems(CorosyncConfiguration config)
    {
        var totem = config.Totem;
        var rings = totem.Interfaces;
        if (rings.Count == 0 && config.Nodes.Count == 0)
        {
            yield return Error("totem.interface", "No interfaces defined");
            yield break;
        }

        if (rings.Count == 0 && totem.Transport == TransportKind.Udp && totem.ClusterName is null)
        {
            yield return Error("totem.transport", "No multicast address specified: transport udp without interface blocks needs cluster_name to generate the group from");
        }

        if (totem.Transport == TransportKind.Udpu && config.Nodes.Count == 0)
        {
            yield return Error("totem.transport", "transport udpu needs a nodelist with the members' addresses");
        }

        var seen = new HashSet<int>();
        for (var i = 0; i < rings.Count; i++)
        {
            var ring = rings[i];
            if (ring.RingNumber is < 0 or >= RedundancyLimits.MaxRings)
            {
                yield return new ConfigProblem("totem.interface.ringnumber",
                    $"parse error in config: interface ring number {ring.RingNumber} is bigger than allowed maximum {RedundancyLimits.MaxRings - 1}", RingIndex: i);
            }
            else if (!seen.Add(ring.RingNumber))
            {
                yield return new ConfigProblem("totem.interface.ringnumber",
                    $"parse error in config: interface ring number {ring.RingNumber} is configured twice", RingIndex: i);
            }

            if (ring.MulticastPort is < 1 or > 65535)
            {
                yield return new ConfigProblem("totem.interface.mcastport", "parse error in config: Invalid multicast port (should be 1..65535)", RingIndex: i);
            }

            if (ring.Ttl is < 0 or > 255)
            {
                yield return new ConfigProblem("totem.interface.ttl", "parse error in config: Invalid TTL (should be 0..255)", RingIndex: i);
            }
            else if (totem.Transport != TransportKind.Udp && ring.Ttl != 1)
            {
                yield return new ConfigProblem("totem.interface.ttl", "parse error in config: Can only set ttl on multicast transport types", RingIndex: i);
            }

            if (ring.BindNetAddress is null && config.Nodes.Count == 0)
            {
                yield return new ConfigProblem("totem.interface.bindnetaddr",
                    $"parse error in config: interface {ring.RingNumber} has no bindnetaddr and there is no nodelist to take it from", RingIndex: i);
            }

            if (ring.BindNetAddress is { AddressFamily: AddressFamily.InterNetworkV6 } && totem.NodeId is null && config.Nodes.Count == 0)
            {
                yield return new ConfigProblem("totem.interface.bindnetaddr", "parse error in config: An IPV6 network requires that a node ID be specified.", RingIndex: i);
            }

            if (ring.BindNetAddress is { } bind && rings[0].BindNetAddress is { } first && bind.AddressFamily != first.AddressFamily)
            {
                yield return new ConfigProblem("totem.interface.bindnetaddr", "parse error in config: Not all bind address belong to the same IP family", RingIndex: i);
            }

            if (totem.Transport == TransportKind.Udp)
            {
                foreach (var problem in MulticastProblems(config, ring, i))
                {
                    yield return problem;
                }
            }
        }

        if (seen.Count == rings.Count && rings.Count > 0 && seen.Max() != rings.Count - 1)
        {
            yield return Error("totem.interface.ringnumber", $"interface ring numbers must run from 0 to {rings.Count - 1} without gaps");
        }

        var ringCount = config.RingCount;
        if (ringCount > 1 && totem.Redundancy.Mode == RrpMode.None)
        {
            yield return Error("totem.rrp_mode", $"{ringCount} is too many configured interfaces for the rrp_mode setting none.");
        }
        else if (ringCount >= 1)
        {
            string? failure = null;
            try
            {
                totem.Redundancy.Validate(ringCount);
            }
            catch (ArgumentException e)
            {
                failure = e.Message.Split(" (Parameter", 2)[0];
            }

            if (failure is not null)
            {
                var key = failure.StartsWith("rrp_", StringComparison.Ordinal) && !failure.StartsWith("rrp_mode", StringComparison.Ordinal)
                    ? failure.Split(' ', 2)[0]
                    : "rrp_mode";
                yield return Error("totem." + key, failure);
            }
        }
    }

    private static IEnumerable<ConfigProblem> MulticastProblems(CorosyncConfiguration config, InterfaceOptions ring, int index)
    {
        if (ring.Broadcast)
        {
            if (ring.BindNetAddress is { AddressFamily: AddressFamily.InterNetworkV6 })
            {
                yield return new ConfigProblem("totem.interface.broadcast", "parse error in config: broadcast needs IPv4", RingIndex: index);
            }

            yield break;
        }

        var group = config.EffectiveMulticastAddress(ring);
        if (group is null)
        {
            yield return new ConfigProblem("totem.interface.mcastaddr", "parse error in config: No multicast address specified", RingIndex: index);
            yield break;
        }

        var isMulticast = group.AddressFamily == AddressFamily.InterNetwork
            ? group.GetAddressBytes()[0] is >= 224 and <= 239
            : group.IsIPv6Multicast;
        if (!isMulticast)
        {
            yield return new ConfigProblem("totem.interface.mcastaddr", "parse error in config: mcastaddr is not a correct multicast address.", RingIndex: index);
        }

        if (ring.BindNetAddress is { } bind && bind.AddressFamily != group.AddressFamily)
        {
            yield return new ConfigProblem("totem.interface.mcastaddr", "parse error in config: Multicast address family does not match bind address family", RingIndex: index);
        }

        var rings = config.Totem.Interfaces;
        for (var j = 0; j < index; j++)
        {
            var other = rings[j];
            if (!other.Broadcast && group.Equals(config.EffectiveMulticastAddress(other)) && Math.Abs(other.MulticastPort - ring.MulticastPort) <= 1)
            {
                yield return new ConfigProblem("totem.interface.mcastport",
                    "parse error in config: Interfaces multicast address/port pair must differ (udp sends from mcastport - 1, so ports on one group need a gap of 2)", RingIndex: index);
            }
        }
    }

    private static IEnumerable<ConfigProblem> NodeProblems(CorosyncConfiguration config)
    {
        var ids = new Dictionary<uint, int>();
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var ipv6 = config.Totem.Interfaces.Any(r => r.BindNetAddress?.AddressFamily == AddressFamily.InterNetworkV6);
        for (var i = 0; i < config.Nodes.Count; i++)
        {
            var node = config.Nodes[i];
            if (node.RingAddresses.Count == 0 || string.IsNullOrEmpty(node.RingAddresses[0]))
            {
                yield return new ConfigProblem("nodelist.node.ring0_addr", $"parse error in config: nodelist node {i} has no ring0_addr", NodeIndex: i);
                continue;
            }

            if (node.RingAddresses.Count > RedundancyLimits.MaxRings)
            {
                yield return new ConfigProblem("nodelist.node.ring0_addr", $"parse error in config: nodelist node {i} has more than {RedundancyLimits.MaxRings} ring addresses", NodeIndex: i);
            }

            if (config.Totem.Transport == TransportKind.Udpu && node.RingAddresses.Count < config.RingCount)
            {
                var missing = $"ring{node.RingAddresses.Count.ToString(CultureInfo.InvariantCulture)}_addr";
                yield return new ConfigProblem("nodelist.node." + missing,
                    $"parse error in config: nodelist node {i} has no {missing}, but udpu sends to every node on each of the {config.RingCount} rings", NodeIndex: i);
            }

            if (node.NodeId == 0)
            {
                yield return new ConfigProblem("nodelist.node.nodeid", "parse error in config: nodeid 0 is reserved", NodeIndex: i);
                continue;
            }

            if (node.QuorumVotes < 0)
            {
                yield return new ConfigProblem("nodelist.node.quorum_votes", $"parse error in config: quorum_votes ({node.QuorumVotes}) may not be negative", NodeIndex: i);
            }

            uint? id = node.NodeId;
            if (id is null)
            {
                var derivable = IPAddress.TryParse(node.RingAddresses[0], out var address) && address.AddressFamily == AddressFamily.InterNetwork;
                if (!derivable || ipv6)
                {
                    yield return new ConfigProblem("nodelist.node.nodeid",
                        $"parse error in config: nodelist node {i} needs a nodeid: ring0_addr '{node.RingAddresses[0]}' is not an IPv4 address to derive it from", NodeIndex: i);
                    continue;
                }

                uint derived = 0;
                string? failure = null;
                try
                {
                    derived = NodeId.FromIPv4(address!, config.Totem.ClearNodeHighBit);
                }
                catch (ArgumentException e)
                {
                    failure = e.Message.Split(" (Parameter", 2)[0];
                }

                if (failure is not null)
                {
                    yield return new ConfigProblem("nodelist.node.nodeid", "parse error in config: " + failure, NodeIndex: i);
                    continue;
                }

                id = derived;
            }

            if (ids.TryGetValue(id.Value, out var previous))
            {
                yield return new ConfigProblem("nodelist.node.nodeid",
                    $"parse error in config: Nodeid {id.Value.ToString(CultureInfo.InvariantCulture)} appears twice in corosync.conf (nodes {previous} and {i})", NodeIndex: i);
            }
            else
            {
                ids[id.Value] = i;
            }

            if (node.Name is { } name)
            {
                if (names.TryGetValue(name, out var other))
                {
                    yield return new ConfigProblem("nodelist.node.name", $"parse error in config: node name '{name}' appears twice (nodes {other} and {i})", NodeIndex: i);
                }
                else
                {
                    names[name] = i;
                }
            }
        }
    }

    private static IEnumerable<ConfigProblem> QuorumProblems(QuorumOptions quorum)
    {
        if (quorum.Provider is { } provider && provider != QuorumOptions.VotequorumProvider)
        {
            yield return Error("quorum.provider", $"quorum provider '{provider}' is not supported; the only provider is {QuorumOptions.VotequorumProvider}");
        }

        if (quorum.ExpectedVotes is < 1)
        {
            yield return Error("quorum.expected_votes", $"expected_votes ({quorum.ExpectedVotes}) must be at least 1");
        }

        if (quorum.LastManStandingWindow < TimeSpan.FromMilliseconds(1))
        {
            yield return Error("quorum.last_man_standing_window", "last_man_standing_window must be positive");
        }

        var tieBreaker = quorum.AutoTieBreakerNode;
        if (tieBreaker is not ("lowest" or "highest"))
        {
            var parts = tieBreaker.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0 || !parts.All(p => uint.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n != 0))
            {
                yield return Error("quorum.auto_tie_breaker_node", $"auto_tie_breaker_node '{tieBreaker}' must be lowest, highest, or node ids separated by spaces");
            }
        }
    }

    private static IEnumerable<ConfigProblem> LoggingProblems(LoggingOptions logging)
    {
        if (logging.ToLogfile && string.IsNullOrEmpty(logging.LogFile))
        {
            yield return Error("logging.to_logfile", "to_logfile is yes but no logfile is given");
        }

        if (!Facilities.Contains(logging.SyslogFacility))
        {
            yield return Error("logging.syslog_facility", $"syslog_facility '{logging.SyslogFacility}' must be one of {string.Join(", ", Facilities)}");
        }

        if (!Priorities.Contains(logging.SyslogPriority))
        {
            yield return Error("logging.syslog_priority", $"syslog_priority '{logging.SyslogPriority}' must be one of {string.Join(", ", Priorities)}");
        }

        if (!Priorities.Contains(logging.LogfilePriority))
        {
            yield return Error("logging.logfile_priority", $"logfile_priority '{logging.LogfilePriority}' must be one of {string.Join(", ", Priorities)}");
        }

        foreach (var subsys in logging.Subsystems)
        {
            if (string.IsNullOrEmpty(subsys.Subsys))
            {
                yield return Error("logging.logger_subsys.subsys", "logger_subsys needs a subsys");
            }
        }
    }

    private static ConfigProblem Error(string key, string message) => new(key, "parse error in config: " + message);
}
