using System.Security.Cryptography;
using System.Runtime.Intrinsics;
using Clustering.Transport.Security.Internal;

namespace Clustering.Transport.Tests.Security;

/// <summary>The managed AES-NI CBC against published vectors and against the platform's AES.</summary>
public sealed class AesNiCbcTests
{
    private const string Sp80038aPlaintext =
        "6bc1bee22e409f96e93d7e117393172a" + "ae2d8a571e03ac9c9eb76fac45af8e51" +
        "30c81c46a35ce411e5fbc1191a0a52ef" + "f69f2445df4f9b17ad2b417be66c3710";

    private const string Sp80038aIv = "000102030405060708090a0b0c0d0e0f";

    [SetUp]
    public void RequireAesInstructions() =>
        Assume.That(AesNiCbc.IsSupported, "The CPU has no AES instructions; the platform fallback is tested elsewhere.");

    // NIST SP 800-38A, F.2.1 / F.2.3 / F.2.5 (CBC-AES128/192/256.Encrypt) and F.2.2 / F.2.4 / F.2.6 (Decrypt).
    [TestCase("2b7e151628aed2a6abf7158809cf4f3c",
        "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b273bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7")]
    [TestCase("8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
        "4f021db243bc633d7178183a9fa071e8b4d9ada9ad7dedf4e5e738763f69145a571b242012fb7ae07fa9baac3df102e008b0e27988598881d920a9e64f5615cd")]
    [TestCase("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
        "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b")]
    public void Sp800_38a_cbc_vectors(string key, string ciphertext)
    {
        using var aes = new AesNiCbc(Convert.FromHexString(key));
        var plaintext = Convert.FromHexString(Sp80038aPlaintext);
        var iv = Convert.FromHexString(Sp80038aIv);

        var encrypted = new byte[plaintext.Length + 16];
        Assert.That(aes.EncryptPkcs7(iv, plaintext, encrypted), Is.EqualTo(plaintext.Length + 16));
        Assert.That(Convert.ToHexString(encrypted, 0, plaintext.Length), Is.EqualTo(ciphertext.ToUpperInvariant()));

        var blocks = Convert.FromHexString(ciphertext);
        aes.DecryptInPlace(iv, blocks);
        Assert.That(Convert.ToHexString(blocks), Is.EqualTo(Sp80038aPlaintext.ToUpperInvariant()));
    }

    // FIPS-197 Appendix C.1 / C.2 / C.3: one block, which is CBC with an all-zero IV.
    [TestCase("000102030405060708090a0b0c0d0e0f", "69c4e0d86a7b0430d8cdb78070b4c55a")]
    [TestCase("000102030405060708090a0b0c0d0e0f1011121314151617", "dda97ca4864cdfe06eaf70a0ec0d7191")]
    [TestCase("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "8ea2b7ca516745bfeafc49904b496089")]
    public void Fips197_single_block_vectors(string key, string ciphertext)
    {
        using var aes = new AesNiCbc(Convert.FromHexString(key));
        var plaintext = Convert.FromHexString("00112233445566778899aabbccddeeff");
        var iv = new byte[16];
        var encrypted = new byte[32];
        aes.EncryptPkcs7(iv, plaintext, encrypted);
        Assert.That(Convert.ToHexString(encrypted, 0, 16), Is.EqualTo(ciphertext.ToUpperInvariant()));

        var block = Convert.FromHexString(ciphertext);
        aes.DecryptInPlace(iv, block);
        Assert.That(block, Is.EqualTo(plaintext));
    }

    // FIPS-197 Appendix A.1 and A.3: the last round key of the expansion.
    [TestCase("2b7e151628aed2a6abf7158809cf4f3c", 10, "d014f9a8c9ee2589e13f0cc8b6630ca6")]
    [TestCase("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", 14, "fe4890d1e6188d0b046df344706c631e")]
    public void Key_expansion_matches_fips197(string key, int rounds, string lastRoundKey)
    {
        using var aes = new AesNiCbc(Convert.FromHexString(key));
        Assert.That(aes.Rounds, Is.EqualTo(rounds));
        var last = new byte[16];
        aes.EncryptKeys[rounds].CopyTo(last);
        Assert.That(Convert.ToHexString(last), Is.EqualTo(lastRoundKey.ToUpperInvariant()));
    }

    [Test]
    public void Random_keys_ivs_and_lengths_match_the_platform_aes([Values(16, 24, 32)] int keyLength)
    {
        var random = new Random(keyLength);
        using var platform = Aes.Create();
        for (var i = 0; i < 1200; i++)
        {
            var key = new byte[keyLength];
            var iv = new byte[16];
            random.NextBytes(key);
            random.NextBytes(iv);

            // Mostly short frames, with every residue mod 16 and lengths up to 9000.
            var length = i < 300 ? i : random.Next(0, 9001);
            var plaintext = new byte[length];
            random.NextBytes(plaintext);

            platform.Key = key;
            var expected = platform.EncryptCbc(plaintext, iv, PaddingMode.PKCS7);

            using var aes = new AesNiCbc(key);
            var actual = new byte[expected.Length + 5];
            var written = aes.EncryptPkcs7(iv, plaintext, actual);
            Assert.That(written, Is.EqualTo(expected.Length), $"length {length}");
            Assert.That(actual.AsSpan(0, written).SequenceEqual(expected), Is.True, $"encrypt, key {Convert.ToHexString(key)}, length {length}");

            // Decrypt random whole blocks (not only our own output) against the platform without padding.
            var blocks = new byte[16 * random.Next(1, 600)];
            random.NextBytes(blocks);
            var plainBlocks = platform.DecryptCbc(blocks, iv, PaddingMode.None);
            aes.DecryptInPlace(iv, blocks);
            Assert.That(blocks.AsSpan().SequenceEqual(plainBlocks), Is.True, $"decrypt, key {Convert.ToHexString(key)}, {blocks.Length} bytes");

            aes.DecryptInPlace(iv, expected);
            Assert.That(expected.AsSpan(0, length).SequenceEqual(plaintext), Is.True, $"round trip, length {length}");
        }
    }

    [Test]
    public void Dispose_zeroes_the_round_keys()
    {
        var aes = new AesNiCbc(RandomNumberGenerator.GetBytes(32));
        Assert.That(aes.EncryptKeys.ToArray().Any(k => k != default), Is.True);
        aes.Dispose();
        Assert.That(aes.EncryptKeys.ToArray().All(k => k == default), Is.True);
        Assert.That(aes.DecryptKeys.ToArray().All(k => k == default), Is.True);
        Assert.Throws<ObjectDisposedException>(() => aes.DecryptInPlace(new byte[16], new byte[16]));
    }

    [Test]
    public void Bad_key_iv_or_lengths_are_refused()
    {
        Assert.Throws<ArgumentException>(() => _ = new AesNiCbc(new byte[20]));
        using var aes = new AesNiCbc(new byte[16]);
        Assert.Throws<ArgumentException>(() => aes.DecryptInPlace(new byte[16], new byte[15]));
        Assert.Throws<ArgumentException>(() => aes.DecryptInPlace(new byte[8], new byte[16]));
        Assert.Throws<ArgumentException>(() => aes.EncryptPkcs7(new byte[16], new byte[16], new byte[16]));
    }
}
