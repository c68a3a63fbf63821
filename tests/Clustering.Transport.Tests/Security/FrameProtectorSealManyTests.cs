using Clustering.Transport.Framing;
using Clustering.Transport.Security;
using Clustering.Transport.Security.Internal;

namespace Clustering.Transport.Tests.Security;

/// <summary>
/// <see cref="FrameProtector.SealMany"/>: the frames of a batch, sealed together (AES-CBC chains interleaved on the
/// platform fast path), are byte for byte the frames <see cref="FrameProtector.SealCore"/> seals one by one with the same
/// IVs, for every hash and cipher and every provider; each opens with every provider; the ring-number rule holds; bad
/// batches are refused before anything is written; a batch allocates nothing.
/// </summary>
public sealed class FrameProtectorSealManyTests
{
    private static readonly FrameType[] Types = Enum.GetValues<FrameType>();

    [TestCaseSource(typeof(CryptoCombinations), nameof(CryptoCombinations.ValidCases))]
    public void A_batch_sealed_together_equals_its_frames_sealed_one_by_one_with_the_same_ivs(CryptoHash hash, CryptoCipher cipher)
    {
        using var key = Authkey.Generate();
        foreach (var path in Enum.GetValues<CryptoPath>())
        {
            using var protector = CryptoPaths.Protector(key, path, hash, cipher);
            var random = new Random((int)hash * 100 + (int)cipher * 10 + (int)path);
            for (var round = 0; round < 60; round++)
            {
                var (headers, payloads) = RandomBatch(random, protector, round);
                var ivs = new byte[headers.Length * FrameLayout.IvSize];
                random.NextBytes(ivs);

                var expected = new List<byte>();
                for (var i = 0; i < headers.Length; i++)
                {
                    var one = new byte[protector.GetSealedLength(payloads[i].Length)];
                    protector.SealCore(headers[i], payloads[i].Span, cipher == CryptoCipher.None ? default : ivs.AsSpan(i * 16, 16), one);
                    expected.AddRange(one);
                }

                var batch = new byte[expected.Count + 7];
                var lengths = new int[headers.Length];
                var written = protector.SealManyCore(headers, payloads, cipher == CryptoCipher.None ? default : ivs, batch, lengths);

                Assert.That(written, Is.EqualTo(expected.Count), $"{path}, round {round}");
                Assert.That(lengths, Is.EqualTo(payloads.Select(p => protector.GetSealedLength(p.Length)).ToArray()));
                Assert.That(batch.AsSpan(0, written).SequenceEqual(expected.ToArray()), Is.True, $"{path}, round {round}: {headers.Length} frames of [{string.Join(", ", payloads.Select(p => p.Length))}] bytes");
                Assert.That(batch.AsSpan(written).ToArray().All(b => b == 0), Is.True, "nothing written past the batch");
            }
        }
    }

    [TestCaseSource(typeof(CryptoCombinations), nameof(CryptoCombinations.ValidCases))]
    public void Every_frame_of_a_batch_opens_with_every_provider_and_carries_its_own_iv(CryptoHash hash, CryptoCipher cipher)
    {
        using var key = Authkey.Generate();
        var random = new Random((int)hash * 10 + (int)cipher);
        using var sender = CryptoPaths.Protector(key, CryptoPath.Fast, hash, cipher);
        var receivers = Enum.GetValues<CryptoPath>().Select(p => (Path: p, Protector: CryptoPaths.Protector(key, p, hash, cipher))).ToArray();
        try
        {
            var ivs = new HashSet<string>();
            for (var round = 0; round < 30; round++)
            {
                var (headers, payloads) = RandomBatch(random, sender, round);
                var batch = new byte[payloads.Sum(p => sender.GetSealedLength(p.Length))];
                var lengths = new int[headers.Length];
                Assert.That(sender.SealMany(headers, payloads, batch, lengths), Is.EqualTo(batch.Length));

                var offset = 0;
                for (var i = 0; i < headers.Length; i++)
                {
                    var frame = batch.AsSpan(offset, lengths[i]);
                    offset += lengths[i];
                    if (cipher != CryptoCipher.None)
                    {
                        // The pooled IV went into the frame: sealing alone with that IV gives the same frame.
                        var iv = frame.Slice(FrameLayout.HeaderSize, FrameLayout.IvSize).ToArray();
                        Assert.That(ivs.Add(Convert.ToHexString(iv)), Is.True, $"round {round}, frame {i} repeats an IV");
                        var alone = new byte[frame.Length];
                        sender.SealCore(headers[i], payloads[i].Span, iv, alone);
                        Assert.That(frame.SequenceEqual(alone), Is.True, $"round {round}, frame {i}");
                    }

                    foreach (var (path, receiver) in receivers)
                    {
                        var copy = frame.ToArray();
                        Assert.That(receiver.TryOpen(copy, out var header, out var range, out var reason), Is.True, $"{path}, round {round}, frame {i}: {reason}");
                        Assert.That(header, Is.EqualTo(headers[i]));
                        Assert.That(copy.AsSpan()[range].SequenceEqual(payloads[i].Span), Is.True, $"{path}, round {round}, frame {i}");
                    }
                }
            }
        }
        finally
        {
            foreach (var (_, receiver) in receivers)
            {
                receiver.Dispose();
            }
        }
    }

    [Test]
    public void The_ring_number_rule_holds_for_a_batch()
    {
        using var key = Authkey.Generate();
        using var protector = CryptoPaths.Protector(key, CryptoPath.Fast, CryptoHash.Sha256, CryptoCipher.Aes256);
        var payload = new ReadOnlyMemory<byte>(new byte[100]);
        FrameHeader[] headers = [new(FrameType.Multicast, 1, 1, 2, 1), new(FrameType.RingProbe, 1, 1, 2, 2), new(FrameType.Token, 1, 1, 1, 3)];
        var lengths = new int[3];
        var batch = new byte[3 * protector.GetSealedLength(100)];
        protector.SealMany(headers, [payload, payload, payload], batch, lengths);

        var length = lengths[0];
        byte[] Frame(int i, byte ring)
        {
            var frame = batch.AsSpan(i * length, length).ToArray();
            frame[FrameLayout.RingOffset] = ring;
            return frame;
        }

        // A frame free to travel on any ring opens with any ring number; a probe only with its own.
        Assert.That(protector.TryOpen(Frame(0, 0), out var opened, out _, out _), Is.True);
        Assert.That(opened.RingNumber, Is.Zero);
        Assert.That(protector.TryOpen(Frame(2, 1), out _, out _, out _), Is.True);
        Assert.That(protector.TryOpen(Frame(1, 2), out _, out _, out _), Is.True);
        Assert.That(protector.TryOpen(Frame(1, 0), out _, out _, out var reason), Is.False);
        Assert.That(reason, Is.EqualTo(FrameDropReason.BadTag));
        Assert.That(batch[FrameLayout.RingOffset], Is.EqualTo(2), "the header keeps the ring number it was sealed with");
    }

    [Test]
    public void A_bad_batch_is_refused_before_anything_is_written()
    {
        using var key = Authkey.Generate();
        using var protector = CryptoPaths.Protector(key, CryptoPath.Fast, CryptoHash.Sha256, CryptoCipher.Aes128);
        var header = new FrameHeader(FrameType.Multicast, 1, 1, 0, 1);
        var small = new ReadOnlyMemory<byte>(new byte[10]);
        var frameLength = protector.GetSealedLength(10);
        var batch = new byte[3 * frameLength];
        var lengths = new int[3];

        Assert.Throws<ArgumentException>(() => protector.SealMany([header, header], [small], batch, lengths), "fewer payloads than headers");
        Assert.Throws<ArgumentException>(() => protector.SealMany([header, header], [small, small], batch, new int[1]), "no room for the lengths");
        Assert.Throws<ArgumentException>(() => protector.SealMany([header, header, header], [small, small, small], batch.AsSpan(0, batch.Length - 1), lengths), "the last frame does not fit");
        Assert.Throws<ArgumentException>(() => protector.SealMany([header, header with { Type = (FrameType)99 }], [small, small], batch, lengths), "unknown type");
        Assert.Throws<ArgumentOutOfRangeException>(() => protector.SealMany([header, header with { RingNumber = 200 }], [small, small], batch, lengths), "ring number");
        Assert.Throws<ArgumentException>(() => protector.SealMany([header, header], [small, new byte[protector.MaxPayloadLength + 1]], batch, lengths), "payload too long");
        var overlapping = new ReadOnlyMemory<byte>(batch, frameLength + 5, 10);
        Assert.Throws<ArgumentException>(() => protector.SealMany([header, header], [overlapping, small], batch, lengths), "a payload inside a later frame's place");
        Assert.Throws<ArgumentException>(() => protector.SealManyCore([header, header], [small, small], new byte[16], batch, lengths), "one IV for two frames");
        Assert.That(batch.All(b => b == 0), Is.True, "nothing was written");

        protector.Dispose();
        Assert.Throws<ObjectDisposedException>(() => protector.SealMany([header], [small], batch, lengths));
    }

    [Test]
    public void The_interleaved_path_is_used_only_where_the_provider_has_it()
    {
        var macKey = new byte[32];
        var cipherKey = new byte[32];
        using var fast = new PlatformFrameCrypto(CryptoHash.Sha256, CryptoCipher.Aes256, macKey, cipherKey, fastPath: true);
        using var portable = new PlatformFrameCrypto(CryptoHash.Sha256, CryptoCipher.Aes256, macKey, cipherKey, fastPath: false);
        using var bouncy = FrameCrypto.Create(CryptoProviderKind.BouncyCastle, CryptoHash.Sha256, CryptoCipher.Aes256, new byte[128], []);
        Assert.That(fast.CanEncryptCbcChains, Is.EqualTo(AesNiCbc.IsSupported));
        Assert.That(portable.CanEncryptCbcChains, Is.False);
        Assert.That(bouncy.CanEncryptCbcChains, Is.False);
        Assert.Throws<NotSupportedException>(() => portable.EncryptCbcChainsInPlace(new byte[32], [0], [1]));
    }

    [Test]
    public void Sealing_a_batch_allocates_nothing([Values(64, 1024, 1400, 8192)] int size)
    {
        using var key = Authkey.Generate();
        using var protector = CryptoPaths.Protector(key, CryptoPath.Fast, CryptoHash.Sha256, CryptoCipher.Aes256);
        var headers = Enumerable.Range(0, 17).Select(i => new FrameHeader(FrameType.Multicast, 1, 1, 0, (ulong)i)).ToArray();
        var payloads = Enumerable.Range(0, 17).Select(i => new ReadOnlyMemory<byte>(new byte[size - (i % 3)])).ToArray();
        var batch = new byte[payloads.Sum(p => protector.GetSealedLength(p.Length))];
        var lengths = new int[17];
        var written = 0;
        var allocated = AllocationProbe.SteadyStateBytes(() =>
        {
            for (var i = 0; i < 50; i++)
            {
                written = protector.SealMany(headers, payloads, batch, lengths);
            }
        });

        Assert.That(written, Is.EqualTo(batch.Length));
        Assert.That(allocated, Is.Zero, "bytes allocated for 50 batches of 17 frames");
    }

    private static (FrameHeader[] Headers, ReadOnlyMemory<byte>[] Payloads) RandomBatch(Random random, FrameProtector protector, int round)
    {
        // 1..20 frames; every few rounds all the same size (as a token visit's), else mixed, with empty and largest payloads.
        var count = round == 0 ? 1 : random.Next(1, 21);
        var same = round % 4 == 1 ? random.Next(0, 1500) : -1;
        var headers = new FrameHeader[count];
        var payloads = new ReadOnlyMemory<byte>[count];
        for (var i = 0; i < count; i++)
        {
            var length = same >= 0 ? same : random.Next(5) switch
            {
                0 => random.Next(0, 33),
                1 => protector.MaxPayloadLength - random.Next(0, 20),
                _ => random.Next(0, 9001),
            };
            var payload = new byte[Math.Min(length, protector.MaxPayloadLength)];
            random.NextBytes(payload);
            payloads[i] = payload;
            headers[i] = new FrameHeader(Types[random.Next(Types.Length)], (uint)random.Next(1, 100), (ulong)random.NextInt64(), (byte)random.Next(0, 8), (ulong)random.NextInt64());
        }

        return (headers, payloads);
    }
}
