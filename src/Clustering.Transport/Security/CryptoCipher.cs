namespace Clustering.Transport.Security;

/// <summary>
/// The frame encryption algorithm, Corosync's <c>crypto_cipher</c>: AES in CBC mode with PKCS#7 padding
/// and a fresh random 16-byte IV per frame, encrypt-then-MAC. A cipher needs a hash.
/// </summary>
public enum CryptoCipher : byte
{
    /// <summary>Frames travel in clear (still authenticated when a hash is set).</summary>
    None = 0,

    /// <summary>AES with a 128-bit key.</summary>
    Aes128 = 1,

    /// <summary>AES with a 192-bit key.</summary>
    Aes192 = 2,

    /// <summary>AES with a 256-bit key.</summary>
    Aes256 = 3,
}
