using System.Globalization;

namespace Clustering.Transport.Configuration;

/// <summary>Binding of the sections other than totem.</summary>
internal sealed partial class ConfigurationBinder
{
    private void BindNodelist(ConfigSection section, List<NodeOptions> nodes)
    {
        foreach (var item in section.Items)
        {
            if (item is ConfigSection { Name: "node" } node)
            {
                _nodeSections.Add(node);
                nodes.Add(BindNode(node));
            }
            else
            {
                Unknown(item, "nodelist");
            }
        }
    }

    private NodeOptions BindNode(ConfigSection section)
    {
        const string path = "nodelist.node";
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var addresses = new SortedDictionary<int, string>();
        uint? nodeId = null;
        string? name = null;
        var votes = 1;
        foreach (var entry in Keys(section, path, seen))
        {
            if (TryRingAddressIndex(entry.Key, out var ring))
            {
                if (entry.Value.Length == 0)
                {
                    throw ValueError(entry, path, $"{entry.Key} is empty");
                }

                addresses[ring] = entry.Value;
                continue;
            }

            switch (entry.Key)
            {
                case "nodeid": nodeId = (uint)Integer(entry, path, 1, uint.MaxValue); break;
                case "name": name = entry.Value.Length == 0 ? throw ValueError(entry, path, "name is empty") : entry.Value; break;
                case "quorum_votes": votes = Int(entry, path, 0, 65535); break;
                default: Unknown(entry, path); break;
            }
        }

        var list = new List<string>();
        foreach (var (ring, address) in addresses)
        {
            if (ring != list.Count)
            {
                var entry = section.Find($"ring{ring.ToString(CultureInfo.InvariantCulture)}_addr")!;
                throw ValueError(entry, path, $"ring{ring}_addr is given but ring{list.Count}_addr is not");
            }

            list.Add(address);
        }

        return new NodeOptions { RingAddresses = list.AsReadOnly(), NodeId = nodeId, Name = name, QuorumVotes = votes };
    }

    private static bool TryRingAddressIndex(string key, out int ring)
    {
        ring = -1;
        return key.StartsWith("ring", StringComparison.Ordinal) && key.EndsWith("_addr", StringComparison.Ordinal)
            && int.TryParse(key.AsSpan(4, key.Length - 9), NumberStyles.None, CultureInfo.InvariantCulture, out ring)
            && ring < Redundancy.RedundancyLimits.MaxRings;
    }

    private QuorumOptions BindQuorum(ConfigSection section, QuorumOptions? previous)
    {
        const string path = "quorum";
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var q = previous ?? new QuorumOptions();
        string? provider = q.Provider;
        int? expected = q.ExpectedVotes;
        bool twoNode = q.TwoNode, lms = q.LastManStanding, atb = q.AutoTieBreaker;
        bool? waitForAll = q.WaitForAll;
        var window = q.LastManStandingWindow;
        var atbNode = q.AutoTieBreakerNode;
        foreach (var item in section.Items)
        {
            if (item is ConfigSection child)
            {
                if (child.Name == "device")
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
            Record(path, entry);
            switch (entry.Key)
            {
                case "provider": provider = entry.Value; break;
                case "expected_votes": expected = Int(entry, path, 1); break;
                case "two_node": twoNode = ZeroOrOne(entry, path); break;
                case "wait_for_all": waitForAll = ZeroOrOne(entry, path); break;
                case "last_man_standing": lms = ZeroOrOne(entry, path); break;
                case "last_man_standing_window": window = Milliseconds(entry, path, 1); break;
                case "auto_tie_breaker": atb = ZeroOrOne(entry, path); break;
                case "auto_tie_breaker_node": atbNode = entry.Value; break;
                default: UnusedOrUnknown(entry, path, UnusedQuorumKeys); break;
            }
        }

        if (provider is null)
        {
            Warn(section, path, "quorum has no provider: votequorum is off and the other quorum keys have no effect");
        }

        return new QuorumOptions
        {
            Provider = provider,
            ExpectedVotes = expected,
            TwoNode = twoNode,
            WaitForAll = waitForAll,
            LastManStanding = lms,
            LastManStandingWindow = window,
            AutoTieBreaker = atb,
            AutoTieBreakerNode = atbNode,
        };
    }

    /// <summary>The keys of a section that has no sections of its own: a nested section is an unknown one, a repeated key a warning.</summary>
    private IEnumerable<ConfigEntry> Keys(ConfigSection section, string path, HashSet<string> seen)
    {
        foreach (var item in section.Items)
        {
            if (item is ConfigSection child)
            {
                Unknown(child, path);
                continue;
            }

            var entry = (ConfigEntry)item;
            NoteRepeat(seen, entry, path);
            yield return entry;
        }
    }

    private SystemOptions BindSystem(ConfigSection section, SystemOptions? previous)
    {
        const string path = "system";
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var system = previous ?? new SystemOptions();
        foreach (var entry in Keys(section, path, seen))
        {
            Record(path, entry);
            switch (entry.Key)
            {
                case "sched_rr":
                    // Corosync turns it on for "yes" alone: anything else, "on" included, turns it off.
                    if (entry.Value is not ("yes" or "no"))
                    {
                        Warn(entry, "system.sched_rr", $"sched_rr is on only for 'yes': '{entry.Value}' turns it off, as in Corosync");
                    }

                    system = system with { SchedRr = entry.Value == "yes" };
                    break;
                case "priority":
                    system = system with { Priority = NiceValue(entry, path) };
                    break;
                default: UnusedOrUnknown(entry, path, UnusedSystemKeys); break;
            }
        }

        return system;
    }

    /// <summary><c>system.priority</c>: <c>max</c>, <c>min</c> or an integer (clamped to the nice range, as the kernel does).</summary>
    private int NiceValue(ConfigEntry entry, string path)
    {
        switch (entry.Value)
        {
            case "max":
                return SystemOptions.HighestPriority;
            case "min":
                return SystemOptions.LowestPriority;
        }

        if (!long.TryParse(entry.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value is < int.MinValue or > int.MaxValue)
        {
            // Corosync's own words for this case, logged before it exits with its "main config read" code.
            throw new ConfigurationException($"Priority value {entry.Value} is invalid", FileName, entry.Line, entry.ValueColumn, Dotted(path, entry.Key));
        }

        return (int)Math.Clamp(value, SystemOptions.HighestPriority, SystemOptions.LowestPriority);
    }

    private LoggingOptions BindLogging(ConfigSection section, LoggingOptions? previous)
    {
        const string path = "logging";
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var l = previous ?? new LoggingOptions();
        bool fileLine = l.FileLine, functionName = l.FunctionName, toStderr = l.ToStderr, toLogfile = l.ToLogfile, toSyslog = l.ToSyslog, timestamp = l.Timestamp;
        var logFile = l.LogFile;
        var debug = l.Debug;
        string facility = l.SyslogFacility, syslogPriority = l.SyslogPriority, logfilePriority = l.LogfilePriority;
        var subsystems = new List<LoggerSubsysOptions>(l.Subsystems);
        foreach (var item in section.Items)
        {
            if (item is ConfigSection child)
            {
                if (child.Name == "logger_subsys")
                {
                    subsystems.Add(BindLoggerSubsys(child));
                }
                else if (child.Name == "logging_daemon")
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
            Record(path, entry);
            switch (entry.Key)
            {
                case "fileline": fileLine = Switch(entry, path); break;
                case "function_name": functionName = Switch(entry, path); break;
                case "to_stderr": toStderr = Switch(entry, path); break;
                case "to_logfile": toLogfile = Switch(entry, path); break;
                case "to_syslog": toSyslog = Switch(entry, path); break;
                case "timestamp" when entry.Value == "hires":
                    timestamp = true;
                    Warn(entry, "logging.timestamp", "timestamp: hires (Corosync 3) is treated as on");
                    break;
                case "timestamp": timestamp = Switch(entry, path); break;
                case "logfile": logFile = entry.Value; break;
                case "debug": debug = Debug(entry, path); break;
                case "syslog_facility": facility = OneOf(entry, path, ConfigurationRules.Facilities.Select(f => (f, f)).ToArray()); break;
                case "syslog_priority": syslogPriority = Priority(entry, path); break;
                case "logfile_priority": logfilePriority = Priority(entry, path); break;
                default: UnusedOrUnknown(entry, path, UnusedLoggingKeys); break;
            }
        }

        return new LoggingOptions
        {
            FileLine = fileLine,
            FunctionName = functionName,
            ToStderr = toStderr,
            ToLogfile = toLogfile,
            ToSyslog = toSyslog,
            LogFile = logFile,
            Debug = debug,
            Timestamp = timestamp,
            SyslogFacility = facility,
            SyslogPriority = syslogPriority,
            LogfilePriority = logfilePriority,
            Subsystems = subsystems.AsReadOnly(),
        };
    }

    private LoggingDebugLevel Debug(ConfigEntry entry, string path) =>
        OneOf(entry, path, ("off", LoggingDebugLevel.Off), ("on", LoggingDebugLevel.On), ("trace", LoggingDebugLevel.Trace));

    private string Priority(ConfigEntry entry, string path) =>
        OneOf(entry, path, ConfigurationRules.Priorities.Select(p => (p, p)).ToArray());

    private LoggerSubsysOptions BindLoggerSubsys(ConfigSection section)
    {
        const string path = "logging.logger_subsys";
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? subsys = null;
        LoggingDebugLevel? debug = null;
        foreach (var item in section.Items)
        {
            if (item is not ConfigEntry entry)
            {
                Unknown(item, path);
                continue;
            }

            NoteRepeat(seen, entry, path);
            switch (entry.Key)
            {
                case "subsys": subsys = entry.Value; break;
                case "debug": debug = Debug(entry, path); break;
                case "to_stderr" or "to_logfile" or "to_syslog" or "logfile" or "fileline" or "function_name" or "timestamp"
                    or "syslog_facility" or "syslog_priority" or "logfile_priority" or "tags":
                    Unused(entry, path);
                    break;
                default: Unknown(entry, path); break;
            }
        }

        if (string.IsNullOrEmpty(subsys))
        {
            throw new ConfigurationException("parser error: No subsys key in logger_subsys directive", FileName, section.Line, section.Column, path + ".subsys");
        }

        return new LoggerSubsysOptions { Subsys = subsys, Debug = debug };
    }

    private ServiceOptions BindService(ConfigSection section)
    {
        const string path = "service";
        string? name = null;
        var version = 0;
        foreach (var item in section.Items)
        {
            if (item is not ConfigEntry entry)
            {
                Unknown(item, path);
                continue;
            }

            switch (entry.Key)
            {
                case "name": name = entry.Value; break;
                case "ver": version = Int(entry, path, 0, 65535); break;
                default: Unknown(entry, path); break;
            }
        }

        if (string.IsNullOrEmpty(name))
        {
            throw new ConfigurationException("parse error in config: service needs a name", FileName, section.Line, section.Column, "service.name");
        }

        Warn(section, path, $"service {{ name: {name} ver: {version.ToString(CultureInfo.InvariantCulture)} }} loads a Corosync 1.x plugin (Pacemaker 1.1 era); plugins are not used here and Pacemaker-style services run in process");
        return new ServiceOptions { Name = name, Version = version };
    }

    private AmfOptions BindAmf(ConfigSection section)
    {
        const string path = "amf";
        var mode = "disabled";
        foreach (var item in section.Items)
        {
            if (item is ConfigEntry { Key: "mode" } entry)
            {
                mode = OneOf(entry, path, ("disabled", "disabled"), ("enabled", "enabled"));
            }
            else
            {
                Unknown(item, path);
            }
        }

        Warn(section, path, $"amf {{ mode: {mode} }} configures openais' Availability Management Framework (Corosync 1.x era), which is not used here");
        return new AmfOptions { Mode = mode };
    }
}
