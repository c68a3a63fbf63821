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

/// <summary>
/// A token visit's batch of 17 frames sealed one by one with <see cref="FrameProtector.Seal"/> (the baseline) against
/// <see cref="FrameProtector.SealMany"/>, whose AES-CBC chains run interleaved (platform provider, fast path,
/// crypto_hash sha256); and the AES-CBC encryption alone, one chain at a time against interleaved.
/// </summary>
[MemoryDiagnoser]
public class FrameSealBatchBenchmarks
{
    private const int Frames = 17;

    private Authkey _key = null!;
    private FrameProtector _protector = null!;
    private Clustering.Transport.Security.Internal.AesNiCbc _aes = null!;
    private FrameHeader[] _headers = null!;
    private ReadOnlyMemory<byte>[] _payloads = null!;
    private byte[] _payload = null!;
    private byte[] _batch = null!;
    private int[] _lengths = null!;
    private int[] _chainOffsets = null!;
    private int[] _chainBlocks = null!;
    private byte[] _iv = null!;

    /// <summary>The payload size of each frame in bytes.</summary>
    [Params(1024, 1400)]
    public int PayloadSize { get; set; }

    /// <summary>The cipher.</summary>
    [Params(CryptoCipher.Aes128, CryptoCipher.Aes256)]
    public CryptoCipher Cipher { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _key = Authkey.Generate();
        _protector = new FrameProtector(_key, new FrameProtectorOptions { ClusterName = "bench", Hash = CryptoHash.Sha256, Cipher = Cipher });
        _aes = new Clustering.Transport.Security.Internal.AesNiCbc(RandomNumberGenerator.GetBytes(Cipher == CryptoCipher.Aes128 ? 16 : 32));
        _payload = RandomNumberGenerator.GetBytes(PayloadSize);
        _headers = [.. Enumerable.Range(0, Frames).Select(i => new FrameHeader(FrameType.Multicast, 1, 1, 0, (ulong)i))];
        _payloads = [.. Enumerable.Range(0, Frames).Select(_ => new ReadOnlyMemory<byte>(_payload))];
        _batch = new byte[Frames * _protector.GetSealedLength(PayloadSize)];
        _lengths = new int[Frames];
        var frameLength = _protector.GetSealedLength(PayloadSize);
        _chainOffsets = [.. Enumerable.Range(0, Frames).Select(i => (i * frameLength) + FrameLayout.HeaderSize)];
        _chainBlocks = [.. Enumerable.Range(0, Frames).Select(_ => (PayloadSize / 16) + 1)];
        _iv = RandomNumberGenerator.GetBytes(16);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _protector.Dispose();
        _aes.Dispose();
        _key.Dispose();
    }

    /// <summary>17 frames, each sealed on its own (one CBC chain at a time).</summary>
    [Benchmark(Baseline = true)]
    public int SealOneByOne()
    {
        var offset = 0;
        for (var i = 0; i < Frames; i++)
        {
            offset += _protector.Seal(_headers[i], _payload, _batch.AsSpan(offset));
        }

        return offset;
    }

    /// <summary>The same 17 frames sealed together, their CBC chains interleaved.</summary>
    [Benchmark]
    public int SealBatch() => _protector.SealMany(_headers, _payloads, _batch, _lengths);

    /// <summary>Only the AES-CBC of the 17 frames, one chain at a time.</summary>
    [Benchmark]
    public int EncryptOneByOne()
    {
        var written = 0;
        var frameLength = _batch.Length / Frames;
        for (var i = 0; i < Frames; i++)
        {
            written += _aes.EncryptPkcs7(_iv, _payload, _batch.AsSpan((i * frameLength) + 16));
        }

        return written;
    }

    /// <summary>Only the AES-CBC of the 17 frames, chains interleaved.</summary>
    [Benchmark]
    public int EncryptInterleaved()
    {
        _aes.EncryptChainsInPlace(_batch, _chainOffsets, _chainBlocks);
        return _chainBlocks.Length;
    }
}
