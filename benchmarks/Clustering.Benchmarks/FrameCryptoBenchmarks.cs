using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Clustering.Transport.Security;
using Clustering.Transport.Security.Internal;

namespace Clustering.Benchmarks;

/// <summary>
/// The platform provider's primitives one by one, fast path against portable path: HMAC-SHA256 of the
/// payload, AES-256-CBC encryption with padding, and in-place decryption of the ciphertext (the work
/// buffer is refilled from the pristine ciphertext first, as opening decrypts in place).
/// </summary>
[MemoryDiagnoser]
public class FrameCryptoBenchmarks
{
    private PlatformFrameCrypto _crypto = null!;
    private byte[] _payload = null!;
    private byte[] _iv = null!;
    private byte[] _ciphertext = null!;
    private byte[] _work = null!;
    private byte[] _tag = null!;

    /// <summary>The payload size in bytes.</summary>
    [Params(64, 1024, 8192)]
    public int PayloadSize { get; set; }

    /// <summary>Whether the fast path is on (AES-NI in managed code, libcrypto's low-level SHA-256).</summary>
    [Params(true, false)]
    public bool Fast { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _crypto = new PlatformFrameCrypto(CryptoHash.Sha256, CryptoCipher.Aes256, RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32), Fast);
        _payload = RandomNumberGenerator.GetBytes(PayloadSize);
        _iv = RandomNumberGenerator.GetBytes(16);
        _work = new byte[PayloadSize + 16];
        var length = _crypto.EncryptCbcPkcs7(_iv, _payload, _work);
        _ciphertext = _work.AsSpan(0, length).ToArray();
        _tag = new byte[32];
    }

    [GlobalCleanup]
    public void Cleanup() => _crypto.Dispose();

    /// <summary>HMAC-SHA256 of the payload.</summary>
    [Benchmark]
    public byte Tag()
    {
        _crypto.ComputeTag(_payload, _tag);
        return _tag[0];
    }

    /// <summary>AES-256-CBC encryption of the payload with PKCS#7 padding.</summary>
    [Benchmark]
    public int Encrypt() => _crypto.EncryptCbcPkcs7(_iv, _payload, _work);

    /// <summary>Refill and AES-256-CBC decryption in place.</summary>
    [Benchmark]
    public byte Decrypt()
    {
        _ciphertext.CopyTo(_work, 0);
        _crypto.DecryptCbc(_iv, _work.AsSpan(0, _ciphertext.Length));
        return _work[0];
    }
}
