using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;

namespace Clustering.NodeHost;

/// <summary>
/// The command line of the node host:
/// <c>--config PATH --node-id N [--authkey PATH] [--group NAME] [--local-address RING=ADDRESS]... [--log-level LEVEL]</c>.
/// </summary>
internal sealed record HostArguments
{
    /// <summary>The usage text printed with an argument error.</summary>
    public const string Usage =
        "usage: Clustering.NodeHost --config PATH --node-id N [--authkey PATH] [--group NAME] [--local-address RING=ADDRESS]... [--log-level LEVEL]";

    /// <summary>The corosync.conf to run.</summary>
    public required string ConfigPath { get; init; }

    /// <summary>This node's id (its nodelist entry with udpu).</summary>
    public required uint NodeId { get; init; }

    /// <summary>The authkey; totem.keyfile or Corosync's default when absent.</summary>
    public string? AuthkeyPath { get; init; }

    /// <summary>The process group the host joins and sends to.</summary>
    public string Group { get; init; } = "nodehost";

    /// <summary>
    /// Exact local addresses per ring for <c>transport: udp</c>, overriding the bindnetaddr match: several nodes on
    /// one host bind 127.0.0.N, which Corosync's bindnetaddr rule would all map to 127.0.0.1.
    /// </summary>
    public IReadOnlyDictionary<int, IPAddress> LocalAddresses { get; init; } = new Dictionary<int, IPAddress>();

    /// <summary>The lowest level logged to standard error.</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    /// <summary>Parses the command line.</summary>
    /// <param name="args">The arguments.</param>
    /// <returns>The parsed arguments.</returns>
    /// <exception cref="HostArgumentException">An argument is missing, unknown or malformed.</exception>
    public static HostArguments Parse(IReadOnlyList<string> args)
    {
        string? config = null;
        uint? nodeId = null;
        string? authkey = null;
        var group = "nodehost";
        var level = LogLevel.Information;
        var local = new Dictionary<int, IPAddress>();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new HostArgumentException($"{name} needs a value");
            switch (name)
            {
                case "--config":
                    config = Value();
                    break;
                case "--node-id":
                    var text = Value();
                    nodeId = uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
                        ? id
                        : throw new HostArgumentException($"--node-id must be a positive integer, not '{text}'");
                    break;
                case "--authkey":
                    authkey = Value();
                    break;
                case "--group":
                    group = Value();
                    if (group.Length is 0 or > 128)
                    {
                        throw new HostArgumentException("--group must be 1 to 128 characters");
                    }

                    break;
                case "--local-address":
                    var (ring, address) = ParseLocalAddress(Value());
                    if (!local.TryAdd(ring, address))
                    {
                        throw new HostArgumentException($"--local-address given twice for ring {ring}");
                    }

                    break;
                case "--log-level":
                    var levelText = Value();
                    level = Enum.TryParse<LogLevel>(levelText, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)
                        ? parsed
                        : throw new HostArgumentException($"--log-level must be one of {string.Join(", ", Enum.GetNames<LogLevel>())}, not '{levelText}'");
                    break;
                default:
                    throw new HostArgumentException($"unknown argument '{name}'");
            }
        }

        return new HostArguments
        {
            ConfigPath = config ?? throw new HostArgumentException("--config is required"),
            NodeId = nodeId ?? throw new HostArgumentException("--node-id is required"),
            AuthkeyPath = authkey,
            Group = group,
            LocalAddresses = local,
            LogLevel = level,
        };
    }

    private static (int Ring, IPAddress Address) ParseLocalAddress(string text)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0
            || !int.TryParse(text.AsSpan(0, equals), NumberStyles.None, CultureInfo.InvariantCulture, out var ring)
            || ring > 7
            || !IPAddress.TryParse(text.AsSpan(equals + 1), out var address))
        {
            throw new HostArgumentException($"--local-address must be RING=ADDRESS with a ring of 0 to 7, not '{text}'");
        }

        return (ring, address);
    }
}
