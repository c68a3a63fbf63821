using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using X86Aes = System.Runtime.Intrinsics.X86.Aes;

namespace Clustering.Transport.Security.Internal;

/// <summary>
/// CBC encryption of several independent messages at once. One message's CBC chain is bound by the latency of
/// <c>AESENC</c> (each round waits for the previous one), while the CPU can start a new <c>AESENC</c> every cycle;
/// running <see cref="ChainLanes"/> chains round by round side by side fills those idle cycles, so a batch costs
/// about as much as its longest lane rather than the sum of its messages. A lane whose message ends takes the next
/// message, and with no message left it runs on a scratch block whose result is thrown away (in a latency-bound
/// loop an idle lane costs nothing). The output is exactly what encrypting each message alone gives.
/// </summary>
internal sealed partial class AesNiCbc
{
    /// <summary>How many chains run side by side.</summary>
    internal const int ChainLanes = 4;

    private interface IRoundCount
    {
        static abstract int Value { get; }
    }

    /// <summary>
    /// CBC-encrypts several independent messages in place, their chains interleaved. Message <c>i</c> starts at
    /// <paramref name="offsets"/>[i] in <paramref name="buffer"/>: its 16-byte IV, then <paramref name="blockCounts"/>[i]
    /// blocks of plaintext (already padded), which are replaced by their ciphertext; the IV is left as it is. The
    /// messages must not overlap one another (each is still confined to the buffer if they do, but the result is then
    /// meaningless). A message of zero blocks is skipped.
    /// </summary>
    /// <exception cref="ArgumentException">The two lists differ in length, or a message does not lie inside the buffer.</exception>
    /// <exception cref="ObjectDisposedException">The instance was disposed.</exception>
    public unsafe void EncryptChainsInPlace(Span<byte> buffer, ReadOnlySpan<int> offsets, ReadOnlySpan<int> blockCounts)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (offsets.Length != blockCounts.Length)
        {
            throw new ArgumentException($"{offsets.Length} offsets but {blockCounts.Length} block counts.", nameof(blockCounts));
        }

        for (var i = 0; i < offsets.Length; i++)
        {
            // In 64 bits: offset + (count + 1) * 16 cannot overflow for any two ints.
            if (offsets[i] < 0 || blockCounts[i] < 0 || offsets[i] + ((blockCounts[i] + 1L) * Block) > buffer.Length)
            {
                throw new ArgumentException($"Message {i} (offset {offsets[i]}, {blockCounts[i]} blocks after its IV) does not lie inside the {buffer.Length}-byte buffer.", nameof(offsets));
            }
        }

        fixed (byte* data = buffer)
        {
            switch (_rounds)
            {
                case 10:
                    EncryptChains<Rounds10>(data, offsets, blockCounts);
                    break;
                case 12:
                    EncryptChains<Rounds12>(data, offsets, blockCounts);
                    break;
                default:
                    EncryptChains<Rounds14>(data, offsets, blockCounts);
                    break;
            }
        }
    }

    // One instantiation per key size: TRounds.Value is a constant to the JIT, so the round sequence is straight code
    // and the round keys stay in registers (x64 with AVX-512 has 32 vector registers: 15 keys, 4 states, 4 chains).
    private unsafe void EncryptChains<TRounds>(byte* data, ReadOnlySpan<int> offsets, ReadOnlySpan<int> counts)
        where TRounds : struct, IRoundCount
    {
        ref var keys = ref MemoryMarshal.GetArrayDataReference(_encryptKeys);
        var k0 = keys;
        var k1 = Unsafe.Add(ref keys, 1);
        var k2 = Unsafe.Add(ref keys, 2);
        var k3 = Unsafe.Add(ref keys, 3);
        var k4 = Unsafe.Add(ref keys, 4);
        var k5 = Unsafe.Add(ref keys, 5);
        var k6 = Unsafe.Add(ref keys, 6);
        var k7 = Unsafe.Add(ref keys, 7);
        var k8 = Unsafe.Add(ref keys, 8);
        var k9 = Unsafe.Add(ref keys, 9);
        var k10 = Unsafe.Add(ref keys, 10);
        var k11 = TRounds.Value > 10 ? Unsafe.Add(ref keys, 11) : default;
        var k12 = TRounds.Value > 10 ? Unsafe.Add(ref keys, 12) : default;
        var k13 = TRounds.Value > 12 ? Unsafe.Add(ref keys, 13) : default;
        var k14 = TRounds.Value > 12 ? Unsafe.Add(ref keys, 14) : default;

        var scratch = stackalloc byte[Block];
        Unsafe.InitBlockUnaligned(scratch, 0, Block);

        // Lane state: where its next block is, how far to step (16, or 0 on the scratch block), blocks left, chain value.
        byte* p0 = scratch, p1 = scratch, p2 = scratch, p3 = scratch;
        nint s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int r0 = 0, r1 = 0, r2 = 0, r3 = 0;
        Vector128<byte> c0 = default, c1 = default, c2 = default, c3 = default;
        var next = 0;
        while (true)
        {
            var busy = Take(ref p0, ref s0, ref r0, ref c0, data, scratch, offsets, counts, ref next);
            busy |= Take(ref p1, ref s1, ref r1, ref c1, data, scratch, offsets, counts, ref next);
            busy |= Take(ref p2, ref s2, ref r2, ref c2, data, scratch, offsets, counts, ref next);
            busy |= Take(ref p3, ref s3, ref r3, ref c3, data, scratch, offsets, counts, ref next);
            if (!busy)
            {
                break;
            }

            var steps = Math.Min(Math.Min(r0, r1), Math.Min(r2, r3));
            r0 -= steps;
            r1 -= steps;
            r2 -= steps;
            r3 -= steps;
            for (; steps > 0; steps--)
            {
                var x0 = Vector128.Load(p0) ^ c0 ^ k0;
                var x1 = Vector128.Load(p1) ^ c1 ^ k0;
                var x2 = Vector128.Load(p2) ^ c2 ^ k0;
                var x3 = Vector128.Load(p3) ^ c3 ^ k0;
                Round(ref x0, ref x1, ref x2, ref x3, k1);
                Round(ref x0, ref x1, ref x2, ref x3, k2);
                Round(ref x0, ref x1, ref x2, ref x3, k3);
                Round(ref x0, ref x1, ref x2, ref x3, k4);
                Round(ref x0, ref x1, ref x2, ref x3, k5);
                Round(ref x0, ref x1, ref x2, ref x3, k6);
                Round(ref x0, ref x1, ref x2, ref x3, k7);
                Round(ref x0, ref x1, ref x2, ref x3, k8);
                Round(ref x0, ref x1, ref x2, ref x3, k9);
                Vector128<byte> last;
                if (TRounds.Value == 10)
                {
                    last = k10;
                }
                else
                {
                    Round(ref x0, ref x1, ref x2, ref x3, k10);
                    Round(ref x0, ref x1, ref x2, ref x3, k11);
                    if (TRounds.Value == 12)
                    {
                        last = k12;
                    }
                    else
                    {
                        Round(ref x0, ref x1, ref x2, ref x3, k12);
                        Round(ref x0, ref x1, ref x2, ref x3, k13);
                        last = k14;
                    }
                }

                c0 = X86Aes.EncryptLast(x0, last);
                c1 = X86Aes.EncryptLast(x1, last);
                c2 = X86Aes.EncryptLast(x2, last);
                c3 = X86Aes.EncryptLast(x3, last);
                c0.Store(p0);
                c1.Store(p1);
                c2.Store(p2);
                c3.Store(p3);
                p0 += s0;
                p1 += s1;
                p2 += s2;
                p3 += s3;
            }
        }

        Unsafe.InitBlockUnaligned(scratch, 0, Block);
    }

    /// <summary>
    /// Gives a lane whose message is done the next message with blocks (its IV as the chain value), or parks it on
    /// the scratch block when none is left; returns whether the lane has a message.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe bool Take(ref byte* p, ref nint stride, ref int remaining, ref Vector128<byte> chain, byte* data, byte* scratch, ReadOnlySpan<int> offsets, ReadOnlySpan<int> counts, ref int next)
    {
        if (remaining != 0)
        {
            return stride != 0;
        }

        while (next < offsets.Length)
        {
            var index = next++;
            if (counts[index] == 0)
            {
                continue;
            }

            var start = data + offsets[index];
            chain = Vector128.Load(start);
            p = start + Block;
            stride = Block;
            remaining = counts[index];
            return true;
        }

        p = scratch;
        stride = 0;
        remaining = int.MaxValue;
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round(ref Vector128<byte> x0, ref Vector128<byte> x1, ref Vector128<byte> x2, ref Vector128<byte> x3, Vector128<byte> key)
    {
        x0 = X86Aes.Encrypt(x0, key);
        x1 = X86Aes.Encrypt(x1, key);
        x2 = X86Aes.Encrypt(x2, key);
        x3 = X86Aes.Encrypt(x3, key);
    }

    private readonly struct Rounds10 : IRoundCount
    {
        public static int Value => 10;
    }

    private readonly struct Rounds12 : IRoundCount
    {
        public static int Value => 12;
    }

    private readonly struct Rounds14 : IRoundCount
    {
        public static int Value => 14;
    }
}
