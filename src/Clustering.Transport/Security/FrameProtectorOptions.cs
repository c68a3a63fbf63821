namespace Clustering.Transport.Security;

/// <summary>How a <see cref="FrameProtector"/> seals and opens frames: Corosync's <c>cluster_name</c>, <c>crypto_hash</c> and <c>crypto_cipher</c>.</summary>
public sealed class FrameProtectorOptions
{
    /// <summary>
    /// The cluster name (Corosync's <c>totem.cluster_name</c>). Its hash is the cluster id every frame carries,
    /// and it salts the derivation of the keys, so two clusters sharing an authkey still cannot read each other.
    /// Empty by default.
    /// </summary>
    public string ClusterName { get; set; } = string.Empty;

    /// <summary>The authentication hash (<c>crypto_hash</c>). Default <see cref="CryptoHash.Sha256"/>.</summary>
    public CryptoHash Hash { get; set; } = CryptoHash.Sha256;

    /// <summary>The cipher (<c>crypto_cipher</c>). Default <see cref="CryptoCipher.None"/>. A cipher needs a hash.</summary>
    public CryptoCipher Cipher { get; set; } = CryptoCipher.None;

    /// <summary>Which implementation of the primitives to use. Default <see cref="CryptoProviderKind.Platform"/>; both produce identical frames.</summary>
    public CryptoProviderKind Provider { get; set; } = CryptoProviderKind.Platform;

    /// <summary>
    /// Whether the platform provider may use its fast path (AES instructions in managed code, libcrypto's
    /// low-level digests). Default true; tests and benchmarks turn it off to compare with the portable path.
    /// </summary>
    internal bool PlatformFastPath { get; set; } = true;
}
