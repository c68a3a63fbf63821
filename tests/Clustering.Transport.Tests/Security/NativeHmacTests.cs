using System.Security.Cryptography;
using System.Text;
using Clustering.Transport.Security;
using Clustering.Transport.Security.Internal;

namespace Clustering.Transport.Tests.Security;

/// <summary>The HMAC over libcrypto's low-level digests against published vectors and the platform's HMAC.</summary>
public sealed class NativeHmacTests
{
    private static readonly string HiThere = "4869205468657265";
    private static readonly string Key0B = string.Concat(Enumerable.Repeat("0b", 20));
    private static readonly string JefeData = Convert.ToHexString("what do ya want for nothing?"u8);
    private static readonly string Jefe = Convert.ToHexString("Jefe"u8);
    private static readonly string Key131 = string.Concat(Enumerable.Repeat("aa", 131));
    private static readonly string BigKeyData = Convert.ToHexString(Encoding.ASCII.GetBytes("Test Using Larger Than Block-Size Key - Hash Key First"));

    public static IEnumerable<TestCaseData> Vectors()
    {
        // RFC 4231 test cases 1, 2 and 6.
        yield return new TestCaseData(CryptoHash.Sha256, Key0B, HiThere, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7").SetArgDisplayNames("4231-1", "sha256");
        yield return new TestCaseData(CryptoHash.Sha384, Key0B, HiThere, "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6").SetArgDisplayNames("4231-1", "sha384");
        yield return new TestCaseData(CryptoHash.Sha512, Key0B, HiThere, "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854").SetArgDisplayNames("4231-1", "sha512");
        yield return new TestCaseData(CryptoHash.Sha256, Jefe, JefeData, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843").SetArgDisplayNames("4231-2", "sha256");
        yield return new TestCaseData(CryptoHash.Sha256, Key131, BigKeyData, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54").SetArgDisplayNames("4231-6", "sha256");
        yield return new TestCaseData(CryptoHash.Sha512, Key131, BigKeyData, "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598").SetArgDisplayNames("4231-6", "sha512");

        // RFC 2202 test cases 1 and 2.
        yield return new TestCaseData(CryptoHash.Sha1, Key0B, HiThere, "b617318655057264e28bc0b6fb378c8ef146be00").SetArgDisplayNames("2202-1", "sha1");
        yield return new TestCaseData(CryptoHash.Sha1, Jefe, JefeData, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79").SetArgDisplayNames("2202-2", "sha1");
    }

    [SetUp]
    public void RequireLibcrypto() =>
        Assume.That(NativeHmac.IsAvailable(CryptoHash.Sha256), "libcrypto.so.3 is not loadable here; the IncrementalHash fallback is in use.");

    [TestCaseSource(nameof(Vectors))]
    public void Rfc_vectors(CryptoHash hash, string key, string data, string expected)
    {
        using var hmac = new NativeHmac(hash, Convert.FromHexString(key));
        var tag = new byte[hmac.DigestLength];
        hmac.Compute(Convert.FromHexString(data), tag);
        Assert.That(Convert.ToHexString(tag), Is.EqualTo(expected.ToUpperInvariant()));

        // The precomputed states survive a tag: the same input gives the same tag again.
        var again = new byte[hmac.DigestLength];
        hmac.Compute(Convert.FromHexString(data), again);
        Assert.That(again, Is.EqualTo(tag));
    }

    [Test]
    public void Random_keys_and_lengths_match_the_platform_hmac([Values(CryptoHash.Sha1, CryptoHash.Sha256, CryptoHash.Sha384, CryptoHash.Sha512)] CryptoHash hash)
    {
        var name = hash switch
        {
            CryptoHash.Sha1 => HashAlgorithmName.SHA1,
            CryptoHash.Sha256 => HashAlgorithmName.SHA256,
            CryptoHash.Sha384 => HashAlgorithmName.SHA384,
            _ => HashAlgorithmName.SHA512,
        };
        var random = new Random((int)hash);
        for (var i = 0; i < 1000; i++)
        {
            var key = new byte[random.Next(0, 200)];
            random.NextBytes(key);
            using var hmac = new NativeHmac(hash, key);
            for (var j = 0; j < 3; j++)
            {
                var data = new byte[j == 0 && i < 300 ? i : random.Next(0, 9001)];
                random.NextBytes(data);
                var expected = CryptographicOperations.HmacData(name, key, data);
                var tag = new byte[hmac.DigestLength];
                hmac.Compute(data, tag);
                Assert.That(Convert.ToHexString(tag), Is.EqualTo(Convert.ToHexString(expected)), $"key {key.Length} bytes, data {data.Length} bytes");
            }
        }
    }

    [Test]
    public void A_short_tag_buffer_and_use_after_dispose_are_refused()
    {
        var hmac = new NativeHmac(CryptoHash.Sha256, new byte[32]);
        Assert.Throws<ArgumentException>(() => hmac.Compute([1, 2, 3], new byte[31]));
        hmac.Dispose();
        hmac.Dispose();
        Assert.Throws<ObjectDisposedException>(() => hmac.Compute([1, 2, 3], new byte[32]));
    }
}
