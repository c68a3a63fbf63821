using System.Globalization;

namespace Clustering.Tool.Commands.Bench;

/// <summary>What <c>clusterctl bench</c> runs: how many nodes, who sends, how much and how fast, over which transport.</summary>
internal sealed record BenchOptions
{
    /// <summary>The smallest message: an 8-byte sequence number and an 8-byte send timestamp.</summary>
    public const int MinSize = 16;

    /// <summary>The largest message (Corosync's MESSAGE_SIZE_MAX).</summary>
    public const int MaxSize = 1024 * 1024;

    /// <summary>Corosync's (and the nodes') default <c>max_messages</c>.</summary>
    public static readonly int DefaultMaxMessages = new Clustering.Transport.Configuration.TotemTimings().MaxMessages;

    /// <summary>Corosync's (and the nodes') default <c>window_size</c>.</summary>
    public static readonly int DefaultWindowSize = new Clustering.Transport.Configuration.TotemTimings().WindowSize;

    public int Nodes { get; init; } = 3;

    /// <summary>Every node sends (<c>--senders all</c>) rather than node 1 alone.</summary>
    public bool AllSend { get; init; }

    public int Size { get; init; } = 64;

    public int Count { get; init; } = 10_000;

    /// <summary>Messages per second per sender; 0 sends as fast as back-pressure allows.</summary>
    public int Rate { get; init; }

    /// <summary><c>udp</c> (multicast) or <c>udpu</c> (unicast).</summary>
    public string Transport { get; init; } = "udpu";

    public int Rings { get; init; } = 1;

    public bool SecAuth { get; init; } = true;

    /// <summary>The nodes' accelerated window (<see cref="Clustering.Node.ClusterNodeOptions.AcceleratedWindow"/>); 0 runs Totem as Corosync does.</summary>
    public int AcceleratedWindow { get; init; } = Clustering.Membership.Totem.TotemRingOptions.DefaultAcceleratedWindow;

    /// <summary>
    /// Totem's <c>max_messages</c> for every node (frames one token visit may send); <see langword="null"/> leaves
    /// Corosync's default, <see cref="DefaultMaxMessages"/>.
    /// </summary>
    public int? MaxMessages { get; init; }

    /// <summary>Totem's <c>window_size</c> for every node; <see langword="null"/> leaves Corosync's default, <see cref="DefaultWindowSize"/>.</summary>
    public int? WindowSize { get; init; }

    /// <summary>The <c>max_messages</c> the nodes run with.</summary>
    public int EffectiveMaxMessages => MaxMessages ?? DefaultMaxMessages;

    /// <summary>The <c>window_size</c> the nodes run with.</summary>
    public int EffectiveWindowSize => WindowSize ?? DefaultWindowSize;

    /// <summary>
    /// Whether the node processes run with round-robin real-time scheduling (<c>--sched-rr on</c>, the default): each
    /// node's <c>corosync.conf</c> gets <c>system { sched_rr: yes }</c> (or <c>no</c>), which the node applies to its
    /// process as <c>clusterctl node</c> and Corosync do. Refused without the privilege, as for Corosync.
    /// </summary>
    public bool SchedRr { get; init; } = true;

    public bool Json { get; init; }

    /// <summary>How long without any member making progress before the run is cut short and reported.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public int Senders => AllSend ? Nodes : 1;

    public long ExpectedMessages => (long)Count * Senders;

    /// <summary>Reads the options of <c>clusterctl bench</c>; throws <see cref="CommandLineException"/> for anything it cannot use.</summary>
    public static BenchOptions Parse(CommandLine args)
    {
        var nodes = (int)(args.Integer(2, 32, "--nodes", "-n") ?? 3);
        var senders = args.Value("--senders") ?? "1";
        var size = (int)(args.Integer(MinSize, MaxSize, "--size", "-s") ?? 64);
        var count = (int)(args.Integer(1, 100_000_000, "--count", "-c") ?? 10_000);
        var rate = (int)(args.Integer(0, 10_000_000, "--rate", "-r") ?? 0);
        var transport = args.Value("--transport", "-t") ?? "udpu";
        var rings = (int)(args.Integer(1, 2, "--rings") ?? 1);
        var secauth = args.Value("--secauth") ?? "on";
        var stall = args.Integer(1, 3600, "--stall-timeout") ?? 10;
        var accelerated = (int)(args.Integer(0, 1000, "--accelerated-window") ?? Clustering.Membership.Totem.TotemRingOptions.DefaultAcceleratedWindow);
        var maxMessages = (int?)args.Integer(1, 1000, "--max-messages");
        var windowSize = (int?)args.Integer(1, 1000, "--window-size");
        var schedRr = args.Value("--sched-rr") ?? "on";
        var json = args.Flag("--json");
        args.EnsureConsumed();

        var allSend = senders switch
        {
            "1" => false,
            "all" => true,
            _ => throw new CommandLineException($"option --senders takes 1 or all, not '{senders}'"),
        };
        if (transport is not ("udp" or "udpu"))
        {
            throw new CommandLineException($"option --transport takes udp or udpu, not '{transport}'");
        }

        return new BenchOptions
        {
            Nodes = nodes,
            AllSend = allSend,
            Size = size,
            Count = count,
            Rate = rate,
            Transport = transport,
            Rings = rings,
            SecAuth = OnOff("--secauth", secauth),
            AcceleratedWindow = accelerated,
            MaxMessages = maxMessages,
            WindowSize = windowSize,
            SchedRr = OnOff("--sched-rr", schedRr),
            Json = json,
            StallTimeout = TimeSpan.FromSeconds(stall),
        };
    }

    /// <summary>A switch option's value: on/yes or off/no.</summary>
    private static bool OnOff(string option, string value) => value switch
    {
        "on" or "yes" => true,
        "off" or "no" => false,
        _ => throw new CommandLineException($"option {option} takes on or off, not '{value}'"),
    };

    /// <summary>One line describing the run, for the human report.</summary>
    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Nodes} nodes ({Transport}, {Rings} ring{(Rings == 1 ? "" : "s")}{(Rings > 1 ? " active" : "")}, secauth {(SecAuth ? "on" : "off")}), {Senders} sender{(Senders == 1 ? "" : "s")} x {Count} messages of {Size} bytes, {(Rate == 0 ? "rate unlimited" : $"rate {Rate} msgs/s per sender")}");
}
