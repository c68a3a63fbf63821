using Clustering.Transport.Redundancy;
using Clustering.Transport.Security;

namespace Clustering.Transport.Configuration;

/// <summary>The <c>totem { … }</c> section: protocol version, security, transport, rings and timings, with Corosync 2's defaults.</summary>
public sealed class TotemOptions
{
    /// <summary>The configuration format version (<c>version</c>); only 2 is accepted. Default 2.</summary>
    public int Version { get; init; } = 2;

    /// <summary>The cluster's name (<c>cluster_name</c>): seeds the generated multicast address. Null when unset.</summary>
    public string? ClusterName { get; init; }

    /// <summary>The configuration's version (<c>config_version</c>), an unsigned 64-bit number. Default 0.</summary>
    public ulong ConfigVersion { get; init; }

    /// <summary>
    /// Frame authentication (<c>crypto_hash</c>). Default <see cref="CryptoHash.None"/>. <c>secauth: on</c> without
    /// <c>crypto_hash</c> gives <see cref="CryptoHash.Sha256"/> (Corosync 3's meaning; Corosync 2 used sha1 and had secauth on by default).
    /// </summary>
    public CryptoHash CryptoHash { get; init; }

    /// <summary>
    /// Frame encryption (<c>crypto_cipher</c>); a cipher needs a hash. Default <see cref="CryptoCipher.None"/>.
    /// <c>secauth: on</c> without <c>crypto_cipher</c> gives <see cref="CryptoCipher.Aes256"/>.
    /// </summary>
    public CryptoCipher CryptoCipher { get; init; }

    /// <summary>Whether frames are authenticated or encrypted: what <c>secauth: on</c> means.</summary>
    public bool SecAuth => CryptoHash != CryptoHash.None || CryptoCipher != CryptoCipher.None;

    /// <summary>The authkey file (<c>keyfile</c>); null means <c>/etc/corosync/authkey</c>.</summary>
    public string? KeyFile { get; init; }

    /// <summary>The authkey path in effect: <see cref="KeyFile"/> or <c>/etc/corosync/authkey</c>.</summary>
    public string EffectiveKeyFile => KeyFile ?? "/etc/corosync/authkey";

    /// <summary>The ring transport (<c>transport</c>): udp (multicast) or udpu (unicast to the nodelist). Default udp.</summary>
    public TransportKind Transport { get; init; } = TransportKind.Udp;

    /// <summary>The largest datagram a ring sends, headers included (<c>netmtu</c>), 576 to 65507. Default 1500.</summary>
    public int NetMtu { get; init; } = 1500;

    /// <summary>Crypto worker threads (<c>threads</c>), a Corosync 1.x knob kept for old files; it has no effect here. Default 0.</summary>
    public int Threads { get; init; }

    /// <summary>This node's id (<c>nodeid</c>), 1 to 2³²−1; null derives it (nodelist entry, else the ring 0 address).</summary>
    public uint? NodeId { get; init; }

    /// <summary>Clear bit 31 of derived node ids (<c>clear_node_high_bit: yes</c>). Default no.</summary>
    public bool ClearNodeHighBit { get; init; }

    /// <summary>The redundant ring protocol: <c>rrp_mode</c> and the <c>rrp_*</c> fault-detection knobs.</summary>
    public RedundancyOptions Redundancy { get; init; } = new();

    /// <summary>Token, membership and flow-control timings.</summary>
    public TotemTimings Timings { get; init; } = new();

    /// <summary>The <c>interface</c> blocks in ring order.</summary>
    public IReadOnlyList<InterfaceOptions> Interfaces { get; init; } = [];
}
