using System.Diagnostics.Metrics;
using System.Net;
using Clustering.Membership.Quorum;
using Clustering.Membership.Totem;
using Clustering.Transport.Configuration;
using Clustering.Transport.Redundancy;
using Clustering.Transport.Rings;
using Clustering.Transport.Security;
using Microsoft.Extensions.Logging;

namespace Clustering.Node;

/// <summary>
/// Everything a <see cref="ClusterNode"/> needs: its id, its rings, the cluster's key and crypto, redundancy and
/// Totem timings, votequorum's options and where state is kept. Build one in code, or let
/// <see cref="ClusterNodeBuilder.FromCorosyncConfig"/> fill it from <c>corosync.conf</c>.
/// </summary>
public sealed class ClusterNodeOptions
{
    /// <summary>This node's id (corosync.conf's <c>nodeid</c>); 1 or more, unique in the cluster.</summary>
    public uint NodeId { get; set; }

    /// <summary>
    /// One factory per ring, ring 0 first. Each is called once by <see cref="ClusterNode.StartAsync"/>; the node owns
    /// and disposes the rings it creates.
    /// </summary>
    public IList<Func<IRing>> Rings { get; } = [];

    /// <summary>The cluster's shared key; required when <see cref="CryptoHash"/> or <see cref="CryptoCipher"/> is set. Owned by the caller.</summary>
    public Authkey? Authkey { get; set; }

    /// <summary>The cluster's name (<c>totem.cluster_name</c>); frames of other clusters are refused.</summary>
    public string ClusterName { get; set; } = string.Empty;

    /// <summary>The frame authentication (<c>totem.crypto_hash</c>); none by default.</summary>
    public CryptoHash CryptoHash { get; set; } = CryptoHash.None;

    /// <summary>The frame encryption (<c>totem.crypto_cipher</c>); none by default.</summary>
    public CryptoCipher CryptoCipher { get; set; } = CryptoCipher.None;

    /// <summary>How several rings are used (<c>totem.rrp_mode</c>) and when a ring is marked faulty.</summary>
    public RedundancyOptions Redundancy { get; set; } = new();

    /// <summary>
    /// The Totem timings (corosync.conf's <c>totem</c> timing keys, Corosync's defaults). As in Corosync, the nodelist's
    /// size (here the nodes of <see cref="Quorum"/>'s <c>NodeVotes</c>, which <see cref="ClusterNodeBuilder"/> fills
    /// from the nodelist) adds <c>token_coefficient</c> × (nodes − 2) to the token timeout from three nodes on, and the
    /// values computed from the token follow that effective token.
    /// </summary>
    public TotemTimings Timings { get; set; } = new();

    /// <summary>The network MTU Totem sizes its frames by (<c>totem.netmtu</c>, 1500): larger messages are fragmented to fit.</summary>
    public int NetMtu { get; set; } = 1500;

    /// <summary>
    /// Votequorum's options: expected votes, each node's votes (this node advertises <c>Quorum.VotesOf(NodeId)</c>),
    /// two_node, wait_for_all, last_man_standing and auto_tie_breaker. Required.
    /// </summary>
    public VoteQuorumOptions? Quorum { get; set; }

    /// <summary>Node names for reports (the nodelist's <c>name</c>); node ids are printed for nodes without one.</summary>
    public IReadOnlyDictionary<uint, string> NodeNames { get; set; } = new Dictionary<uint, string>();

    /// <summary>Each node's ring addresses, ring 0 first (the nodelist's <c>ringX_addr</c>), for admin reports such as <c>cpgtool</c>'s.</summary>
    public IReadOnlyDictionary<uint, IReadOnlyList<IPAddress>> NodeAddresses { get; set; } = new Dictionary<uint, IReadOnlyList<IPAddress>>();

    /// <summary>
    /// The Unix domain socket of the local admin endpoint (<see cref="Admin.ClusterAdminClient"/>, <c>clusterctl cfgtool</c>
    /// and friends); <see langword="null"/> (the default) serves none. <see cref="Admin.AdminSocket.DefaultPath"/> gives the
    /// conventional place. The socket is created with mode 0600 and only this process's user or root may talk to it.
    /// </summary>
    public string? AdminSocketPath { get; set; }

    /// <summary>A directory for state that must survive restarts (the ring sequence); <see langword="null"/> keeps it in memory.</summary>
    public string? StateDirectory { get; set; }

    /// <summary>How many application messages may wait to be sent before <see cref="ClusterGroup.SendAsync"/> waits; a waiting sender resumes once half of it is left. Default 1024.</summary>
    public int SendQueueCapacity { get; set; } = 1024;

    /// <summary>
    /// How many of the new messages of a token visit go out after the token is passed on (the accelerated ring; see
    /// <see cref="TotemRingOptions.AcceleratedWindow"/>); 0 sends them all before it, as Corosync does. Default
    /// <see cref="TotemRingOptions.DefaultAcceleratedWindow"/>. The multicast rings a builder makes from corosync.conf
    /// follow it when the node starts: Corosync's <c>recv_flush</c> only with 0
    /// (<see cref="Clustering.Transport.Rings.UdpMulticastRingOptions.RecvFlush"/>).
    /// </summary>
    public int AcceleratedWindow { get; set; } = TotemRingOptions.DefaultAcceleratedWindow;

    /// <summary>
    /// What <see cref="Clustering.Transport.Rings.UdpMulticastRingOptions.RecvFlush"/> the node's multicast rings should
    /// have for <see cref="AcceleratedWindow"/>: Corosync's <c>recv_flush</c> only in Corosync's order (window 0); an
    /// accelerated ring's frames follow their token, which then goes on first. Rings a builder makes from corosync.conf
    /// use it; give it to the multicast rings you add to <see cref="Rings"/> yourself.
    /// </summary>
    public bool MulticastRecvFlush => AcceleratedWindow == 0;

    /// <summary>
    /// How many events a group handle buffers for its reader. When a handle's buffer is full the node waits for
    /// its reader (back-pressure that eventually slows the whole ring), so read every joined group. Default 4096.
    /// </summary>
    public int GroupEventQueueCapacity { get; set; } = 4096;

    /// <summary>
    /// When <see langword="true"/>, a reader waiting on a group's <see cref="ClusterGroup.Events"/> (or in
    /// <see cref="ClusterGroup.ReadEventsAsync"/>) resumes on the thread that delivers the event — the ring's receive
    /// thread that brought the message, after it has sent the token on — instead of being scheduled on the thread
    /// pool: the lowest latency, with no thread hand-off between the network and the reader. Only for readers that do
    /// little per event and never block (hand the message on, await when they must wait): while a reader runs, this
    /// node reads no frames, and a reader that stalls stalls the ring. Default <see langword="false"/>.
    /// </summary>
    public bool InlineGroupReaders { get; set; }

    /// <summary>The clock; the system clock by default.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Where logs go; nowhere by default.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Where the <c>Clustering.Node</c> meter (and the transport's) is created; a private meter by default.</summary>
    public IMeterFactory? MeterFactory { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option that is missing or out of range.</summary>
    /// <exception cref="ArgumentException">An option is missing or inconsistent.</exception>
    /// <exception cref="ConfigurationException">A Totem timing is out of range.</exception>
    public void Validate()
    {
        if (NodeId == 0)
        {
            throw new ArgumentException("ClusterNodeOptions.NodeId must be set (1 or more)");
        }

        if (Rings.Count is < 1 or > 8)
        {
            throw new ArgumentException($"ClusterNodeOptions.Rings must have 1 to 8 ring factories, not {Rings.Count}");
        }

        if (Rings.Any(r => r is null))
        {
            throw new ArgumentException("ClusterNodeOptions.Rings contains a null factory");
        }

        if ((CryptoHash != CryptoHash.None || CryptoCipher != CryptoCipher.None) && Authkey is null)
        {
            throw new ArgumentException("ClusterNodeOptions.Authkey is required when crypto_hash or crypto_cipher is set");
        }

        ArgumentNullException.ThrowIfNull(ClusterName, nameof(ClusterName));
        ArgumentNullException.ThrowIfNull(Redundancy, nameof(Redundancy));
        ArgumentNullException.ThrowIfNull(Timings, nameof(Timings));
        ArgumentNullException.ThrowIfNull(NodeNames, nameof(NodeNames));
        ArgumentNullException.ThrowIfNull(NodeAddresses, nameof(NodeAddresses));
        if (AdminSocketPath is not null && (AdminSocketPath.Length == 0 || System.Text.Encoding.UTF8.GetByteCount(AdminSocketPath) > Admin.AdminSocket.MaxPathBytes))
        {
            throw new ArgumentException($"ClusterNodeOptions.AdminSocketPath must be 1 to {Admin.AdminSocket.MaxPathBytes} bytes, not '{AdminSocketPath}'");
        }

        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        if (Quorum is null)
        {
            throw new ArgumentException("ClusterNodeOptions.Quorum is required: set expected votes or each node's votes");
        }

        Quorum.Validate();
        Redundancy.Validate(Rings.Count);
        Timings.Validate(Quorum.NodeVotes.Count);
        if (SendQueueCapacity < 1)
        {
            throw new ArgumentException($"ClusterNodeOptions.SendQueueCapacity must be at least 1, not {SendQueueCapacity}");
        }

        if (AcceleratedWindow < 0)
        {
            throw new ArgumentException($"ClusterNodeOptions.AcceleratedWindow must be 0 or more, not {AcceleratedWindow}");
        }

        if (GroupEventQueueCapacity < 1)
        {
            throw new ArgumentException($"ClusterNodeOptions.GroupEventQueueCapacity must be at least 1, not {GroupEventQueueCapacity}");
        }
    }
}
