using Clustering.Transport.Security;

namespace Clustering.Transport.Tests.Security;

/// <summary>The hash × cipher combinations Corosync accepts (a cipher needs a hash), and the providers.</summary>
internal static class CryptoCombinations
{
    public static readonly CryptoProviderKind[] Providers = [CryptoProviderKind.Platform, CryptoProviderKind.BouncyCastle];

    public static IEnumerable<(CryptoHash Hash, CryptoCipher Cipher)> Valid()
    {
        foreach (var hash in Enum.GetValues<CryptoHash>())
        {
            foreach (var cipher in Enum.GetValues<CryptoCipher>())
            {
                if (hash != CryptoHash.None || cipher == CryptoCipher.None)
                {
                    yield return (hash, cipher);
                }
            }
        }
    }

    public static IEnumerable<TestCaseData> ValidCases() =>
        Valid().Select(c => new TestCaseData(c.Hash, c.Cipher).SetArgDisplayNames(c.Hash.ToString(), c.Cipher.ToString()));

    public static IEnumerable<TestCaseData> AuthenticatedCases() =>
        ValidCases().Where(c => (CryptoHash)c.Arguments[0]! != CryptoHash.None);
}
