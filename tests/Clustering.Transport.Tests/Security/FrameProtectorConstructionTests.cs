using Clustering.Transport.Framing;
using Clustering.Transport.Security;

namespace Clustering.Transport.Tests.Security;

public sealed class FrameProtectorConstructionTests
{
    [Test]
    public void A_cipher_without_a_hash_is_refused_like_corosync_does()
    {
        using var key = Authkey.Generate();
        var e = Assert.Throws<ArgumentException>(() => new FrameProtector(key, new FrameProtectorOptions { Hash = CryptoHash.None, Cipher = CryptoCipher.Aes256 }));
        Assert.That(e!.Message, Does.Contain("crypto_hash is none"));
    }

    [Test]
    public void A_hash_without_a_key_is_refused()
    {
        Assert.Throws<ArgumentNullException>(() => new FrameProtector(null, new FrameProtectorOptions { Hash = CryptoHash.Sha256 }));
    }

    [Test]
    public void No_hash_and_no_cipher_need_no_key()
    {
        using var protector = new FrameProtector(null, new FrameProtectorOptions { Hash = CryptoHash.None });
        Assert.That(protector.TagLength, Is.Zero);
        Assert.That(protector.MaxPayloadLength, Is.EqualTo(FrameLayout.MaxFrameSize - FrameLayout.HeaderSize));
    }

    [Test]
    public void Undefined_enum_values_and_a_null_cluster_name_are_refused()
    {
        using var key = Authkey.Generate();
        Assert.Throws<ArgumentException>(() => new FrameProtector(key, new FrameProtectorOptions { Hash = (CryptoHash)9 }));
        Assert.Throws<ArgumentException>(() => new FrameProtector(key, new FrameProtectorOptions { Cipher = (CryptoCipher)9 }));
        Assert.Throws<ArgumentException>(() => new FrameProtector(key, new FrameProtectorOptions { Provider = (CryptoProviderKind)9 }));
        Assert.Throws<ArgumentException>(() => new FrameProtector(key, new FrameProtectorOptions { ClusterName = null! }));
        Assert.Throws<ArgumentNullException>(() => new FrameProtector(key, null!));
    }

    [Test]
    public void The_defaults_are_sha256_without_a_cipher_on_the_platform_provider()
    {
        var options = new FrameProtectorOptions();
        Assert.That(options.Hash, Is.EqualTo(CryptoHash.Sha256));
        Assert.That(options.Cipher, Is.EqualTo(CryptoCipher.None));
        Assert.That(options.Provider, Is.EqualTo(CryptoProviderKind.Platform));
        Assert.That(options.ClusterName, Is.Empty);
    }

    [TestCase(CryptoHash.Sha1, 20)]
    [TestCase(CryptoHash.Sha256, 32)]
    [TestCase(CryptoHash.Sha384, 48)]
    [TestCase(CryptoHash.Sha512, 64)]
    public void The_tag_is_the_full_hash_output(CryptoHash hash, int tagLength)
    {
        using var key = Authkey.Generate();
        using var protector = new FrameProtector(key, new FrameProtectorOptions { Hash = hash });
        Assert.That(protector.TagLength, Is.EqualTo(tagLength));
        Assert.That(protector.GetSealedLength(10), Is.EqualTo(32 + 10 + tagLength));
    }

    [TestCase(0, 32 + 16 + 16 + 32)]
    [TestCase(15, 32 + 16 + 16 + 32)]
    [TestCase(16, 32 + 16 + 32 + 32)]
    [TestCase(100, 32 + 16 + 112 + 32)]
    public void An_encrypted_frame_adds_the_iv_and_pkcs7_padding(int payload, int sealedLength)
    {
        using var key = Authkey.Generate();
        using var protector = new FrameProtector(key, new FrameProtectorOptions { Hash = CryptoHash.Sha256, Cipher = CryptoCipher.Aes256 });
        Assert.That(protector.GetSealedLength(payload), Is.EqualTo(sealedLength));
        Assert.Throws<ArgumentOutOfRangeException>(() => protector.GetSealedLength(-1));
    }

    [TestCase(CryptoHash.None, CryptoCipher.None, 65475)]
    [TestCase(CryptoHash.Sha1, CryptoCipher.None, 65455)]
    [TestCase(CryptoHash.Sha256, CryptoCipher.None, 65443)]
    [TestCase(CryptoHash.Sha512, CryptoCipher.None, 65411)]
    [TestCase(CryptoHash.Sha256, CryptoCipher.Aes128, 65423)]
    [TestCase(CryptoHash.Sha256, CryptoCipher.Aes256, 65423)]
    public void The_largest_payloads_are_those_documented_in_the_wire_format(CryptoHash hash, CryptoCipher cipher, int largest)
    {
        using var key = Authkey.Generate();
        using var protector = new FrameProtector(key, new FrameProtectorOptions { Hash = hash, Cipher = cipher });
        Assert.That(protector.MaxPayloadLength, Is.EqualTo(largest));
    }

    [Test]
    public void The_cluster_id_is_the_first_four_bytes_of_sha256_of_the_name()
    {
        // SHA-256("") = e3b0c442...; SHA-256("abc") = ba7816bf...
        Assert.That(FrameProtector.ComputeClusterId(string.Empty), Is.EqualTo(0xE3B0C442u));
        Assert.That(FrameProtector.ComputeClusterId("abc"), Is.EqualTo(0xBA7816BFu));
        Assert.That(FrameProtector.ComputeClusterId(new string('x', 1000)), Is.Not.EqualTo(FrameProtector.ComputeClusterId(new string('x', 999))));
        Assert.Throws<ArgumentNullException>(() => FrameProtector.ComputeClusterId(null!));

        using var protector = new FrameProtector(null, new FrameProtectorOptions { ClusterName = "abc", Hash = CryptoHash.None });
        Assert.That(protector.ClusterId, Is.EqualTo(0xBA7816BFu));
    }
}
