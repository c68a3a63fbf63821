namespace Clustering.Transport.Security;

/// <summary>Which implementation of the cryptographic primitives seals and opens frames. Both produce the same bytes.</summary>
public enum CryptoProviderKind
{
    /// <summary>
    /// The platform's primitives. The default. AES-CBC runs on the CPU's AES instructions in managed code
    /// where the CPU has them (x86 AES-NI), else on <c>System.Security.Cryptography</c>'s AES; the HMAC
    /// runs on OpenSSL's low-level SHA functions from <c>libcrypto.so.3</c> on Linux (SHA instructions
    /// where present, without the EVP layer's per-call cost), else on <c>System.Security.Cryptography</c>'s HMAC.
    /// </summary>
    Platform = 0,

    /// <summary>The managed primitives of <c>BouncyCastle.Cryptography</c>, for platforms without a native provider or for FIPS-independent deployments.</summary>
    BouncyCastle = 1,
}
