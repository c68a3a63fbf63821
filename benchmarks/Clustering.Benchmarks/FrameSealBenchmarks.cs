using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Clustering.Transport.Framing;
using Clustering.Transport.Security;

namespace Clustering.Benchmarks;

/// <summary>Which provider and crypto settings a <see cref="FrameSealBenchmarks"/> run uses.</summary>
public enum SealCase
{
    /// <summary>Platform provider (its fast path where available), crypto_hash sha256, crypto_cipher none.</summary>
    PlatformSha256,

    /// <summary>Platform provider (its fast path where available), crypto_hash sha256, crypto_cipher aes256.</summary>
    PlatformSha256Aes256,

    /// <summary>Platform provider forced onto its portable path (IncrementalHash), crypto_hash sha256, crypto_cipher none.</summary>
    PortableSha256,

    /// <summary>Platform provider forced onto its portable path (IncrementalHash, CBC transform), crypto_hash sha256, crypto_cipher aes256.</summary>
    PortableSha256Aes256,

    /// <summary>BouncyCastle provider, crypto_hash sha256, crypto_cipher none.</summary>
    BouncyCastleSha256,

    /// <summary>BouncyCastle provider, crypto_hash sha256, crypto_cipher aes256.</summary>
    BouncyCastleSha256Aes256,
}

/// <summary>
/// Seal (encode + encrypt + tag) and TryOpen (check + decrypt + decode) of one frame, against the bare
/// platform HMAC-SHA256 of the same payload as the baseline. <c>Open</c> first copies the pristine sealed
/// frame into the work buffer, because opening decrypts in place.
/// </summary>
[MemoryDiagnoser]
public class FrameSealBenchmarks
{
    private static readonly FrameHeader Header = new(FrameType.Multicast, 1, 1, 0, 1);

    private Authkey _key = null!;
    private FrameProtector _protector = null!;
    private byte[] _macKey = null!;
    private byte[] _payload = null!;
    private byte[] _sealed = null!;
    private byte[] _work = null!;
    private byte[] _tag = null!;

    /// <summary>The payload size in bytes.</summary>
    [Params(64, 1024, 8192)]
    public int PayloadSize { get; set; }

    /// <summary>The provider and settings.</summary>
    [ParamsAllValues]
    public SealCase Case { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _key = Authkey.Generate();
        var options = new FrameProtectorOptions
        {
            ClusterName = "bench",
            Hash = CryptoHash.Sha256,
            Cipher = Case is SealCase.PlatformSha256Aes256 or SealCase.PortableSha256Aes256 or SealCase.BouncyCastleSha256Aes256 ? CryptoCipher.Aes256 : CryptoCipher.None,
            Provider = Case is SealCase.BouncyCastleSha256 or SealCase.BouncyCastleSha256Aes256 ? CryptoProviderKind.BouncyCastle : CryptoProviderKind.Platform,
            PlatformFastPath = Case is not (SealCase.PortableSha256 or SealCase.PortableSha256Aes256),
        };
        _protector = new FrameProtector(_key, options);
        _macKey = RandomNumberGenerator.GetBytes(32);
        _payload = RandomNumberGenerator.GetBytes(PayloadSize);
        _sealed = new byte[_protector.GetSealedLength(PayloadSize)];
        _protector.Seal(Header, _payload, _sealed);
        _work = new byte[_sealed.Length];
        _tag = new byte[32];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _protector.Dispose();
        _key.Dispose();
    }

    /// <summary>The bare primitive: platform HMAC-SHA256 over the payload.</summary>
    [Benchmark(Baseline = true)]
    public int HmacSha256()
    {
        HMACSHA256.TryHashData(_macKey, _payload, _tag, out var written);
        return written;
    }

    /// <summary>Header, optional encryption and tag into a reused buffer.</summary>
    [Benchmark]
    public int Seal() => _protector.Seal(Header, _payload, _work);

    /// <summary>Copy of a sealed frame, then every check, the tag, decryption in place and the header decode.</summary>
    [Benchmark]
    public bool Open()
    {
        _sealed.CopyTo(_work, 0);
        return _protector.TryOpen(_work, out _, out _, out _);
    }
}
