using System.Security.Cryptography;
using Clustering.Transport.Framing;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace Clustering.Transport.Security.Internal;

/// <summary>
/// <see cref="FrameCrypto"/> over the managed primitives of BouncyCastle: <see cref="HMac"/> over a SHA
/// digest, and CBC chained here over a raw AES block engine (hardware-accelerated where BouncyCastle
/// supports it) initialised once, so no parameter objects are created per frame.
/// </summary>
internal sealed class BouncyCastleFrameCrypto : FrameCrypto
{
    private const int Block = FrameLayout.CipherBlockSize;

    private readonly HMac? _mac;
    private readonly IBlockCipher? _encryptor;
    private readonly IBlockCipher? _decryptor;

    public BouncyCastleFrameCrypto(CryptoHash hash, CryptoCipher cipher, ReadOnlySpan<byte> macKey, ReadOnlySpan<byte> cipherKey)
        : base(hash, cipher)
    {
        IDigest? digest = hash switch
        {
            CryptoHash.None => null,
            CryptoHash.Sha1 => new Sha1Digest(),
            CryptoHash.Sha256 => new Sha256Digest(),
            CryptoHash.Sha384 => new Sha384Digest(),
            CryptoHash.Sha512 => new Sha512Digest(),
            _ => throw new ArgumentOutOfRangeException(nameof(hash), hash, "Unknown crypto_hash."),
        };
        if (digest is not null)
        {
            _mac = new HMac(digest);
            _mac.Init(new KeyParameter(macKey));
        }

        if (cipher != CryptoCipher.None)
        {
            _encryptor = AesUtilities.CreateEngine();
            _encryptor.Init(forEncryption: true, new KeyParameter(cipherKey));
            _decryptor = AesUtilities.CreateEngine();
            _decryptor.Init(forEncryption: false, new KeyParameter(cipherKey));
        }
    }

    /// <summary>HKDF-SHA256 with BouncyCastle's implementation.</summary>
    public static void DeriveKey(ReadOnlySpan<byte> ikm, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info, Span<byte> output)
    {
        if (output.IsEmpty)
        {
            return;
        }

        var generator = new HkdfBytesGenerator(new Sha256Digest());
        var ikmCopy = ikm.ToArray();
        try
        {
            generator.Init(new HkdfParameters(ikmCopy, salt.IsEmpty ? null : salt.ToArray(), info.ToArray()));
            generator.GenerateBytes(output);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ikmCopy);
        }
    }

    public override void ComputeTag(ReadOnlySpan<byte> data, Span<byte> tag)
    {
        var mac = _mac ?? throw new InvalidOperationException("No crypto_hash is configured.");
        mac.BlockUpdate(data);
        mac.DoFinal(tag);
    }

    public override int EncryptCbcPkcs7(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        var engine = _encryptor ?? throw new InvalidOperationException("No crypto_cipher is configured.");
        var length = ((plaintext.Length / Block) + 1) * Block;
        if (destination.Length < length)
        {
            throw new ArgumentException("The destination is too small for the ciphertext.", nameof(destination));
        }

        Span<byte> block = stackalloc byte[Block];
        ReadOnlySpan<byte> chain = iv;
        var offset = 0;
        for (; offset + Block <= plaintext.Length; offset += Block)
        {
            Xor16(plaintext.Slice(offset, Block), chain, block);
            var output = destination.Slice(offset, Block);
            engine.ProcessBlock(block, output);
            chain = output;
        }

        var rest = plaintext.Length - offset;
        block.Fill((byte)(Block - rest));
        plaintext[offset..].CopyTo(block);
        Xor16(block, chain, block);
        engine.ProcessBlock(block, destination.Slice(offset, Block));
        CryptographicOperations.ZeroMemory(block);
        return length;
    }

    public override void DecryptCbc(ReadOnlySpan<byte> iv, Span<byte> blocks)
    {
        var engine = _decryptor ?? throw new InvalidOperationException("No crypto_cipher is configured.");
        if (blocks.Length == 0 || blocks.Length % Block != 0)
        {
            throw new ArgumentException("The ciphertext is not a whole number of blocks.", nameof(blocks));
        }

        Span<byte> previous = stackalloc byte[Block];
        Span<byte> current = stackalloc byte[Block];
        iv.CopyTo(previous);
        for (var offset = 0; offset < blocks.Length; offset += Block)
        {
            var slot = blocks.Slice(offset, Block);
            slot.CopyTo(current);
            engine.ProcessBlock(current, slot);
            Xor16(slot, previous, slot);
            var swap = previous;
            previous = current;
            current = swap;
        }
    }

    protected override void Dispose(bool disposing)
    {
        // BouncyCastle's HMAC and AES engines keep their key schedules in managed arrays they do not
        // expose or clear; dropping the references is all that can be done, the GC reclaims them.
        if (disposing)
        {
            _mac?.Reset();
        }
    }
}
