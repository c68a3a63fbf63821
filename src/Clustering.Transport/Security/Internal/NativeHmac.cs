using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Clustering.Transport.Security.Internal;

/// <summary>
/// HMAC (FIPS 198-1) over libcrypto's low-level digest functions (<c>SHA256_Init/Update/Final</c> and the
/// SHA-1/384/512 ones), which run the CPU's SHA instructions without OpenSSL 3's EVP layer. The inner and
/// outer states (the key XOR ipad and XOR opad, one block each, already absorbed) are computed once; each
/// tag copies the inner state, absorbs the data, finishes, then does the same with the outer state and the
/// inner digest. The states are plain structs in native memory (no pointers inside), so a byte copy is a
/// correct clone. Only usable when <see cref="IsAvailable"/> (Linux with <c>libcrypto.so.3</c> exporting
/// the functions). Allocates nothing per tag; the states are zeroed and freed by <see cref="Dispose"/>.
/// Not thread-safe.
/// </summary>
internal sealed unsafe class NativeHmac : IDisposable
{
    // Larger than SHA_CTX (96 bytes), SHA256_CTX (112) and SHA512_CTX (216), and a multiple of 64.
    private const int StateSize = 256;

    private readonly Functions _functions;
    private readonly int _digestLength;
    private byte* _states;

    /// <summary>Precomputes the inner and outer states of HMAC-<paramref name="hash"/> with <paramref name="key"/>.</summary>
    /// <exception cref="PlatformNotSupportedException">libcrypto's digest functions for this hash are not available.</exception>
    public NativeHmac(CryptoHash hash, ReadOnlySpan<byte> key)
    {
        if (!IsAvailable(hash))
        {
            throw new PlatformNotSupportedException($"libcrypto's low-level {hash} functions are not available.");
        }

        _functions = Library.ForHash(hash);
        _digestLength = FrameCrypto.TagLengthOf(hash);
        var blockSize = hash is CryptoHash.Sha384 or CryptoHash.Sha512 ? 128 : 64;

        Span<byte> block = stackalloc byte[128];
        block = block[..blockSize];
        block.Clear();
        if (key.Length > blockSize)
        {
            // FIPS 198-1: a key longer than the block is replaced by its digest.
            HashOf(hash, key, block);
        }
        else
        {
            key.CopyTo(block);
        }

        _states = (byte*)NativeMemory.AlignedAlloc(3 * StateSize, 64);
        NativeMemory.Clear(_states, 3 * StateSize);
        try
        {
            Span<byte> padded = stackalloc byte[128];
            padded = padded[..blockSize];
            for (var i = 0; i < blockSize; i++)
            {
                padded[i] = (byte)(block[i] ^ 0x36);
            }

            Absorb(Inner, padded);
            for (var i = 0; i < blockSize; i++)
            {
                padded[i] = (byte)(block[i] ^ 0x5c);
            }

            Absorb(Outer, padded);
            CryptographicOperations.ZeroMemory(padded);
        }
        catch
        {
            Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(block);
        }
    }

    /// <summary>The digest and tag length in bytes.</summary>
    public int DigestLength => _digestLength;

    private byte* Inner => _states;

    private byte* Outer => _states + StateSize;

    private byte* Work => _states + (2 * StateSize);

    /// <summary>Whether libcrypto's low-level functions for <paramref name="hash"/> could be loaded.</summary>
    public static bool IsAvailable(CryptoHash hash) => hash != CryptoHash.None && Library.ForHash(hash).Loaded;

    /// <summary>Writes HMAC(key, <paramref name="data"/>) to <paramref name="tag"/> (at least <see cref="DigestLength"/> bytes).</summary>
    public void Compute(ReadOnlySpan<byte> data, Span<byte> tag)
    {
        ObjectDisposedException.ThrowIf(_states is null, this);
        if (tag.Length < _digestLength)
        {
            throw new ArgumentException($"The tag needs {_digestLength} bytes.", nameof(tag));
        }

        var work = Work;
        var f = _functions;
        byte* inner = stackalloc byte[64];
        fixed (byte* input = data)
        fixed (byte* output = tag)
        {
            NativeMemory.Copy(Inner, work, StateSize);
            if (f.Update(work, input, (nuint)data.Length) != 1 || f.Final(inner, work) != 1)
            {
                throw new CryptographicException("libcrypto's digest failed.");
            }

            NativeMemory.Copy(Outer, work, StateSize);
            if (f.Update(work, inner, (nuint)_digestLength) != 1 || f.Final(output, work) != 1)
            {
                throw new CryptographicException("libcrypto's digest failed.");
            }
        }
    }

    /// <summary>Zeroes and frees the states.</summary>
    public void Dispose()
    {
        if (_states is not null)
        {
            NativeMemory.Clear(_states, 3 * StateSize);
            NativeMemory.AlignedFree(_states);
            _states = null;
        }
    }

    private static void HashOf(CryptoHash hash, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        _ = hash switch
        {
#pragma warning disable CA5350 // HMAC-SHA1 is Corosync's crypto_hash sha1, chosen by the operator; here it shortens an over-long key.
            CryptoHash.Sha1 => SHA1.HashData(data, destination),
#pragma warning restore CA5350
            CryptoHash.Sha256 => SHA256.HashData(data, destination),
            CryptoHash.Sha384 => SHA384.HashData(data, destination),
            _ => SHA512.HashData(data, destination),
        };
    }

    private void Absorb(byte* state, ReadOnlySpan<byte> block)
    {
        fixed (byte* input = block)
        {
            if (_functions.Init(state) != 1 || _functions.Update(state, input, (nuint)block.Length) != 1)
            {
                throw new CryptographicException("libcrypto's digest failed.");
            }
        }
    }

    /// <summary>One hash's entry points. <c>Final</c> takes (digest, state) like libcrypto's.</summary>
    private readonly struct Functions
    {
        public readonly delegate* unmanaged<void*, int> Init;
        public readonly delegate* unmanaged<void*, void*, nuint, int> Update;
        public readonly delegate* unmanaged<byte*, void*, int> Final;

        public Functions(nint library, string prefix)
        {
            if (library != 0
                && NativeLibrary.TryGetExport(library, prefix + "_Init", out var init)
                && NativeLibrary.TryGetExport(library, prefix + "_Update", out var update)
                && NativeLibrary.TryGetExport(library, prefix + "_Final", out var final))
            {
                Init = (delegate* unmanaged<void*, int>)init;
                Update = (delegate* unmanaged<void*, void*, nuint, int>)update;
                Final = (delegate* unmanaged<byte*, void*, int>)final;
            }
        }

        public bool Loaded => Init is not null;
    }

    /// <summary>libcrypto, loaded once (Linux only; never unloaded, like the runtime's own crypto shim does).</summary>
    private static class Library
    {
        private static readonly Functions Sha1;
        private static readonly Functions Sha256;
        private static readonly Functions Sha384;
        private static readonly Functions Sha512;

#pragma warning disable CA1810 // The static constructor loads the library once; field initialisers could not share the handle.
        static Library()
#pragma warning restore CA1810
        {
            nint handle = 0;
            if (OperatingSystem.IsLinux() && !NativeLibrary.TryLoad("libcrypto.so.3", out handle))
            {
                handle = 0;
            }

            Sha1 = new Functions(handle, "SHA1");
            Sha256 = new Functions(handle, "SHA256");
            Sha384 = new Functions(handle, "SHA384");
            Sha512 = new Functions(handle, "SHA512");
        }

        public static Functions ForHash(CryptoHash hash) => hash switch
        {
            CryptoHash.Sha1 => Sha1,
            CryptoHash.Sha256 => Sha256,
            CryptoHash.Sha384 => Sha384,
            CryptoHash.Sha512 => Sha512,
            _ => throw new ArgumentOutOfRangeException(nameof(hash), hash, "No digest for crypto_hash none."),
        };
    }
}
