using Clustering.Transport.Framing;
using Clustering.Transport.Security;

namespace Clustering.Transport.Tests.Security;

/// <summary>The platform and BouncyCastle providers are interchangeable on the wire.</summary>
public sealed class CrossProviderTests
{
    private static readonly FrameHeader Header = new(FrameType.Token, 7, 42, 0, 1000);

    private static FrameProtector Protector(Authkey key, CryptoProviderKind provider, CryptoHash hash, CryptoCipher cipher) =>
        new(key, new FrameProtectorOptions { ClusterName = "cross", Hash = hash, Cipher = cipher, Provider = provider });

    [TestCaseSource(typeof(CryptoCombinations), nameof(CryptoCombinations.ValidCases))]
    public void Both_providers_seal_identical_frames_for_the_same_iv(CryptoHash hash, CryptoCipher cipher)
    {
        using var key = Authkey.Generate(256);
        using var platform = Protector(key, CryptoProviderKind.Platform, hash, cipher);
        using var bouncy = Protector(key, CryptoProviderKind.BouncyCastle, hash, cipher);
        var random = new Random(5);

        // Several frames in a row: the platform provider chains its AES transform across frames.
        foreach (var length in new[] { 0, 1, 16, 100, 1500, 8192, 16, 3 })
        {
            var payload = new byte[length];
            random.NextBytes(payload);
            var iv = new byte[16];
            random.NextBytes(iv);
            var a = new byte[platform.GetSealedLength(length)];
            var b = new byte[bouncy.GetSealedLength(length)];

            platform.SealCore(Header, payload, iv, a);
            bouncy.SealCore(Header, payload, iv, b);

            Assert.That(Convert.ToHexString(b), Is.EqualTo(Convert.ToHexString(a)), $"payload {length}");
        }
    }

    [TestCaseSource(typeof(CryptoCombinations), nameof(CryptoCombinations.ValidCases))]
    public void Each_provider_opens_what_the_other_sealed(CryptoHash hash, CryptoCipher cipher)
    {
        using var key = Authkey.Generate();
        foreach (var (senderKind, receiverKind) in new[] { (CryptoProviderKind.Platform, CryptoProviderKind.BouncyCastle), (CryptoProviderKind.BouncyCastle, CryptoProviderKind.Platform) })
        {
            using var sender = Protector(key, senderKind, hash, cipher);
            using var receiver = Protector(key, receiverKind, hash, cipher);
            for (var i = 0; i < 10; i++)
            {
                var payload = new byte[i * 37];
                new Random(i).NextBytes(payload);
                var frame = new byte[sender.GetSealedLength(payload.Length)];
                sender.Seal(Header with { Sequence = (ulong)i }, payload, frame);

                Assert.That(receiver.TryOpen(frame, out var header, out var range, out var reason), Is.True, $"{senderKind} -> {receiverKind}, frame {i}: {reason}");
                Assert.That(header.Sequence, Is.EqualTo((ulong)i));
                Assert.That(frame.AsSpan()[range].SequenceEqual(payload), Is.True);
            }
        }
    }
}
