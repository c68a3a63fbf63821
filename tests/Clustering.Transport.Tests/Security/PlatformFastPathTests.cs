using Clustering.Transport.Framing;
using Clustering.Transport.Security;
using Clustering.Transport.Security.Internal;

namespace Clustering.Transport.Tests.Security;

/// <summary>The platform provider's fast path against its portable path and BouncyCastle, frame by frame.</summary>
public sealed class PlatformFastPathTests
{
    private static readonly FrameHeader Header = new(FrameType.Multicast, 3, 9, 1, 77);

    [Test]
    public void The_fast_path_is_chosen_where_available_and_can_be_turned_off()
    {
        var macKey = new byte[32];
        var cipherKey = new byte[32];
        using (var fast = new PlatformFrameCrypto(CryptoHash.Sha256, CryptoCipher.Aes256, macKey, cipherKey, fastPath: true))
        {
            Assert.That(fast.FastCipher, Is.EqualTo(AesNiCbc.IsSupported));
            Assert.That(fast.FastMac, Is.EqualTo(NativeHmac.IsAvailable(CryptoHash.Sha256)));
        }

        using var portable = new PlatformFrameCrypto(CryptoHash.Sha256, CryptoCipher.Aes256, macKey, cipherKey, fastPath: false);
        Assert.That(portable.FastCipher, Is.False);
        Assert.That(portable.FastMac, Is.False);
    }

    [Test]
    public void This_linux_x64_machine_has_the_whole_fast_path()
    {
        Assume.That(OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64);
        Assert.That(AesNiCbc.IsSupported, Is.True, "AES-NI");
        foreach (var hash in new[] { CryptoHash.Sha1, CryptoHash.Sha256, CryptoHash.Sha384, CryptoHash.Sha512 })
        {
            Assert.That(NativeHmac.IsAvailable(hash), Is.True, $"libcrypto.so.3 {hash}");
        }
    }

    [TestCaseSource(typeof(CryptoCombinations), nameof(CryptoCombinations.AuthenticatedCases))]
    public void Fast_portable_and_bouncycastle_seal_identical_frames(CryptoHash hash, CryptoCipher cipher)
    {
        using var key = Authkey.Generate(256);
        using var fast = CryptoPaths.Protector(key, CryptoPath.Fast, hash, cipher);
        using var portable = CryptoPaths.Protector(key, CryptoPath.Portable, hash, cipher);
        using var bouncy = CryptoPaths.Protector(key, CryptoPath.Bouncy, hash, cipher);
        var random = new Random((int)hash * 10 + (int)cipher);
        for (var i = 0; i < 300; i++)
        {
            var payload = new byte[i < 100 ? i : random.Next(0, Math.Min(9001, fast.MaxPayloadLength + 1))];
            random.NextBytes(payload);
            var iv = new byte[16];
            random.NextBytes(iv);
            var header = Header with { Type = i % 2 == 0 ? FrameType.Multicast : FrameType.Token, RingNumber = (byte)(i % 3), Sequence = (ulong)i };
            var a = new byte[fast.GetSealedLength(payload.Length)];
            var b = new byte[a.Length];
            var c = new byte[a.Length];
            fast.SealCore(header, payload, iv, a);
            portable.SealCore(header, payload, iv, b);
            bouncy.SealCore(header, payload, iv, c);
            Assert.That(a.AsSpan().SequenceEqual(b), Is.True, $"fast vs portable, payload {payload.Length}");
            Assert.That(a.AsSpan().SequenceEqual(c), Is.True, $"fast vs BouncyCastle, payload {payload.Length}");
        }
    }

    [TestCaseSource(typeof(CryptoCombinations), nameof(CryptoCombinations.AuthenticatedCases))]
    public void Each_path_opens_what_the_others_sealed(CryptoHash hash, CryptoCipher cipher)
    {
        using var key = Authkey.Generate();
        var paths = Enum.GetValues<CryptoPath>();
        foreach (var from in paths)
        {
            foreach (var to in paths)
            {
                using var sender = CryptoPaths.Protector(key, from, hash, cipher);
                using var receiver = CryptoPaths.Protector(key, to, hash, cipher);
                var random = new Random(17);
                for (var i = 0; i < 40; i++)
                {
                    var payload = new byte[random.Next(0, 9001)];
                    random.NextBytes(payload);
                    var frame = new byte[sender.GetSealedLength(payload.Length)];
                    sender.Seal(Header with { Sequence = (ulong)i }, payload, frame);
                    Assert.That(receiver.TryOpen(frame, out var header, out var range, out var reason), Is.True, $"{from} -> {to}: {reason}");
                    Assert.That(header.Sequence, Is.EqualTo((ulong)i));
                    Assert.That(frame.AsSpan()[range].SequenceEqual(payload), Is.True, $"{from} -> {to}, payload {payload.Length}");
                }
            }
        }
    }

    [TestCaseSource(typeof(CryptoCombinations), nameof(CryptoCombinations.AuthenticatedCases))]
    public void The_fast_path_rejects_every_flipped_bit_it_is_shown(CryptoHash hash, CryptoCipher cipher)
    {
        using var key = Authkey.Generate();
        using var sender = CryptoPaths.Protector(key, CryptoPath.Portable, hash, cipher);
        using var receiver = CryptoPaths.Protector(key, CryptoPath.Fast, hash, cipher);
        var random = new Random(23);
        var payload = new byte[1000];
        random.NextBytes(payload);
        var pristine = new byte[sender.GetSealedLength(payload.Length)];
        sender.Seal(Header, payload, pristine);
        var frame = new byte[pristine.Length];
        for (var i = 0; i < 500; i++)
        {
            pristine.CopyTo(frame, 0);
            // Every bit but the ring number's: a multicast frame's tag reads it as 0 so one sealed frame serves every ring.
            int bit;
            do
            {
                bit = random.Next(frame.Length * 8);
            }
            while (bit / 8 == FrameLayout.RingOffset);

            frame[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.That(receiver.TryOpen(frame, out _, out _, out var reason), Is.False, $"bit {bit} flipped");
            Assert.That(reason, Is.Not.EqualTo((FrameDropReason)0));
        }

        pristine.CopyTo(frame, 0);
        Assert.That(receiver.TryOpen(frame, out _, out _, out _), Is.True, "the untouched frame opens");
    }

    [Test]
    public void The_fast_path_allocates_nothing_per_frame([Values(64, 1024, 8192)] int size)
    {
        using var key = Authkey.Generate();
        using var protector = CryptoPaths.Protector(key, CryptoPath.Fast, CryptoHash.Sha256, CryptoCipher.Aes256);
        var payload = new byte[size];
        var frame = new byte[protector.GetSealedLength(size)];
        var opened = 0;
        var allocated = AllocationProbe.SteadyStateBytes(() =>
        {
            for (var i = 0; i < 200; i++)
            {
                protector.Seal(Header, payload, frame);
                opened += protector.TryOpen(frame, out _, out _, out _) ? 1 : 0;
            }
        });

        Assert.That(opened, Is.EqualTo(6 * 200));
        Assert.That(allocated, Is.Zero);
    }

    [Test]
    public void Every_sealed_frame_gets_its_own_random_iv_across_refills_of_the_iv_batch()
    {
        using var key = Authkey.Generate();
        using var protector = CryptoPaths.Protector(key, CryptoPath.Fast, CryptoHash.Sha256, CryptoCipher.Aes128);
        var payload = new byte[20];
        var frame = new byte[protector.GetSealedLength(payload.Length)];
        var seen = new HashSet<string>();
        for (var i = 0; i < 1000; i++)
        {
            protector.Seal(Header, payload, frame);
            var iv = Convert.ToHexString(frame, FrameLayout.HeaderSize, FrameLayout.IvSize);
            Assert.That(seen.Add(iv), Is.True, $"frame {i} repeats IV {iv}");
            Assert.That(iv, Is.Not.EqualTo(new string('0', 32)), $"frame {i}");
        }

        // A refused seal does not use up an IV nor write one.
        var small = new byte[frame.Length - 1];
        Assert.Throws<ArgumentException>(() => protector.Seal(Header, payload, small));
        Assert.That(small.All(b => b == 0), Is.True);
    }
}
