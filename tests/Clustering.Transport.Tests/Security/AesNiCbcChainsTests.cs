using System.Security.Cryptography;
using Clustering.Transport.Security.Internal;

namespace Clustering.Transport.Tests.Security;

/// <summary>
/// <see cref="AesNiCbc.EncryptChainsInPlace"/>, several CBC chains interleaved, against the platform's AES-CBC of each
/// message alone: random numbers of messages, mixed lengths, every key size, messages laid out with gaps and in any order.
/// </summary>
public sealed class AesNiCbcChainsTests
{
    [SetUp]
    public void RequireAesInstructions() =>
        Assume.That(AesNiCbc.IsSupported, "The CPU has no AES instructions; the platform fallback is tested elsewhere.");

    [Test]
    public void Interleaved_chains_equal_each_message_encrypted_alone([Values(16, 24, 32)] int keyLength)
    {
        var random = new Random(1000 + keyLength);
        using var platform = Aes.Create();
        var key = new byte[keyLength];
        for (var round = 0; round < 400; round++)
        {
            if (round % 50 == 0)
            {
                random.NextBytes(key);
            }

            platform.Key = key;
            using var aes = new AesNiCbc(key);

            // 1..9 messages of 16..9000 bytes (whole blocks); some rounds give every message the same length.
            var count = random.Next(1, 10);
            var sameLength = round % 7 == 0 ? 16 * random.Next(1, 563) : 0;
            var lengths = new int[count];
            var offsets = new int[count];
            var layout = 0;
            for (var i = 0; i < count; i++)
            {
                lengths[i] = sameLength != 0 ? sameLength : 16 * random.Next(1, 563);
                layout += random.Next(0, 40); // a gap that must stay untouched
                offsets[i] = layout;
                layout += 16 + lengths[i];
            }

            // Lay the messages out in a shuffled order in the buffer, so the lanes do not walk it in address order.
            if (round % 2 == 1)
            {
                random.Shuffle(offsets);
                var position = 0;
                var order = Enumerable.Range(0, count).OrderBy(i => offsets[i]).ToArray();
                foreach (var i in order)
                {
                    offsets[i] = position + random.Next(0, 40);
                    position = offsets[i] + 16 + lengths[i];
                }

                layout = position;
            }

            var buffer = new byte[layout + random.Next(0, 40)];
            random.NextBytes(buffer);
            var expected = (byte[])buffer.Clone();
            for (var i = 0; i < count; i++)
            {
                var iv = buffer.AsSpan(offsets[i], 16);
                var plaintext = buffer.AsSpan(offsets[i] + 16, lengths[i]);
                platform.EncryptCbc(plaintext, iv, PaddingMode.None).CopyTo(expected, offsets[i] + 16);
            }

            aes.EncryptChainsInPlace(buffer, offsets, [.. lengths.Select(l => l / 16)]);
            if (!buffer.AsSpan().SequenceEqual(expected))
            {
                var first = buffer.AsSpan().CommonPrefixLength(expected);
                Assert.Fail($"round {round}: {count} messages of [{string.Join(", ", lengths)}] bytes at [{string.Join(", ", offsets)}], first difference at byte {first}");
            }
        }
    }

    [Test]
    public void Messages_of_zero_blocks_are_skipped_and_the_rest_still_encrypted()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        using var aes = new AesNiCbc(key);
        using var platform = Aes.Create();
        platform.Key = key;
        var buffer = RandomNumberGenerator.GetBytes(16 + 16 + 48 + 16);
        var expected = (byte[])buffer.Clone();
        platform.EncryptCbc(buffer.AsSpan(32, 48), buffer.AsSpan(16, 16), PaddingMode.None).CopyTo(expected, 32);

        aes.EncryptChainsInPlace(buffer, [0, 16, 80], [0, 3, 0]);

        Assert.That(buffer, Is.EqualTo(expected));
        aes.EncryptChainsInPlace(buffer, [], []);
        Assert.That(buffer, Is.EqualTo(expected), "no message, nothing changes");
    }

    [Test]
    public void Messages_outside_the_buffer_or_mismatched_lists_are_refused_before_anything_is_written()
    {
        using var aes = new AesNiCbc(new byte[16]);
        var buffer = new byte[64];
        Assert.Throws<ArgumentException>(() => aes.EncryptChainsInPlace(buffer, [0, 16], [1]));
        Assert.Throws<ArgumentException>(() => aes.EncryptChainsInPlace(buffer, [0, 32], [1, 2]), "the second message runs past the end");
        Assert.Throws<ArgumentException>(() => aes.EncryptChainsInPlace(buffer, [-16], [1]));
        Assert.Throws<ArgumentException>(() => aes.EncryptChainsInPlace(buffer, [0], [-1]));
        Assert.Throws<ArgumentException>(() => aes.EncryptChainsInPlace(buffer, [int.MaxValue - 8], [int.MaxValue]));
        Assert.That(buffer.All(b => b == 0), Is.True);

        aes.Dispose();
        Assert.Throws<ObjectDisposedException>(() => aes.EncryptChainsInPlace(buffer, [0], [1]));
    }
}
