using System.Globalization;
using System.Text;
using Clustering.Transport.Redundancy;
using Clustering.Transport.Security;

namespace Clustering.Transport.Configuration;

/// <summary>Writes typed options as the effective <c>corosync.conf</c>: every key with its value or default, computed timings as a comment.</summary>
internal static class CorosyncConfigurationWriter
{
    public static string Write(CorosyncConfiguration config)
    {
        var effective = config.EffectiveTimings;
        var header = new StringBuilder()
            .Append("# Effective configuration: every default written out.\n")
            .Append(CultureInfo.InvariantCulture, $"# Runtime timings for {config.Nodes.Count} listed node(s): token {Ms(effective.Token)}, token_retransmit {Ms(effective.TokenRetransmit)}, ")
            .Append(CultureInfo.InvariantCulture, $"hold {Ms(effective.Hold)}, consensus {Ms(effective.Consensus)}")
            .Append(effective.HeartbeatTimeout is { } heartbeat ? $", heartbeat {Ms(heartbeat)}" : string.Empty)
            .Append(" (ms).\n\n");
        return header + CorosyncConfigWriter.Write(ToTree(config));
    }

    public static ConfigSection ToTree(CorosyncConfiguration config)
    {
        var sections = new List<ConfigNode> { Totem(config) };
        if (config.Nodes.Count > 0)
        {
            sections.Add(new ConfigSection("nodelist", config.Nodes.Select(Node)));
        }

        if (config.Quorum.Provider is not null)
        {
            sections.Add(Quorum(config.Quorum));
        }

        sections.Add(Logging(config.Logging));
        sections.Add(System(config.System));
        if (config.Amf is { } amf)
        {
            sections.Add(new ConfigSection("amf", [E("mode", amf.Mode)]));
        }

        sections.AddRange(config.Services.Select(s => new ConfigSection("service", [E("name", s.Name), E("ver", s.Version)])));
        return new ConfigSection(string.Empty, sections);
    }

    private static ConfigSection Totem(CorosyncConfiguration config)
    {
        var totem = config.Totem;
        var t = totem.Timings;
        var r = totem.Redundancy;
        var items = new List<ConfigNode> { E("version", totem.Version) };
        AddIf(items, "cluster_name", totem.ClusterName);
        items.Add(E("config_version", totem.ConfigVersion.ToString(CultureInfo.InvariantCulture)));
        items.Add(E("secauth", totem.SecAuth ? "on" : "off"));
        items.Add(E("crypto_hash", Word(totem.CryptoHash)));
        items.Add(E("crypto_cipher", Word(totem.CryptoCipher)));
        AddIf(items, "keyfile", totem.KeyFile);
        items.Add(E("transport", totem.Transport == TransportKind.Udpu ? "udpu" : "udp"));
        items.Add(E("netmtu", totem.NetMtu));
        items.Add(E("threads", totem.Threads));
        AddIf(items, "nodeid", totem.NodeId?.ToString(CultureInfo.InvariantCulture));
        items.Add(E("clear_node_high_bit", totem.ClearNodeHighBit ? "yes" : "no"));
        items.Add(E("rrp_mode", Word(r.Mode)));
        items.Add(E("token", Ms(t.Token)));
        items.Add(E("token_coefficient", Ms(t.TokenCoefficient)));
        AddIf(items, "token_retransmit", t.TokenRetransmit is { } retransmit ? Ms(retransmit).ToString(CultureInfo.InvariantCulture) : null);
        AddIf(items, "hold", t.Hold is { } hold ? Ms(hold).ToString(CultureInfo.InvariantCulture) : null);
        items.Add(E("token_retransmits_before_loss_const", t.TokenRetransmitsBeforeLossConst));
        items.Add(E("join", Ms(t.Join)));
        items.Add(E("send_join", Ms(t.SendJoin)));
        AddIf(items, "consensus", t.Consensus is { } consensus ? Ms(consensus).ToString(CultureInfo.InvariantCulture) : null);
        items.Add(E("merge", Ms(t.Merge)));
        items.Add(E("downcheck", Ms(t.Downcheck)));
        items.Add(E("fail_recv_const", t.FailRecvConst));
        items.Add(E("seqno_unchanged_const", t.SeqnoUnchangedConst));
        items.Add(E("heartbeat_failures_allowed", t.HeartbeatFailuresAllowed));
        items.Add(E("max_network_delay", Ms(t.MaxNetworkDelay)));
        items.Add(E("window_size", t.WindowSize));
        items.Add(E("max_messages", t.MaxMessages));
        items.Add(E("miss_count_const", t.MissCountConst));
        items.Add(E("rrp_problem_count_timeout", Ms(r.ProblemCountTimeout)));
        items.Add(E("rrp_problem_count_threshold", r.ProblemCountThreshold));
        items.Add(E("rrp_problem_count_mcast_threshold", r.EffectiveMulticastThreshold));
        items.Add(E("rrp_token_expired_timeout", Ms(r.TokenExpiredTimeout)));
        items.Add(E("rrp_autorecovery_check_timeout", Ms(r.AutorecoveryCheckTimeout)));
        foreach (var ring in totem.Interfaces)
        {
            var block = new List<ConfigNode> { E("ringnumber", ring.RingNumber) };
            AddIf(block, "bindnetaddr", ring.BindNetAddress?.ToString());
            if (!ring.Broadcast && totem.Transport == TransportKind.Udp)
            {
                AddIf(block, "mcastaddr", config.EffectiveMulticastAddress(ring)?.ToString());
            }
            else if (!ring.Broadcast)
            {
                AddIf(block, "mcastaddr", ring.MulticastAddress?.ToString());
            }

            block.Add(E("mcastport", ring.MulticastPort));
            block.Add(E("ttl", ring.Ttl));
            block.Add(E("broadcast", ring.Broadcast ? "yes" : "no"));
            items.Add(new ConfigSection("interface", block));
        }

        return new ConfigSection("totem", items);
    }

    private static ConfigSection Node(NodeOptions node)
    {
        var items = new List<ConfigNode>();
        for (var i = 0; i < node.RingAddresses.Count; i++)
        {
            items.Add(E($"ring{i.ToString(CultureInfo.InvariantCulture)}_addr", node.RingAddresses[i]));
        }

        AddIf(items, "nodeid", node.NodeId?.ToString(CultureInfo.InvariantCulture));
        AddIf(items, "name", node.Name);
        items.Add(E("quorum_votes", node.QuorumVotes));
        return new ConfigSection("node", items);
    }

    private static ConfigSection System(SystemOptions system)
    {
        var items = new List<ConfigNode> { E("sched_rr", system.SchedRr ? "yes" : "no") };
        if (system.Priority is { } priority)
        {
            items.Add(E("priority", priority));
        }

        return new ConfigSection("system", items);
    }

    private static ConfigSection Quorum(QuorumOptions quorum)
    {
        var items = new List<ConfigNode> { E("provider", quorum.Provider!) };
        AddIf(items, "expected_votes", quorum.ExpectedVotes?.ToString(CultureInfo.InvariantCulture));
        items.Add(E("two_node", quorum.TwoNode ? 1 : 0));
        items.Add(E("wait_for_all", quorum.EffectiveWaitForAll ? 1 : 0));
        items.Add(E("last_man_standing", quorum.LastManStanding ? 1 : 0));
        items.Add(E("last_man_standing_window", Ms(quorum.LastManStandingWindow)));
        items.Add(E("auto_tie_breaker", quorum.AutoTieBreaker ? 1 : 0));
        items.Add(E("auto_tie_breaker_node", quorum.AutoTieBreakerNode));
        return new ConfigSection("quorum", items);
    }

    private static ConfigSection Logging(LoggingOptions logging)
    {
        var items = new List<ConfigNode>
        {
            E("fileline", logging.FileLine ? "on" : "off"),
            E("function_name", logging.FunctionName ? "on" : "off"),
            E("to_stderr", logging.ToStderr ? "yes" : "no"),
            E("to_logfile", logging.ToLogfile ? "yes" : "no"),
            E("to_syslog", logging.ToSyslog ? "yes" : "no"),
        };
        AddIf(items, "logfile", logging.LogFile);
        items.Add(E("debug", Word(logging.Debug)));
        items.Add(E("timestamp", logging.Timestamp ? "on" : "off"));
        items.Add(E("syslog_facility", logging.SyslogFacility));
        items.Add(E("syslog_priority", logging.SyslogPriority));
        items.Add(E("logfile_priority", logging.LogfilePriority));
        foreach (var subsys in logging.Subsystems)
        {
            var block = new List<ConfigNode> { E("subsys", subsys.Subsys) };
            if (subsys.Debug is { } debug)
            {
                block.Add(E("debug", Word(debug)));
            }

            items.Add(new ConfigSection("logger_subsys", block));
        }

        return new ConfigSection("logging", items);
    }

    private static ConfigEntry E(string key, string value) => new(key, value);

    private static ConfigEntry E(string key, long value) => new(key, value.ToString(CultureInfo.InvariantCulture));

    private static void AddIf(List<ConfigNode> items, string key, string? value)
    {
        if (value is not null)
        {
            items.Add(E(key, value));
        }
    }

    private static long Ms(TimeSpan value) => (long)value.TotalMilliseconds;

    private static string Word<T>(T value)
        where T : struct, Enum => value.ToString().ToLowerInvariant();

    private static string Word(CryptoHash value) => Word<CryptoHash>(value);

    private static string Word(CryptoCipher value) => Word<CryptoCipher>(value);

    private static string Word(RrpMode value) => Word<RrpMode>(value);
}
