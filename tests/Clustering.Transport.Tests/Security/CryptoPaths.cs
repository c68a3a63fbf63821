using Clustering.Transport.Security;

namespace Clustering.Transport.Tests.Security;

/// <summary>The three ways a frame is sealed and opened: the platform provider's fast path, its portable path, BouncyCastle.</summary>
internal enum CryptoPath
{
    Fast,
    Portable,
    Bouncy,
}

/// <summary>Protectors for each <see cref="CryptoPath"/>, shared by the tests that compare them.</summary>
internal static class CryptoPaths
{
    /// <summary>A protector of cluster "paths" on <paramref name="path"/> with the given hash and cipher.</summary>
    public static FrameProtector Protector(Authkey key, CryptoPath path, CryptoHash hash, CryptoCipher cipher) =>
        new(key, new FrameProtectorOptions
        {
            ClusterName = "paths",
            Hash = hash,
            Cipher = cipher,
            Provider = path == CryptoPath.Bouncy ? CryptoProviderKind.BouncyCastle : CryptoProviderKind.Platform,
            PlatformFastPath = path == CryptoPath.Fast,
        });
}
