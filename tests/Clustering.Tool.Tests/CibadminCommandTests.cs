using System.Xml.Linq;
using Clustering.Cib.Operations;
using Clustering.Tool.Commands;

namespace Clustering.Tool.Tests;

public sealed class CibadminCommandTests
{
    private const string Cib = CibadminConformanceTests.Cib;

    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "cibadmin-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string NewCib(string name = "cib.xml", string content = Cib)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static async Task<(int Exit, string Out, string Err)> RunWithStdinAsync(string? cibFile, string stdin, string[] args)
    {
        var command = new CibadminCommand(name => name == "CIB_file" ? cibFile : null, () => new StringReader(stdin), null);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await command.RunAsync(new CommandLine(args), stdout, stderr, CancellationToken.None);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static Task<(int Exit, string Out, string Err)> RunAsync(string? cibFile, params string[] args) => RunWithStdinAsync(cibFile, "", args);

    [Test]
    public async Task Query_prints_the_cib_indented_and_exits_0()
    {
        var (exit, output, err) = await RunAsync(NewCib(), "-Q");
        Assert.That(exit, Is.Zero, err);
        Assert.That(output, Does.StartWith("<cib crm_feature_set=\"3.0.7\""));
        Assert.That(output, Does.Contain("\n  <configuration>\n"));
        Assert.That(XElement.Parse(output).Descendants("primitive").Count(), Is.EqualTo(1));
    }

    [Test]
    public async Task Query_by_scope_and_xpath_and_no_children()
    {
        var file = NewCib();
        Assert.That((await RunAsync(file, "--query", "--scope", "nodes")).Out, Is.EqualTo("<nodes>\n  <node id=\"1\" uname=\"n1\"/>\n</nodes>\n"));
        Assert.That(XElement.Parse((await RunAsync(file, "-Q", "-A", "//nvpair")).Out).Name.LocalName, Is.EqualTo("xpath-query"));
        Assert.That((await RunAsync(file, "-Q", "-n", "--xpath=//primitive")).Out.Trim(), Is.EqualTo("<primitive id=\"r1\" class=\"ocf\" provider=\"heartbeat\" type=\"Dummy\"/>"));
    }

    [Test]
    public async Task A_query_without_match_says_call_failed_and_exits_105()
    {
        var (exit, output, err) = await RunAsync(NewCib(), "-Q", "-A", "//group");
        Assert.That(exit, Is.EqualTo(105));
        Assert.That(output, Is.Empty);
        Assert.That(err, Is.EqualTo("Call failed: No such device or address\n").Or.EqualTo("Call failed: No such device or address" + Environment.NewLine));
    }

    [Test]
    public async Task Modify_writes_the_file_with_the_new_counters()
    {
        var file = NewCib();
        var (exit, _, _) = await RunAsync(file, "-M", "-X", "<nvpair id=\"opts-a\" value=\"value+=5\"/>");
        Assert.That(exit, Is.Zero);
        var written = XElement.Load(file);
        Assert.That((string?)written.Descendants("nvpair").First().Attribute("value"), Is.EqualTo("6"));
        Assert.That((string?)written.Attribute("epoch"), Is.EqualTo("2"));
        Assert.That((string?)written.Attribute("num_updates"), Is.EqualTo("0"));
    }

    [Test]
    public async Task Create_of_an_existing_object_prints_the_failed_answer_and_exits_108()
    {
        var file = NewCib();
        var before = File.ReadAllText(file);
        var (exit, output, err) = await RunAsync(file, "-C", "-o", "resources", "-X", "<primitive id=\"r1\" class=\"ocf\" provider=\"heartbeat\" type=\"Dummy\"/>");
        Assert.That(exit, Is.EqualTo(108));
        Assert.That(XElement.Parse(output).Element("failed_update")!.Attribute("reason")!.Value, Is.EqualTo("File exists"));
        Assert.That(err.TrimEnd(), Is.EqualTo("Call failed: File exists"));
        Assert.That(File.ReadAllText(file), Is.EqualTo(before));
    }

    [Test]
    public async Task Xml_comes_from_a_file_or_from_stdin()
    {
        var file = NewCib();
        var input = Path.Combine(_dir, "in.xml");
        File.WriteAllText(input, "<nvpair id=\"opts-b\" value=\"y\"/>");
        Assert.That((await RunAsync(file, "-M", "-x", input)).Exit, Is.Zero);
        Assert.That((await RunWithStdinAsync(file, "<nvpair id=\"opts-a\" value=\"z\"/>", ["-M", "-p"])).Exit, Is.Zero);
        var values = XElement.Load(file).Descendants("nvpair").Select(n => (string?)n.Attribute("value")).ToList();
        Assert.That(values.Take(2), Is.EqualTo(new[] { "z", "y" }));
    }

    [Test]
    public async Task Erase_and_delete_all_need_force_and_exit_107_without_it()
    {
        var file = NewCib();
        var before = File.ReadAllText(file);
        var (exit, _, err) = await RunAsync(file, "-E");
        Assert.That(exit, Is.EqualTo(107));
        Assert.That(err, Does.StartWith("The supplied command is considered dangerous.  To prevent accidental destruction of the cluster, the --force flag is required in order to proceed."));
        Assert.That((await RunAsync(file, "-d", "-A", "//nvpair")).Exit, Is.EqualTo(107));
        Assert.That(File.ReadAllText(file), Is.EqualTo(before));
        Assert.That((await RunAsync(file, "-d", "-A", "//nvpair", "--force")).Exit, Is.Zero);
        Assert.That(XElement.Load(file).Descendants("nvpair"), Is.Empty);
        Assert.That((await RunAsync(file, "--erase", "--force")).Exit, Is.Zero);
        Assert.That((string?)XElement.Load(file).Attribute("admin_epoch"), Is.EqualTo("1"));
    }

    [Test]
    public async Task Md5_sum_prints_the_digest_of_the_given_xml_and_needs_xml()
    {
        var (exit, output, err) = await RunAsync(null, "-5", "-X", "<a/>");
        Assert.That(exit, Is.Zero);
        Assert.That(output.Trim(), Is.EqualTo("36f3fe87323978c81376fbe84b315483"));
        Assert.That(err, Is.EqualTo("Digest: "));
        var (noXml, _, message) = await RunAsync(null, "--md5-sum");
        Assert.That(noXml, Is.EqualTo(64));
        Assert.That(message.Trim(), Is.EqualTo("Please supply XML to process with -X, -x or -p"));
    }

    [Test]
    public async Task Without_CIB_file_it_cannot_connect_and_exits_102()
    {
        var (exit, _, err) = await RunAsync(null, "-Q");
        Assert.That(exit, Is.EqualTo(102));
        Assert.That(err, Does.StartWith("Could not connect to the CIB: Transport endpoint is not connected"));
    }

    [Test]
    public async Task A_missing_CIB_file_is_no_such_device_and_exits_105()
    {
        var (exit, _, err) = await RunAsync(Path.Combine(_dir, "missing.xml"), "-Q");
        Assert.That(exit, Is.EqualTo(105));
        Assert.That(err, Does.StartWith("Could not connect to the CIB: No such device or address"));
    }

    [Test]
    public async Task An_unparseable_CIB_file_or_input_is_a_clear_error()
    {
        var bad = NewCib("bad.xml", "<cib");
        Assert.That((await RunAsync(bad, "-Q")).Exit, Is.EqualTo(105));
        var (exit, _, err) = await RunAsync(NewCib(), "-M", "-X", "<nvpair");
        Assert.That(exit, Is.EqualTo(78));
        Assert.That(err, Does.StartWith("Couldn't parse input string"));
    }

    [Test]
    public async Task A_modify_without_xml_is_invalid_argument_exit_70()
    {
        var (exit, _, err) = await RunAsync(NewCib(), "-M");
        Assert.That(exit, Is.EqualTo(70));
        Assert.That(err.Trim(), Is.EqualTo("Call failed: Invalid argument"));
    }

    [TestCase]
    [TestCase("--bogus", "-Q")]
    [TestCase("-Q", "-M", "-X", "<a/>")]
    [TestCase("-d")]
    public async Task A_bad_command_line_exits_64(params string[] args)
    {
        var (exit, _, err) = await RunAsync(NewCib(), args);
        Assert.That(exit, Is.EqualTo(64));
        Assert.That(err, Does.Contain("Usage: clusterctl cibadmin"));
    }

    [Test]
    public async Task A_refused_validation_exits_78_and_leaves_the_file()
    {
        var file = NewCib();
        var before = File.ReadAllText(file);
        var command = new CibadminCommand(_ => file, () => new StringReader(""), new RefuseBogus());
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await command.RunAsync(new CommandLine(["-M", "-X", "<primitive id=\"r1\" class=\"bogus\"/>"]), stdout, stderr, CancellationToken.None);
        Assert.That(exit, Is.EqualTo(78));
        Assert.That(stderr.ToString(), Does.StartWith("Call failed: Update does not conform to the configured schema"));
        Assert.That(File.ReadAllText(file), Is.EqualTo(before));
    }

    [Test]
    public async Task The_command_is_registered_in_clusterctl()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await ClusterCtl.RunAsync(["--help"], stdout, stderr, CancellationToken.None);
        Assert.That(exit, Is.Zero);
        Assert.That(stdout.ToString(), Does.Contain("cibadmin"));
    }

    private sealed class RefuseBogus : ICibValidator
    {
        public IReadOnlyList<string> Validate(XDocument cib)
            => cib.Descendants("primitive").Any(p => (string?)p.Attribute("class") == "bogus") ? ["bad class"] : [];
    }
}
