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

    // Name, file, and whether Corosync's parser line must equal the loader's (Corosync reports a missing brace and a
    // logger_subsys without subsys at the end of the block, the loader at its start; Corosync refuses a section name
    // with a blank only when storing its first key).
    private static readonly (string Name, string Text, bool SameLine)[] Cases =
    [
        ("ok_min", "totem {\n version: 2\n cluster_name: x\n}\n" + Nodelist, true),
        ("ok_udpu", "totem {\n version: 2\n cluster_name: x\n transport: udpu\n crypto_cipher: none\n crypto_hash: none\n token: 3000\n}\n" + Nodelist, true),
        ("ok_quorum", "totem {\n version: 2\n cluster_name: x\n}\nquorum {\n provider: corosync_votequorum\n two_node: 1\n}\n" + Nodelist, true),
        ("ok_logging", "totem {\n version: 2\n cluster_name: x\n}\nlogging {\n to_syslog: no\n debug: trace\n logger_subsys {\n  subsys: QUORUM\n  debug: on\n }\n}\n" + Nodelist, true),
        ("bad_close", "totem {\n version: 2\n cluster_name: x\n}\n}\n" + Nodelist, true),
        ("bad_open", "totem {\n version: 2\n cluster_name: x\n" + Nodelist, false),
        ("bad_int", "totem {\n version: 2\n cluster_name: x\n token: abc\n}\n" + Nodelist, true),
        ("bad_token", "totem {\n version: 2\n cluster_name: x\n token: 10\n}\n" + Nodelist, true),
        ("bad_join", "totem {\n version: 2\n cluster_name: x\n join: 20\n}\n" + Nodelist, true),
        ("bad_version", "totem {\n version: 3\n cluster_name: x\n}\n" + Nodelist, true),
        ("bad_crypto", "totem {\n version: 2\n cluster_name: x\n crypto_cipher: aes256\n crypto_hash: none\n}\n" + Nodelist, true),
        ("bad_quorum", "totem {\n version: 2\n cluster_name: x\n}\nquorum {\n provider: corosync_votequorum\n two_node: x\n}\n" + Nodelist, true),
        ("bad_port", "totem {\n version: 2\n cluster_name: x\n interface {\n  ringnumber: 0\n  mcastport: 70000\n }\n}\n" + Nodelist, true),
        ("bad_ttl", "totem {\n version: 2\n cluster_name: x\n interface {\n  ringnumber: 0\n  ttl: 300\n }\n}\n" + Nodelist, true),
        ("bad_ttl_udpu", "totem {\n version: 2\n cluster_name: x\n transport: udpu\n interface {\n  ringnumber: 0\n  ttl: 5\n }\n}\n" + Nodelist, true),
        ("bad_dupid", "totem {\n version: 2\n cluster_name: x\n transport: udpu\n}\nnodelist {\n node {\n  ring0_addr: 127.0.0.1\n  nodeid: 1\n }\n node {\n  ring0_addr: 127.0.0.2\n  nodeid: 1\n }\n}\n", true),
        ("bad_consensus", "totem {\n version: 2\n cluster_name: x\n consensus: 40\n join: 50\n}\n" + Nodelist, true),
        ("bad_debug", "totem {\n version: 2\n cluster_name: x\n}\nlogging {\n debug: maybe\n}\n" + Nodelist, true),
        ("bad_facility", "totem {\n version: 2\n cluster_name: x\n}\nlogging {\n syslog_facility: kernel\n}\n" + Nodelist, true),
        ("bad_stray_line", "totem {\n version: 2\n cluster_name: x\n what is this\n}\n" + Nodelist, true),
        ("bad_after_open", "totem { version: 2\n cluster_name: x\n}\n" + Nodelist, true),
        ("bad_after_close", "totem {\n version: 2\n cluster_name: x\n} extra\n" + Nodelist, true),
        ("bad_section_name", "my totem {\n version: 2\n}\n" + Nodelist, false),
        ("bad_subsys", "totem {\n version: 2\n cluster_name: x\n}\nlogging {\n logger_subsys {\n  debug: on\n }\n}\n" + Nodelist, false),
    ];

    // Files Corosync 3 accepts and the loader refuses on purpose (docs/configuration.md, "Where this differs"), with the
    // line the loader reports.
    private static readonly (string Name, string Text, int Line)[] Stricter =
    [
        ("zero_window_size", "totem {\n version: 2\n cluster_name: x\n window_size: 0\n}\n" + Nodelist, 4),
        ("small_netmtu", "totem {\n version: 2\n cluster_name: x\n netmtu: 100\n}\n" + Nodelist, 4),
        ("logfile_missing", "totem {\n version: 2\n cluster_name: x\n}\nlogging {\n to_logfile: yes\n}\n" + Nodelist, 6),
        ("zero_expected_votes", "totem {\n version: 2\n cluster_name: x\n}\nquorum {\n provider: corosync_votequorum\n expected_votes: 0\n}\n" + Nodelist, 7),
        ("empty_key", "totem {\n version: 2\n cluster_name: x\n : 5\n}\n" + Nodelist, 4),
        ("duplicate_name", "totem {\n version: 2\n cluster_name: x\n transport: udpu\n}\nnodelist {\n node {\n  ring0_addr: 127.0.0.1\n  nodeid: 1\n  name: a\n }\n"
            + " node {\n  ring0_addr: 127.0.0.2\n  nodeid: 2\n  name: a\n }\n}\n", 15),
    ];

    private static IEnumerable<TestCaseData> CaseData() =>
        Cases.Select(c => new TestCaseData(c.Name, c.Text, c.SameLine).SetName("Corosync_agrees_on_" + c.Name));

    private static IEnumerable<TestCaseData> StricterData() =>
        Stricter.Select(c => new TestCaseData(c.Name, c.Text, c.Line).SetName("Stricter_than_corosync_on_" + c.Name));

    [TestCaseSource(nameof(CaseData))]
    public void Corosync_and_the_loader_agree(string name, string text, bool sameLine)
    {
        var (real, ours) = RunBoth(name, text);
        Assert.That(ours is null, Is.EqualTo(real.ExitCode == 0), $"corosync -t exited {real.ExitCode}: {real.StandardError}\nours: {ours?.Message}");
        var corosyncLine = ParserErrorLine().Match(real.StandardError);
        if (ours is not null && corosyncLine.Success)
        {
            Assert.That(ours.Reason, Does.StartWith("parser error: "));
            if (sameLine)
            {
                Assert.That(ours.Line, Is.EqualTo(int.Parse(corosyncLine.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)), real.StandardError);
            }
        }
    }

    [TestCaseSource(nameof(StricterData))]
    public void Corosync_accepts_what_the_loader_refuses_on_purpose(string name, string text, int line)
    {
        var (real, ours) = RunBoth(name, text);
        Assert.That(real.ExitCode, Is.Zero, real.StandardError);
        Assert.That(ours, Is.Not.Null);
        Assert.That(ours!.Line, Is.EqualTo(line), ours.Message);
    }

    private static (ProcessResult Real, ConfigurationException? Ours) RunBoth(string name, string text)
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
            try
            {
                _ = CorosyncConfiguration.Load(path);
                return (real, null);
            }
            catch (ConfigurationException e)
            {
                return (real, e);
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
