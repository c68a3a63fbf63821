using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Clustering.Transport.Configuration;

/// <summary>
/// A whole <c>corosync.conf</c> as typed options: <c>totem</c>, <c>nodelist</c>, <c>quorum</c>, <c>logging</c>,
/// <c>system</c>, and the Corosync 1.x <c>service</c> and <c>amf</c> sections (accepted with a warning). Build one in code, or
/// <see cref="Parse"/>/<see cref="Load"/> a file: unknown keys become <see cref="Warnings"/>, wrong values a
/// <see cref="ConfigurationException"/> naming the key, its line and column.
/// </summary>
public sealed class CorosyncConfiguration
{
    /// <summary>Where Corosync looks by default.</summary>
    public const string DefaultPath = "/etc/corosync/corosync.conf";

    /// <summary>The file the configuration was read from, or null.</summary>
    public string? FileName { get; init; }

    /// <summary>The <c>totem</c> section.</summary>
    public TotemOptions Totem { get; init; } = new();

    /// <summary>The <c>nodelist</c> entries in file order (empty without a nodelist).</summary>
    public IReadOnlyList<NodeOptions> Nodes { get; init; } = [];

    /// <summary>The <c>quorum</c> section (a default instance with no provider when the file has none).</summary>
    public QuorumOptions Quorum { get; init; } = new();

    /// <summary>The <c>logging</c> section.</summary>
    public LoggingOptions Logging { get; init; } = new();

    /// <summary>The <c>service</c> blocks (Corosync 1.x plugins; no effect here).</summary>
    public IReadOnlyList<ServiceOptions> Services { get; init; } = [];

    /// <summary>The <c>amf</c> section, or null (openais; no effect here).</summary>
    public AmfOptions? Amf { get; init; }

    /// <summary>The <c>system</c> section: how the node process is scheduled (defaults as in Corosync when the file has none).</summary>
    public SystemOptions System { get; init; } = new();

    /// <summary>What loading accepted but reports: unknown keys and sections, keys with no effect here, repeated keys.</summary>
    public IReadOnlyList<ConfigurationWarning> Warnings { get; init; } = [];

    /// <summary>The number of rings: the interface blocks, or without them the most <c>ringX_addr</c> a node has.</summary>
    public int RingCount => Totem.Interfaces.Count > 0
        ? Totem.Interfaces.Count
        : Nodes.Count == 0 ? 0 : Nodes.Max(n => n.RingAddresses.Count);

    /// <summary>The timings as a node of this cluster runs them (token coefficient applied for the nodelist's size).</summary>
    public EffectiveTotemTimings EffectiveTimings => Totem.Timings.Effective(Nodes.Count);

    /// <summary>Parses and binds <c>corosync.conf</c> text.</summary>
    /// <param name="text">The file's text.</param>
    /// <param name="fileName">The file name for errors and warnings, or null.</param>
    /// <returns>The validated configuration.</returns>
    /// <exception cref="ConfigurationException">A syntax error, a bad value, or values that do not fit together.</exception>
    public static CorosyncConfiguration Parse(string text, string? fileName = null) =>
        FromDocument(CorosyncConfigParser.Parse(text, fileName));

    /// <summary>Reads, parses and binds a <c>corosync.conf</c> file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The validated configuration.</returns>
    /// <exception cref="ConfigurationException">The file cannot be read, or is not a valid configuration.</exception>
    public static CorosyncConfiguration Load(string path) => FromDocument(CorosyncConfigParser.Load(path));

    /// <summary>Reads, parses and binds a <c>corosync.conf</c> file asynchronously.</summary>
    /// <param name="path">The file.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The validated configuration.</returns>
    /// <exception cref="ConfigurationException">The file cannot be read, or is not a valid configuration.</exception>
    public static async Task<CorosyncConfiguration> LoadAsync(string path, CancellationToken cancellationToken = default) =>
        FromDocument(await CorosyncConfigParser.LoadAsync(path, cancellationToken).ConfigureAwait(false));

    /// <summary>Binds a parsed tree to typed options and validates them.</summary>
    /// <param name="document">The parsed file.</param>
    /// <returns>The validated configuration.</returns>
    /// <exception cref="ConfigurationException">A bad value, or values that do not fit together.</exception>
    public static CorosyncConfiguration FromDocument(ConfigDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return new ConfigurationBinder(document).Bind();
    }

    /// <summary>Throws <see cref="ConfigurationException"/> with the first problem (for configurations built in code).</summary>
    public void Validate()
    {
        var problem = ConfigurationRules.Problems(this).FirstOrDefault();
        if (problem is not null)
        {
            throw new ConfigurationException(problem.Message, FileName, 0, 0, problem.Key);
        }
    }

    /// <summary>
    /// This node's id: <c>totem.nodeid</c> if set; else the <c>nodeid</c> (or derived id) of the nodelist entry whose
    /// ring 0 address is <paramref name="ring0Address"/>; else the id derived from <paramref name="ring0Address"/>.
    /// </summary>
    /// <param name="ring0Address">The local address bound on ring 0.</param>
    /// <param name="byteOrder">How a derived id reads the address; see <see cref="NodeIdByteOrder"/>.</param>
    /// <returns>The node id.</returns>
    /// <exception cref="ConfigurationException">No id is configured and the address is not IPv4.</exception>
    public uint ResolveLocalNodeId(IPAddress ring0Address, NodeIdByteOrder byteOrder = NodeIdByteOrder.LittleEndian)
    {
        ArgumentNullException.ThrowIfNull(ring0Address);
        if (Totem.NodeId is { } id)
        {
            return id;
        }

        foreach (var node in Nodes)
        {
            if (node.RingAddresses.Count > 0 && IPAddress.TryParse(node.RingAddresses[0], out var address) && address.Equals(ring0Address))
            {
                return node.EffectiveNodeId(Totem.ClearNodeHighBit, byteOrder);
            }
        }

        try
        {
            return NodeId.FromIPv4(ring0Address, Totem.ClearNodeHighBit, byteOrder);
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationException("parse error in config: " + e.Message, FileName, 0, 0, "totem.nodeid", e);
        }
    }

    /// <summary>
    /// The multicast group Corosync generates for a ring when <c>mcastaddr</c> is absent and <c>cluster_name</c> is set:
    /// a 16-bit shift-and-add hash of the name plus the ring number, as 239.192.(id ÷ 256).(id mod 255), or ff15::id for IPv6.
    /// </summary>
    /// <param name="ringNumber">The ring.</param>
    /// <param name="family">IPv4 or IPv6.</param>
    /// <returns>The group, or null when <c>cluster_name</c> is not set.</returns>
    public IPAddress? GeneratedMulticastAddress(int ringNumber, AddressFamily family = AddressFamily.InterNetwork)
    {
        if (Totem.ClusterName is null)
        {
            return null;
        }

        var value = 0;
        foreach (var b in Encoding.UTF8.GetBytes(Totem.ClusterName))
        {
            value = unchecked((value << 1) + (sbyte)b);
        }

        var id = (ushort)((value & 0xFFFF) + ringNumber);
        return family == AddressFamily.InterNetworkV6
            ? IPAddress.Parse("ff15::" + id.ToString("x", global::System.Globalization.CultureInfo.InvariantCulture))
            : new IPAddress(new byte[] { 239, 192, (byte)(id >> 8), (byte)(id % 0xFF) });
    }

    /// <summary>The multicast group a ring uses: its <c>mcastaddr</c>, 255.255.255.255 with <c>broadcast</c>, else the generated one.</summary>
    /// <param name="ring">The interface block.</param>
    /// <returns>The group, or null when there is none (udpu).</returns>
    public IPAddress? EffectiveMulticastAddress(InterfaceOptions ring)
    {
        ArgumentNullException.ThrowIfNull(ring);
        if (ring.Broadcast)
        {
            return IPAddress.Broadcast;
        }

        return ring.MulticastAddress ?? GeneratedMulticastAddress(
            ring.RingNumber, ring.BindNetAddress?.AddressFamily ?? AddressFamily.InterNetwork);
    }

    /// <summary>The effective configuration in <c>corosync.conf</c> syntax, every default written out.</summary>
    public string ToConfigText() => CorosyncConfigurationWriter.Write(this);
}
