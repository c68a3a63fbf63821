using System.Globalization;
using System.Net;
using Clustering.Transport.Redundancy;
using Clustering.Transport.Security;

namespace Clustering.Transport.Configuration;

/// <summary>Turns a parsed tree into <see cref="CorosyncConfiguration"/>: types and ranges per key, warnings for what is not used.</summary>
internal sealed partial class ConfigurationBinder(ConfigDocument document)
{
    private static readonly HashSet<string> UnusedTopLevelKeys = ["compatibility"];

    private static readonly HashSet<string> UnusedTopLevelSections = ["qb", "resources", "aisexec", "uidgid", "pload"];

    private static readonly HashSet<string> UnusedTotemKeys =
    [
        "ip_version", "vsftype", "crypto_type", "crypto_accept", "crypto_model", "block_unlisted_ips",
        "cancel_token_hold_on_retransmit", "token_warning", "key", "link_mode", "knet_pmtud_interval", "knet_compression_model",
    ];

    private static readonly HashSet<string> UnusedLoggingKeys = ["blackbox", "tags"];

    private static readonly HashSet<string> UnusedQuorumKeys = ["votes", "allow_downscale", "expected_votes_tracking", "leaving_timeout"];

    private static readonly HashSet<string> UnusedSystemKeys = ["qb_ipc_type", "move_to_root_cgroup", "allow_knet_handle_fallback", "state_dir", "run_dir"];

    private readonly List<ConfigurationWarning> _warnings = [.. document.Warnings];
    private readonly Dictionary<string, ConfigNode> _positions = new(StringComparer.Ordinal);
    private readonly List<ConfigSection> _interfaceSections = [];
    private readonly List<ConfigSection> _nodeSections = [];

    private string? FileName => document.FileName;

    public CorosyncConfiguration Bind()
    {
        var totem = new TotemDraft();
        var nodes = new List<NodeOptions>();
        QuorumOptions? quorum = null;
        LoggingOptions? logging = null;
        var services = new List<ServiceOptions>();
        AmfOptions? amf = null;
        SystemOptions? system = null;
        var seenSections = new HashSet<string>(StringComparer.Ordinal);
        var seenKeys = new HashSet<string>(StringComparer.Ordinal);

        foreach (var item in document.Root.Items)
        {
            if (item is ConfigEntry entry)
            {
                NoteRepeat(seenKeys, entry, string.Empty);
                Warn(entry, entry.Key, UnusedTopLevelKeys.Contains(entry.Key)
                    ? $"key '{entry.Key}' is a Corosync 1.x option with no effect here (ignored)"
                    : $"unknown top-level key '{entry.Key}' (ignored)");
                continue;
            }

            var section = (ConfigSection)item;
            if (section.Name is "totem" or "nodelist" or "quorum" or "logging" or "amf" or "system" && !seenSections.Add(section.Name))
            {
                Warn(section, section.Name, $"section '{section.Name}' appears again; its keys are merged with the earlier one's, later values winning");
            }

            _positions.TryAdd(section.Name, section);
            switch (section.Name)
            {
                case "totem":
                    BindTotem(section, totem);
                    break;
                case "nodelist":
                    BindNodelist(section, nodes);
                    break;
                case "quorum":
                    quorum = BindQuorum(section, quorum);
                    break;
                case "logging":
                    logging = BindLogging(section, logging);
                    break;
                case "service":
                    services.Add(BindService(section));
                    break;
                case "amf":
                    amf = BindAmf(section);
                    break;
                case "system":
                    system = BindSystem(section, system);
                    break;
                default:
                    Warn(section, section.Name, UnusedTopLevelSections.Contains(section.Name)
                        ? $"section '{section.Name}' is a Corosync option with no effect here (ignored)"
                        : $"unknown section '{section.Name}' (ignored)");
                    break;
            }
        }

        var configuration = new CorosyncConfiguration
        {
            FileName = FileName,
            Totem = totem.Build(nodes, this),
            Nodes = nodes.AsReadOnly(),
            Quorum = quorum ?? new QuorumOptions(),
            Logging = logging ?? new LoggingOptions(),
            Services = services.AsReadOnly(),
            Amf = amf,
            System = system ?? new SystemOptions(),
            Warnings = _warnings.AsReadOnly(),
        };

        var problem = ConfigurationRules.Problems(configuration).FirstOrDefault();
        if (problem is not null)
        {
            var node = Locate(problem);
            var column = node is ConfigEntry { ValueColumn: > 0 } located ? located.ValueColumn : node?.Column ?? 0;
            throw new ConfigurationException(problem.Message, FileName, node?.Line ?? 0, column, problem.Key);
        }

        return configuration;
    }

    private ConfigNode? Locate(ConfigProblem problem)
    {
        var last = problem.Key[(problem.Key.LastIndexOf('.') + 1)..];
        if (problem.RingIndex >= 0 && problem.RingIndex < _interfaceSections.Count)
        {
            var section = _interfaceSections[problem.RingIndex];
            return (ConfigNode?)section.Find(last) ?? section;
        }

        if (problem.NodeIndex >= 0 && problem.NodeIndex < _nodeSections.Count)
        {
            var section = _nodeSections[problem.NodeIndex];
            return (ConfigNode?)section.Find(last) ?? section;
        }

        for (var key = problem.Key; key.Length > 0; key = key.Contains('.', StringComparison.Ordinal) ? key[..key.LastIndexOf('.')] : string.Empty)
        {
            if (_positions.TryGetValue(key, out var node))
            {
                return node;
            }
        }

        return null;
    }

    private void Record(string path, ConfigEntry entry) => _positions[path + "." + entry.Key] = entry;

    private void NoteRepeat(HashSet<string> seen, ConfigEntry entry, string path)
    {
        if (!seen.Add(entry.Key))
        {
            Warn(entry, Dotted(path, entry.Key), $"key '{entry.Key}' is repeated; the last value wins");
        }
    }

    private void Warn(ConfigNode node, string? key, string message) =>
        _warnings.Add(new ConfigurationWarning(FileName, node.Line, node.Column, key, message));

    private void Unknown(ConfigNode node, string path)
    {
        var (kind, name) = node is ConfigSection s ? ("section", s.Name) : ("key", ((ConfigEntry)node).Key);
        Warn(node, Dotted(path, name), $"unknown {kind} '{name}' in {path} (ignored)");
    }

    private void Unused(ConfigNode node, string path)
    {
        var (kind, name) = node is ConfigSection s ? ("section", s.Name) : ("key", ((ConfigEntry)node).Key);
        Warn(node, Dotted(path, name), $"{kind} '{name}' in {path} is a Corosync option with no effect here (ignored)");
    }

    /// <summary>A key the section does not bind: a warning that says whether Corosync knows it (<paramref name="unused"/>) or not.</summary>
    private void UnusedOrUnknown(ConfigEntry entry, string path, HashSet<string> unused)
    {
        if (unused.Contains(entry.Key))
        {
            Unused(entry, path);
        }
        else
        {
            Unknown(entry, path);
        }
    }

    private static string Dotted(string path, string key) => path.Length == 0 ? key : path + "." + key;

    /// <summary>A value that is not of its key's type or range: Corosync's parser reports these as <c>parser error:</c>.</summary>
    private ConfigurationException ValueError(ConfigEntry entry, string path, string message) =>
        new("parser error: " + message, FileName, entry.Line, entry.ValueColumn, Dotted(path, entry.Key));

    private long Integer(ConfigEntry entry, string path, long min, long max)
    {
        if (!long.TryParse(entry.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw ValueError(entry, path,
                $"Value of key \"{Dotted(path, entry.Key)}\" is expected to be integer in range ({min}..{max}), but \"{entry.Value}\" was given");
        }

        return value;
    }

    private int Int(ConfigEntry entry, string path, int min = 0, int max = int.MaxValue) => (int)Integer(entry, path, min, max);

    private TimeSpan Milliseconds(ConfigEntry entry, string path, int min = 0) => TimeSpan.FromMilliseconds(Int(entry, path, min));

    private bool Switch(ConfigEntry entry, string path) => entry.Value switch
    {
        "on" or "yes" or "true" or "1" => true,
        "off" or "no" or "false" or "0" => false,
        _ => throw ValueError(entry, path, $"Value of key \"{Dotted(path, entry.Key)}\" must be on/yes or off/no, but \"{entry.Value}\" was given"),
    };

    private bool ZeroOrOne(ConfigEntry entry, string path) => Integer(entry, path, 0, 1) == 1;

    private T OneOf<T>(ConfigEntry entry, string path, params (string Word, T Value)[] choices)
    {
        foreach (var (word, value) in choices)
        {
            if (string.Equals(word, entry.Value, StringComparison.Ordinal))
            {
                return value;
            }
        }

        throw ValueError(entry, path,
            $"Value of key \"{Dotted(path, entry.Key)}\" must be one of {string.Join(", ", choices.Select(c => c.Word))}, but \"{entry.Value}\" was given");
    }

    private IPAddress Address(ConfigEntry entry, string path)
    {
        if (!IPAddress.TryParse(entry.Value, out var address) || entry.Value.Contains('%', StringComparison.Ordinal))
        {
            throw ValueError(entry, path, $"Value of key \"{Dotted(path, entry.Key)}\" must be an IPv4 or IPv6 address, but \"{entry.Value}\" was given");
        }

        return address;
    }

    private void BindTotem(ConfigSection section, TotemDraft totem)
    {
        const string path = "totem";
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in section.Items)
        {
            if (item is ConfigSection child)
            {
                if (child.Name == "interface")
                {
                    _interfaceSections.Add(child);
                    totem.Interfaces.Add(BindInterface(child));
                }
                else
                {
                    Unknown(child, path);
                }

                continue;
            }

            var entry = (ConfigEntry)item;
            NoteRepeat(seen, entry, path);
            Record(path, entry);
            if (!BindTotemEntry(entry, totem, path))
            {
                if (UnusedTotemKeys.Contains(entry.Key))
                {
                    Unused(entry, path);
                }
                else
                {
                    Unknown(entry, path);
                }
            }
        }
    }

    private bool BindTotemEntry(ConfigEntry entry, TotemDraft totem, string path)
    {
        var t = totem.Timings;
        switch (entry.Key)
        {
            case "version": totem.Version = Int(entry, path, int.MinValue); break;
            case "cluster_name": totem.ClusterName = entry.Value; break;
            case "config_version":
                if (!ulong.TryParse(entry.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var configVersion))
                {
                    throw ValueError(entry, path, $"Value of key \"totem.config_version\" is expected to be integer in range (0..{ulong.MaxValue}), but \"{entry.Value}\" was given");
                }

                totem.ConfigVersion = configVersion;
                break;
            case "secauth": totem.SecAuth = OneOf(entry, path, ("on", true), ("off", false)); break;
            case "crypto_hash":
                totem.Hash = entry.Value == "md5"
                    ? throw ValueError(entry, path, "crypto_hash md5 is accepted by Corosync 2 but not here; use sha1, sha256, sha384 or sha512")
                    : OneOf(entry, path, ("none", CryptoHash.None), ("sha1", CryptoHash.Sha1), ("sha256", CryptoHash.Sha256), ("sha384", CryptoHash.Sha384), ("sha512", CryptoHash.Sha512));
                break;
            case "crypto_cipher":
                totem.Cipher = entry.Value == "3des"
                    ? throw ValueError(entry, path, "crypto_cipher 3des is accepted by Corosync 2 but not here; use aes128, aes192 or aes256")
                    : OneOf(entry, path, ("none", CryptoCipher.None), ("aes128", CryptoCipher.Aes128), ("aes192", CryptoCipher.Aes192), ("aes256", CryptoCipher.Aes256));
                break;
            case "keyfile": totem.KeyFile = entry.Value.Length == 0 ? throw ValueError(entry, path, "keyfile is empty") : entry.Value; break;
            case "transport":
                totem.Transport = entry.Value is "knet" or "iba"
                    ? throw ValueError(entry, path, $"transport {entry.Value} is not supported here; use udp (multicast) or udpu (unicast)")
                    : OneOf(entry, path, ("udp", TransportKind.Udp), ("udpu", TransportKind.Udpu));
                break;
            case "netmtu": totem.NetMtu = Int(entry, path, ConfigurationRules.MinNetMtu, ConfigurationRules.MaxNetMtu); break;
            case "threads": totem.Threads = Int(entry, path, 0, 1024); break;
            case "nodeid": totem.NodeId = (uint)Integer(entry, path, 1, uint.MaxValue); break;
            case "clear_node_high_bit": totem.ClearNodeHighBit = Switch(entry, path); break;
            case "rrp_mode": totem.RrpMode = OneOf(entry, path, ("none", RrpMode.None), ("active", RrpMode.Active), ("passive", RrpMode.Passive)); break;
            case "rrp_problem_count_timeout": totem.ProblemCountTimeout = Milliseconds(entry, path); break;
            case "rrp_problem_count_threshold": totem.ProblemCountThreshold = Int(entry, path); break;
            case "rrp_problem_count_mcast_threshold": totem.ProblemCountMcastThreshold = Int(entry, path); break;
            case "rrp_token_expired_timeout": totem.TokenExpiredTimeout = Milliseconds(entry, path); break;
            case "rrp_autorecovery_check_timeout": totem.AutorecoveryCheckTimeout = Milliseconds(entry, path); break;
            case "token": t.Token = Milliseconds(entry, path); break;
            case "token_coefficient": t.TokenCoefficient = Milliseconds(entry, path); break;
            case "token_retransmit": t.TokenRetransmit = Milliseconds(entry, path); break;
            case "hold": t.Hold = Milliseconds(entry, path); break;
            case "token_retransmits_before_loss_const": t.TokenRetransmitsBeforeLossConst = Int(entry, path, 1); break;
            case "join": t.Join = Milliseconds(entry, path); break;
            case "send_join": t.SendJoin = Milliseconds(entry, path); break;
            case "consensus": t.Consensus = Milliseconds(entry, path); break;
            case "merge": t.Merge = Milliseconds(entry, path); break;
            case "downcheck": t.Downcheck = Milliseconds(entry, path); break;
            case "fail_recv_const": t.FailRecvConst = Int(entry, path, 1); break;
            case "seqno_unchanged_const": t.SeqnoUnchangedConst = Int(entry, path, 1); break;
            case "heartbeat_failures_allowed": t.HeartbeatFailuresAllowed = Int(entry, path); break;
            case "max_network_delay": t.MaxNetworkDelay = Milliseconds(entry, path); break;
            case "window_size": t.WindowSize = Int(entry, path, 1); break;
            case "max_messages": t.MaxMessages = Int(entry, path, 1); break;
            case "miss_count_const": t.MissCountConst = Int(entry, path, 1); break;
            default: return false;
        }

        return true;
    }

    private InterfaceOptions BindInterface(ConfigSection section)
    {
        const string path = "totem.interface";
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int ringNumber = 0;
        IPAddress? bind = null;
        IPAddress? group = null;
        int? port = null;
        var ttl = 1;
        var broadcast = false;
        foreach (var item in section.Items)
        {
            if (item is ConfigSection child)
            {
                if (child.Name == "member")
                {
                    Unused(child, path);
                }
                else
                {
                    Unknown(child, path);
                }

                continue;
            }

            var entry = (ConfigEntry)item;
            NoteRepeat(seen, entry, path);
            switch (entry.Key)
            {
                case "ringnumber": ringNumber = Int(entry, path, 0, RedundancyLimits.MaxRings - 1); break;
                case "bindnetaddr": bind = Address(entry, path); break;
                case "mcastaddr": group = Address(entry, path); break;
                case "mcastport": port = Int(entry, path, 1, 65535); break;
                case "ttl": ttl = Int(entry, path, 0, 255); break;
                case "broadcast": broadcast = Switch(entry, path); break;
                case "linknumber" or "knet_link_priority" or "knet_ping_interval" or "knet_ping_timeout" or "knet_ping_precision" or "knet_pong_count" or "knet_transport":
                    Unused(entry, path);
                    break;
                default: Unknown(entry, path); break;
            }
        }

        if (broadcast && group is not null)
        {
            Warn(section.Find("mcastaddr")!, "totem.interface.mcastaddr", "mcastaddr is ignored with broadcast: yes");
            group = null;
        }

        return new InterfaceOptions
        {
            RingNumber = ringNumber,
            BindNetAddress = bind,
            MulticastAddress = group,
            MulticastPort = port ?? (broadcast ? InterfaceOptions.DefaultMulticastPort + (2 * ringNumber) : InterfaceOptions.DefaultMulticastPort),
            Ttl = ttl,
            Broadcast = broadcast,
        };
    }
}
