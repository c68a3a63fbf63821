namespace Clustering.Transport.Security;

/// <summary>
/// The frame authentication algorithm, Corosync's <c>crypto_hash</c>. The tag is an HMAC over every byte
/// of the frame that precedes it, keyed with a key derived from the authkey.
/// </summary>
public enum CryptoHash : byte
{
    /// <summary>No authentication (<c>crypto_hash: none</c>, or <c>secauth: off</c>).</summary>
    None = 0,

    /// <summary>HMAC-SHA1, 20-byte tag.</summary>
    Sha1 = 1,

    /// <summary>HMAC-SHA256, 32-byte tag. The default.</summary>
    Sha256 = 2,

    /// <summary>HMAC-SHA384, 48-byte tag.</summary>
    Sha384 = 3,

    /// <summary>HMAC-SHA512, 64-byte tag.</summary>
    Sha512 = 4,
}
