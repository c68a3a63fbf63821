using System.Text.RegularExpressions;
using Clustering.TestSupport;
using Clustering.Transport.Configuration;

namespace Clustering.Transport.Tests.Configuration;

/// <summary>
/// The same files through the real <c>corosync -t</c> (Corosync 3, Debian's package) and through the loader: both must
/// accept or both refuse, and where Corosync's parser names a line, the loader names the same one. The cases avoid
/// what differs on purpose between Corosync 3 and this library (knet, crypto on udp, rrp).
/// </summary>
public sealed partial class CorosyncConformanceTests
{
    private const string Nodelist = "nodelist {\n node {\n  ring0_addr: 127.0.0.1\n  nodeid: 1\n }\n}\n";

    private static readonly (string Name, string Text)[] Cases =
    [
        ("ok_min", "totem {\n version: 2\n cluster_name: x\n}\n" + Nodelist),
        ("ok_udpu", "totem {\n version: 2\n cluster_name: x\n transport: udpu\n crypto_cipher: none\n crypto_hash: none\n token: 3000\n}\n" + Nodelist),
        ("ok_quorum", "totem {\n version: 2\n cluster_name: x\n}\nquorum {\n provider: corosync_votequorum\n two_node: 1\n}\n" + Nodelist),
        ("bad_close", "totem {\n version: 2\n cluster_name: x\n}\n}\n" + Nodelist),
        ("bad_open", "totem {\n version: 2\n cluster_name: x\n" + Nodelist),
        ("bad_int", "totem {\n version: 2\n cluster_name: x\n token: abc\n}\n" + Nodelist),
        ("bad_token", "totem {\n version: 2\n cluster_name: x\n token: 10\n}\n" + Nodelist),
        ("bad_version", "totem {\n version: 3\n cluster_name: x\n}\n" + Nodelist),
        ("bad_crypto", "totem {\n version: 2\n cluster_name: x\n crypto_cipher: aes256\n crypto_hash: none\n}\n" + Nodelist),
        ("bad_quorum", "totem {\n version: 2\n cluster_name: x\n}\nquorum {\n provider: corosync_votequorum\n two_node: x\n}\n" + Nodelist),
        ("bad_port", "totem {\n version: 2\n cluster_name: x\n interface {\n  ringnumber: 0\n  mcastport: 70000\n }\n}\n" + Nodelist),
        ("bad_ttl", "totem {\n version: 2\n cluster_name: x\n interface {\n  ringnumber: 0\n  ttl: 300\n }\n}\n" + Nodelist),
        ("bad_dupid", "totem {\n version: 2\n cluster_name: x\n transport: udpu\n}\nnodelist {\n node {\n  ring0_addr: 127.0.0.1\n  nodeid: 1\n }\n node {\n  ring0_addr: 127.0.0.2\n  nodeid: 1\n }\n}\n"),
        ("bad_consensus", "totem {\n version: 2\n cluster_name: x\n consensus: 40\n join: 50\n}\n" + Nodelist),
    ];

    private static IEnumerable<TestCaseData> CaseData() => Cases.Select(c => new TestCaseData(c.Name, c.Text).SetName("Corosync_agrees_on_" + c.Name));

    [TestCaseSource(nameof(CaseData))]
    public void Corosync_and_the_loader_agree(string name, string text)
    {
        RealTools.Require("corosync");
        if (Environment.UserName != "root")
        {
            RealTools.Unavailable("corosync -t reads /etc/corosync/uidgid.d and needs root");
        }

        var directory = Directory.CreateTempSubdirectory("corosync-conformance-").FullName;
        try
        {
            var path = Path.Combine(directory, name + ".conf");
            File.WriteAllText(path, text);
            var real = RealTools.Run("corosync", $"-t -c {path}", TimeSpan.FromSeconds(30));
            var corosyncAccepts = real.ExitCode == 0;

            ConfigurationException? ours = null;
            try
            {
                _ = CorosyncConfiguration.Load(path);
            }
            catch (ConfigurationException e)
            {
                ours = e;
            }

            Assert.That(ours is null, Is.EqualTo(corosyncAccepts), $"corosync -t exited {real.ExitCode}: {real.StandardError}\nours: {ours?.Message}");
            var corosyncLine = ParserErrorLine().Match(real.StandardError);
            if (ours is not null && corosyncLine.Success && !ours.Reason.Contains("Missing closing brace", StringComparison.Ordinal))
            {
                // Corosync reports a missing brace at the end of the file; the loader at the section left open.
                Assert.That(ours.Line, Is.EqualTo(int.Parse(corosyncLine.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)), real.StandardError);
                Assert.That(ours.Reason, Does.StartWith("parser error: "));
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [GeneratedRegex(@"parser error: [^\n]*?:(\d+): ")]
    private static partial Regex ParserErrorLine();
}
