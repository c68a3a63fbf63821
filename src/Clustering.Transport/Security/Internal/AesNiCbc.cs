using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using X86Aes = System.Runtime.Intrinsics.X86.Aes;

namespace Clustering.Transport.Security.Internal;

/// <summary>
/// AES-CBC (128, 192 or 256-bit key) with the x86 AES instructions, in managed code: no native call, no
/// per-call context, no allocation. The key schedule uses <c>AESKEYGENASSIST</c> for SubWord and the
/// decryption schedule <c>AESIMC</c> (the equivalent inverse cipher of FIPS-197 §5.3.5), so nothing
/// indexes a table with secret data. Encryption of one message is serial (CBC chains every block), but
/// <see cref="EncryptChainsInPlace"/> runs several messages' chains side by side; decryption runs
/// eight independent blocks at a time to hide the instructions' latency. Only usable when
/// <see cref="IsSupported"/>; the round keys are zeroed by <see cref="Dispose"/>. Not thread-safe.
/// </summary>
internal sealed partial class AesNiCbc : IDisposable
{
    private const int Block = 16;
    private const int Lanes = 8;

    private readonly Vector128<byte>[] _encryptKeys;
    private readonly Vector128<byte>[] _decryptKeys;
    private readonly int _rounds;
    private bool _disposed;

    /// <summary>Creates the encryption and decryption round keys of a 16, 24 or 32-byte AES key.</summary>
    /// <exception cref="PlatformNotSupportedException">The CPU has no AES instructions.</exception>
    /// <exception cref="ArgumentException">The key is not 16, 24 or 32 bytes.</exception>
    public AesNiCbc(ReadOnlySpan<byte> key)
    {
        if (!IsSupported)
        {
            throw new PlatformNotSupportedException("The CPU has no AES instructions.");
        }

        if (key.Length is not (16 or 24 or 32))
        {
            throw new ArgumentException($"An AES key is 16, 24 or 32 bytes, not {key.Length}.", nameof(key));
        }

        _rounds = (key.Length / 4) + 6;
        _encryptKeys = new Vector128<byte>[_rounds + 1];
        _decryptKeys = new Vector128<byte>[_rounds + 1];
        ExpandKey(key, _encryptKeys);
        _decryptKeys[0] = _encryptKeys[_rounds];
        for (var i = 1; i < _rounds; i++)
        {
            _decryptKeys[i] = X86Aes.InverseMixColumns(_encryptKeys[_rounds - i]);
        }

        _decryptKeys[_rounds] = _encryptKeys[0];
    }

    /// <summary>Whether this CPU and runtime have the AES instructions the class needs.</summary>
    public static bool IsSupported => X86Aes.IsSupported;

    /// <summary>The number of rounds: 10, 12 or 14.</summary>
    public int Rounds => _rounds;

    /// <summary>The encryption round keys (tests inspect and perturb them).</summary>
    internal Span<Vector128<byte>> EncryptKeys => _encryptKeys;

    /// <summary>The decryption round keys (tests inspect and perturb them).</summary>
    internal Span<Vector128<byte>> DecryptKeys => _decryptKeys;

    /// <summary>
    /// CBC-encrypts <paramref name="plaintext"/> plus its PKCS#7 padding into <paramref name="destination"/>
    /// (which must not overlap it) and returns the ciphertext length, a whole number of blocks.
    /// </summary>
    public int EncryptPkcs7(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var full = plaintext.Length / Block;
        var length = (full + 1) * Block;
        if (iv.Length != Block)
        {
            throw new ArgumentException("The IV must be 16 bytes.", nameof(iv));
        }

        if (destination.Length < length)
        {
            throw new ArgumentException("The destination is too small for the padded ciphertext.", nameof(destination));
        }

        ref var source = ref MemoryMarshal.GetReference(plaintext);
        ref var target = ref MemoryMarshal.GetReference(destination);
        var chain = Vector128.Create(iv);
        chain = _rounds switch
        {
            10 => EncryptBlocks<Rounds10>(ref source, ref target, full, chain),
            12 => EncryptBlocks<Rounds12>(ref source, ref target, full, chain),
            _ => EncryptBlocks<Rounds14>(ref source, ref target, full, chain),
        };

        ref var keys = ref MemoryMarshal.GetArrayDataReference(_encryptKeys);
        // The last block: the remaining bytes and then the pad value (1..16) up to the block boundary.
        var rest = plaintext.Length - (full * Block);
        var pad = (byte)(Block - rest);
        Span<byte> last = stackalloc byte[Block];
        last.Fill(pad);
        plaintext[(full * Block)..].CopyTo(last);
        chain = EncryptBlock(Vector128.Create((ReadOnlySpan<byte>)last) ^ chain, ref keys, _rounds);
        chain.StoreUnsafe(ref target, (nuint)(full * Block));
        last.Clear();
        return length;
    }

    /// <summary>CBC-decrypts whole blocks in place (no padding is examined or removed).</summary>
    public void DecryptInPlace(ReadOnlySpan<byte> iv, Span<byte> blocks)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (iv.Length != Block)
        {
            throw new ArgumentException("The IV must be 16 bytes.", nameof(iv));
        }

        if (blocks.Length % Block != 0)
        {
            throw new ArgumentException("The ciphertext is not a whole number of blocks.", nameof(blocks));
        }

        ref var keys = ref MemoryMarshal.GetArrayDataReference(_decryptKeys);
        ref var data = ref MemoryMarshal.GetReference(blocks);
        var count = blocks.Length / Block;
        var rounds = _rounds;
        var previous = Vector128.Create(iv);
        var i = 0;
        for (; i + Lanes <= count; i += Lanes)
        {
            var offset = (nuint)(i * Block);
            var c0 = Vector128.LoadUnsafe(ref data, offset);
            var c1 = Vector128.LoadUnsafe(ref data, offset + 16);
            var c2 = Vector128.LoadUnsafe(ref data, offset + 32);
            var c3 = Vector128.LoadUnsafe(ref data, offset + 48);
            var c4 = Vector128.LoadUnsafe(ref data, offset + 64);
            var c5 = Vector128.LoadUnsafe(ref data, offset + 80);
            var c6 = Vector128.LoadUnsafe(ref data, offset + 96);
            var c7 = Vector128.LoadUnsafe(ref data, offset + 112);

            var k = keys;
            var x0 = c0 ^ k;
            var x1 = c1 ^ k;
            var x2 = c2 ^ k;
            var x3 = c3 ^ k;
            var x4 = c4 ^ k;
            var x5 = c5 ^ k;
            var x6 = c6 ^ k;
            var x7 = c7 ^ k;
            for (var r = 1; r < rounds; r++)
            {
                k = Unsafe.Add(ref keys, r);
                x0 = X86Aes.Decrypt(x0, k);
                x1 = X86Aes.Decrypt(x1, k);
                x2 = X86Aes.Decrypt(x2, k);
                x3 = X86Aes.Decrypt(x3, k);
                x4 = X86Aes.Decrypt(x4, k);
                x5 = X86Aes.Decrypt(x5, k);
                x6 = X86Aes.Decrypt(x6, k);
                x7 = X86Aes.Decrypt(x7, k);
            }

            k = Unsafe.Add(ref keys, rounds);
            (X86Aes.DecryptLast(x0, k) ^ previous).StoreUnsafe(ref data, offset);
            (X86Aes.DecryptLast(x1, k) ^ c0).StoreUnsafe(ref data, offset + 16);
            (X86Aes.DecryptLast(x2, k) ^ c1).StoreUnsafe(ref data, offset + 32);
            (X86Aes.DecryptLast(x3, k) ^ c2).StoreUnsafe(ref data, offset + 48);
            (X86Aes.DecryptLast(x4, k) ^ c3).StoreUnsafe(ref data, offset + 64);
            (X86Aes.DecryptLast(x5, k) ^ c4).StoreUnsafe(ref data, offset + 80);
            (X86Aes.DecryptLast(x6, k) ^ c5).StoreUnsafe(ref data, offset + 96);
            (X86Aes.DecryptLast(x7, k) ^ c6).StoreUnsafe(ref data, offset + 112);
            previous = c7;
        }

        for (; i < count; i++)
        {
            var offset = (nuint)(i * Block);
            var c = Vector128.LoadUnsafe(ref data, offset);
            var x = c ^ keys;
            for (var r = 1; r < rounds; r++)
            {
                x = X86Aes.Decrypt(x, Unsafe.Add(ref keys, r));
            }

            (X86Aes.DecryptLast(x, Unsafe.Add(ref keys, rounds)) ^ previous).StoreUnsafe(ref data, offset);
            previous = c;
        }
    }

    // CBC encryption is one dependency chain through every round of every block, so the round keys are held
    // in locals (registers) for the whole loop rather than reloaded. One instantiation per key size (as for the
    // interleaved chains): TRounds.Value is a constant there, so the rounds are straight code.
    private Vector128<byte> EncryptBlocks<TRounds>(ref byte source, ref byte target, int count, Vector128<byte> chain)
        where TRounds : struct, IRoundCount
    {
        var k = _encryptKeys;
        Vector128<byte> k0 = k[0], k1 = k[1], k2 = k[2], k3 = k[3], k4 = k[4], k5 = k[5], k6 = k[6], k7 = k[7], k8 = k[8], k9 = k[9], k10 = k[10];
        var k11 = TRounds.Value > 10 ? k[11] : default;
        var k12 = TRounds.Value > 10 ? k[12] : default;
        var k13 = TRounds.Value > 12 ? k[13] : default;
        var k14 = TRounds.Value > 12 ? k[14] : default;
        for (var i = 0; i < count; i++)
        {
            var x = Vector128.LoadUnsafe(ref source, (nuint)(i * Block)) ^ chain ^ k0;
            x = X86Aes.Encrypt(x, k1);
            x = X86Aes.Encrypt(x, k2);
            x = X86Aes.Encrypt(x, k3);
            x = X86Aes.Encrypt(x, k4);
            x = X86Aes.Encrypt(x, k5);
            x = X86Aes.Encrypt(x, k6);
            x = X86Aes.Encrypt(x, k7);
            x = X86Aes.Encrypt(x, k8);
            x = X86Aes.Encrypt(x, k9);
            if (TRounds.Value == 10)
            {
                chain = X86Aes.EncryptLast(x, k10);
            }
            else
            {
                x = X86Aes.Encrypt(x, k10);
                x = X86Aes.Encrypt(x, k11);
                if (TRounds.Value == 12)
                {
                    chain = X86Aes.EncryptLast(x, k12);
                }
                else
                {
                    x = X86Aes.Encrypt(x, k12);
                    x = X86Aes.Encrypt(x, k13);
                    chain = X86Aes.EncryptLast(x, k14);
                }
            }

            chain.StoreUnsafe(ref target, (nuint)(i * Block));
        }

        return chain;
    }

    /// <summary>Zeroes the round keys.</summary>
    public void Dispose()
    {
        _disposed = true;
        Array.Clear(_encryptKeys);
        Array.Clear(_decryptKeys);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> EncryptBlock(Vector128<byte> x, ref Vector128<byte> keys, int rounds)
    {
        x ^= keys;
        for (var r = 1; r < rounds; r++)
        {
            x = X86Aes.Encrypt(x, Unsafe.Add(ref keys, r));
        }

        return X86Aes.EncryptLast(x, Unsafe.Add(ref keys, rounds));
    }

    /// <summary>
    /// The FIPS-197 §5.2 key expansion word by word, with SubWord and RotWord from <c>AESKEYGENASSIST</c>:
    /// placed in the second dword of its input, a word w comes back as SubWord(w) in dword 0 and
    /// RotWord(SubWord(w)) in dword 1 (with a zero round constant, which is added here instead).
    /// </summary>
    private static void ExpandKey(ReadOnlySpan<byte> key, Vector128<byte>[] roundKeys)
    {
        var nk = key.Length / 4;
        var total = roundKeys.Length * 4;
        Span<uint> w = stackalloc uint[60];
        for (var i = 0; i < nk; i++)
        {
            w[i] = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(key[(i * 4)..]);
        }

        uint rcon = 1;
        for (var i = nk; i < total; i++)
        {
            var temp = w[i - 1];
            if (i % nk == 0)
            {
                temp = X86Aes.KeygenAssist(Vector128.Create(0u, temp, 0u, 0u).AsByte(), 0).AsUInt32().GetElement(1) ^ rcon;
                rcon = (rcon << 1) ^ ((rcon >> 7) * 0x11b);
            }
            else if (nk > 6 && i % nk == 4)
            {
                temp = X86Aes.KeygenAssist(Vector128.Create(0u, temp, 0u, 0u).AsByte(), 0).AsUInt32().GetElement(0);
            }

            w[i] = w[i - nk] ^ temp;
        }

        for (var r = 0; r < roundKeys.Length; r++)
        {
            roundKeys[r] = Vector128.Create(w[(r * 4)..((r * 4) + 4)]).AsByte();
        }

        w.Clear();
    }
}
