using System.Runtime.Intrinsics;

namespace Clustering.Transport.Security.Internal;

/// <summary>
/// The primitives <see cref="FrameProtector"/> needs, behind one shape so the platform and BouncyCastle
/// implementations are interchangeable: an HMAC with a fixed key, and AES-CBC with a fixed key and a
/// per-frame IV. Instances keep their native or managed state between calls so sealing and opening
/// allocate nothing. Not thread-safe.
/// </summary>
internal abstract class FrameCrypto : IDisposable
{
    /// <summary>The HKDF info string of the frame authentication key.</summary>
    internal static ReadOnlySpan<byte> MacKeyInfo => "Clustering.Transport frame v1 authentication key"u8;

    /// <summary>The HKDF info string of the frame encryption key.</summary>
    internal static ReadOnlySpan<byte> CipherKeyInfo => "Clustering.Transport frame v1 encryption key"u8;

    protected FrameCrypto(CryptoHash hash, CryptoCipher cipher)
    {
        Hash = hash;
        Cipher = cipher;
        TagLength = TagLengthOf(hash);
    }

    /// <summary>The configured hash.</summary>
    public CryptoHash Hash { get; }

    /// <summary>The configured cipher.</summary>
    public CryptoCipher Cipher { get; }

    /// <summary>The length of the authentication tag, the full output of the hash.</summary>
    public int TagLength { get; }

    /// <summary>The tag length of a hash: its full output length (0 for none).</summary>
    public static int TagLengthOf(CryptoHash hash) => hash switch
    {
        CryptoHash.None => 0,
        CryptoHash.Sha1 => 20,
        CryptoHash.Sha256 => 32,
        CryptoHash.Sha384 => 48,
        CryptoHash.Sha512 => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(hash), hash, "Unknown crypto_hash."),
    };

    /// <summary>The AES key length of a cipher in bytes (0 for none).</summary>
    public static int KeyLengthOf(CryptoCipher cipher) => cipher switch
    {
        CryptoCipher.None => 0,
        CryptoCipher.Aes128 => 16,
        CryptoCipher.Aes192 => 24,
        CryptoCipher.Aes256 => 32,
        _ => throw new ArgumentOutOfRangeException(nameof(cipher), cipher, "Unknown crypto_cipher."),
    };

    /// <summary>
    /// Creates the provider's primitives with keys derived from <paramref name="authkey"/> by HKDF-SHA256:
    /// salt = <paramref name="salt"/> (the cluster name), info = <see cref="MacKeyInfo"/> for the HMAC key
    /// (as long as the hash output) and <see cref="CipherKeyInfo"/> for the AES key (16, 24 or 32 bytes).
    /// </summary>
    /// <param name="kind">The provider.</param>
    /// <param name="hash">The HMAC hash.</param>
    /// <param name="cipher">The cipher.</param>
    /// <param name="authkey">The authkey bytes.</param>
    /// <param name="salt">The HKDF salt.</param>
    /// <param name="platformFastPath">For the platform provider: whether to use its fast path where available.</param>
    public static FrameCrypto Create(CryptoProviderKind kind, CryptoHash hash, CryptoCipher cipher, ReadOnlySpan<byte> authkey, ReadOnlySpan<byte> salt, bool platformFastPath = true)
    {
        Span<byte> macKey = stackalloc byte[TagLengthOf(hash)];
        Span<byte> cipherKey = stackalloc byte[KeyLengthOf(cipher)];
        try
        {
            switch (kind)
            {
                case CryptoProviderKind.Platform:
                    PlatformFrameCrypto.DeriveKey(authkey, salt, MacKeyInfo, macKey);
                    PlatformFrameCrypto.DeriveKey(authkey, salt, CipherKeyInfo, cipherKey);
                    return new PlatformFrameCrypto(hash, cipher, macKey, cipherKey, platformFastPath);
                case CryptoProviderKind.BouncyCastle:
                    BouncyCastleFrameCrypto.DeriveKey(authkey, salt, MacKeyInfo, macKey);
                    BouncyCastleFrameCrypto.DeriveKey(authkey, salt, CipherKeyInfo, cipherKey);
                    return new BouncyCastleFrameCrypto(hash, cipher, macKey, cipherKey);
                default:
                    throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown crypto provider.");
            }
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(macKey);
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(cipherKey);
        }
    }

    /// <summary>Writes the HMAC of <paramref name="data"/> (<see cref="TagLength"/> bytes) to <paramref name="tag"/>.</summary>
    public abstract void ComputeTag(ReadOnlySpan<byte> data, Span<byte> tag);

    /// <summary>
    /// AES-CBC encrypts <paramref name="plaintext"/> with PKCS#7 padding into <paramref name="destination"/>
    /// (which must not overlap it) and returns the ciphertext length, a whole number of blocks.
    /// </summary>
    public abstract int EncryptCbcPkcs7(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> plaintext, Span<byte> destination);

    /// <summary>Whether <see cref="EncryptCbcChainsInPlace"/> is available: AES-CBC chains of several messages run interleaved.</summary>
    public virtual bool CanEncryptCbcChains => false;

    /// <summary>
    /// AES-CBC encrypts several independent messages in place, as <see cref="AesNiCbc.EncryptChainsInPlace"/> describes
    /// (each message: its IV, then whole blocks of padded plaintext), their chains interleaved. Only when
    /// <see cref="CanEncryptCbcChains"/>; otherwise callers encrypt message by message with <see cref="EncryptCbcPkcs7"/>.
    /// </summary>
    /// <exception cref="NotSupportedException">This provider or configuration has no interleaved CBC (<see cref="CanEncryptCbcChains"/> is false).</exception>
    public virtual void EncryptCbcChainsInPlace(Span<byte> buffer, ReadOnlySpan<int> offsets, ReadOnlySpan<int> blockCounts) =>
        throw new NotSupportedException("This crypto provider encrypts one frame at a time; check CanEncryptCbcChains first.");

    /// <summary>AES-CBC decrypts whole blocks in place; padding is left for the caller to check and strip.</summary>
    public abstract void DecryptCbc(ReadOnlySpan<byte> iv, Span<byte> blocks);

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the primitives and zeroes buffers that held plaintext.</summary>
    protected abstract void Dispose(bool disposing);

    /// <summary><paramref name="destination"/> = <paramref name="a"/> XOR <paramref name="b"/>, 16 bytes.</summary>
    protected static void Xor16(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> destination) =>
        (Vector128.Create(a) ^ Vector128.Create(b)).CopyTo(destination);
}
