namespace Clustering.Transport.Security;

/// <summary>Which implementation of the cryptographic primitives seals and opens frames. Both produce the same bytes.</summary>
public enum CryptoProviderKind
{
    /// <summary>The platform's <c>System.Security.Cryptography</c> (OpenSSL on Linux). The default.</summary>
    Platform = 0,

    /// <summary>The managed primitives of <c>BouncyCastle.Cryptography</c>, for platforms without a native provider or for FIPS-independent deployments.</summary>
    BouncyCastle = 1,
}
