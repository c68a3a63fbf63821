using System.Text.RegularExpressions;
using Clustering.TestSupport;
using Clustering.Tool.Commands;

namespace Clustering.Tool.Tests;

/// <summary>
/// <c>clusterctl verify</c>: command line, output shape and exit codes on CIBs written by the tests, and (category
/// Conformance) the same files given to the real <c>crm_verify --xml-file</c>: exit codes and key lines must agree.
/// </summary>
public sealed partial class VerifyCommandTests
{
    private const string Ok = """
        <cib validate-with="pacemaker-1.2" epoch="1" num_updates="0" admin_epoch="0">
          <configuration>
            <crm_config><cluster_property_set id="opts"><nvpair id="opts-stonith" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
            <nodes><node id="1" uname="n1"/></nodes>
            <resources><primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2"/><primitive id="web" class="systemd" type="apache2"/></resources>
            <constraints><rsc_location id="l1" rsc="ip" node="n1" score="100"/></constraints>
          </configuration>
          <status/>
        </cib>
        """;

    private DirectoryInfo _dir = null!;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("clusterctl-verify-");

    [TearDown]
    public void TearDown() => _dir.Delete(recursive: true);

    /// <summary>The cases: a file built from <see cref="Ok"/> by one replacement, and what it shows.</summary>
    public static IEnumerable<TestCaseData> Cases()
    {
        static TestCaseData Case(string name, string from = "", string to = "", string schema = "pacemaker-1.2")
        {
            var xml = Ok.Replace("pacemaker-1.2", schema, StringComparison.Ordinal);
            if (from.Length > 0)
            {
                Assert.That(xml, Does.Contain(from), name);
                xml = xml.Replace(from, to, StringComparison.Ordinal);
            }

            return new TestCaseData(name, xml).SetName("verify " + name);
        }

        yield return Case("valid");
        yield return Case("valid 3.x", schema: "pacemaker-3.0");
        yield return Case("no stonith resource", "value=\"false\"", "value=\"true\"");
        yield return Case("stonith-enabled by default", "<nvpair id=\"opts-stonith\" name=\"stonith-enabled\" value=\"false\"/>", "");
        yield return Case("location to unknown resource", "rsc=\"ip\"", "rsc=\"ghost\"");
        yield return Case("location to unknown node", "node=\"n1\" score", "node=\"n9\" score");
        yield return Case("colocation with unknown", "<rsc_location", "<rsc_colocation id=\"c1\" rsc=\"web\" with-rsc=\"ghost\" score=\"INFINITY\"/><rsc_location");
        yield return Case("colocation of unknown", "<rsc_location", "<rsc_colocation id=\"c1\" rsc=\"ghost\" with-rsc=\"ip\" score=\"INFINITY\"/><rsc_location");
        yield return Case("order first unknown", "<rsc_location", "<rsc_order id=\"o1\" first=\"ghost\" then=\"web\"/><rsc_location");
        yield return Case("order then unknown", "<rsc_location", "<rsc_order id=\"o1\" first=\"ip\" then=\"ghost\"/><rsc_location");
        yield return Case("location to a non-resource id", "rsc=\"ip\"", "rsc=\"opts\"");
        yield return Case("unknown class", "class=\"systemd\"", "class=\"bogus\"");
        yield return Case("ocf without provider", " provider=\"heartbeat\"", "");
        yield return Case("duplicate id", "id=\"l1\"", "id=\"ip\"");
        yield return Case("unknown schema", schema: "pacemaker-9.9");
        yield return Case("none, location to unknown resource", "rsc=\"ip\"", "rsc=\"ghost\"", "none");
        yield return Case("none, order to unknown resource", "<rsc_location", "<rsc_order id=\"o1\" first=\"ip\" then=\"ghost\"/><rsc_location", "none");
        yield return Case("none, colocation with unknown", "<rsc_location", "<rsc_colocation id=\"c1\" rsc=\"web\" with-rsc=\"ghost\" score=\"INFINITY\"/><rsc_location", "none");
        yield return Case("none, no stonith resource", "value=\"false\"", "value=\"true\"", "none");
        yield return Case("none, valid", schema: "none");
        yield return Case("none, order set with unknown", "<rsc_location", "<rsc_order id=\"os\"><resource_set id=\"s1\"><resource_ref id=\"ip\"/><resource_ref id=\"ghost\"/></resource_set></rsc_order><rsc_location", "none");
        yield return Case("none, colocation set with unknown", "<rsc_location", "<rsc_colocation id=\"cs\" score=\"INFINITY\"><resource_set id=\"s1\"><resource_ref id=\"ghost\"/></resource_set></rsc_colocation><rsc_location", "none");
        yield return Case("none, ticket to unknown", "<rsc_location", "<rsc_ticket id=\"t1\" rsc=\"ghost\" ticket=\"tk\"/><rsc_location", "none");
        const string Nest = "<group id=\"g\"><primitive id=\"m\" class=\"lsb\" type=\"m\"/></group><clone id=\"c\"><primitive id=\"p\" class=\"lsb\" type=\"p\"/></clone><primitive id=\"ip\"";
        yield return Edited(
            "constraints on group member and clone",
            "<primitive id=\"ip\"",
            Nest,
            "<rsc_location",
            "<rsc_order id=\"o\" first=\"m\" then=\"c\"/><rsc_colocation id=\"cc\" rsc=\"g\" with-rsc=\"c\" score=\"10\"/><rsc_location");
        yield return Edited(
            "constraint on the resource inside a clone",
            "<primitive id=\"ip\"",
            Nest,
            "<rsc_location",
            "<rsc_colocation id=\"cc\" rsc=\"ip\" with-rsc=\"p\" score=\"10\"/><rsc_location");
        yield return Edited(
            "location on a template",
            "<primitive id=\"ip\" class=\"ocf\" provider=\"heartbeat\" type=\"IPaddr2\"/>",
            "<template id=\"tpl\" class=\"ocf\" provider=\"heartbeat\" type=\"IPaddr2\"/><primitive id=\"ip\" template=\"tpl\"/>",
            "rsc=\"ip\"",
            "rsc=\"tpl\"");
        yield return Edited(
            "stonith device with quorum",
            "value=\"false\"",
            "value=\"true\"",
            "<primitive id=\"ip\"",
            "<primitive id=\"fence\" class=\"stonith\" type=\"fence_dummy\"/><primitive id=\"ip\"",
            "<cib ",
            "<cib have-quorum=\"1\" dc-uuid=\"1\" ",
            "<status/>",
            "<status><node_state id=\"1\" uname=\"n1\" in_ccm=\"true\" crmd=\"online\" join=\"member\" expected=\"member\"/></status>");
        yield return new TestCaseData("not xml", "this is not a CIB").SetName("verify not xml");
    }

    /// <summary>A case built from <see cref="Ok"/> by several replacements (pairs of from, to).</summary>
    private static TestCaseData Edited(string name, params string[] edits)
    {
        var xml = Ok;
        for (var i = 0; i < edits.Length; i += 2)
        {
            Assert.That(xml, Does.Contain(edits[i]), name);
            xml = xml.Replace(edits[i], edits[i + 1], StringComparison.Ordinal);
        }

        return new TestCaseData(name, xml).SetName("verify " + name);
    }

    private string Write(string name, string xml)
    {
        var path = Path.Combine(_dir.FullName, Regex.Replace(name, "[^a-z0-9]+", "-") + ".xml");
        File.WriteAllText(path, xml);
        return path;
    }

    private static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await ClusterCtl.RunAsync(args, stdout, stderr, CancellationToken.None);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static void RequireSchemas()
    {
        if (!File.Exists("/usr/share/pacemaker/pacemaker-1.2.rng"))
        {
            RealTools.Unavailable("Pacemaker's schemas are not installed in /usr/share/pacemaker (apt-get install pacemaker-cli-utils)");
        }
    }

    [Test]
    public async Task A_valid_file_exits_0_silently()
    {
        RequireSchemas();
        var file = Write("ok", Ok);
        var (exit, output, err) = await RunAsync("verify", "--xml-file", file);
        Assert.That((exit, output, err), Is.EqualTo((0, "", "")));
    }

    [Test]
    public async Task The_file_can_be_given_by_x_or_as_positional()
    {
        RequireSchemas();
        var file = Write("bad", Ok.Replace("rsc=\"ip\"", "rsc=\"ghost\"", StringComparison.Ordinal));
        Assert.That((await RunAsync("verify", "-x", file)).Exit, Is.EqualTo(78));
        Assert.That((await RunAsync("verify", file)).Exit, Is.EqualTo(78));
        Assert.That((await RunAsync("verify", "--xml-file=" + file)).Exit, Is.EqualTo(78));
    }

    [Test]
    public async Task Schema_errors_are_printed_as_file_line_element_then_the_summary()
    {
        RequireSchemas();
        var file = Write("dangling", Ok.Replace("rsc=\"ip\"", "rsc=\"ghost\"", StringComparison.Ordinal));
        var (exit, _, err) = await RunAsync("verify", "-V", "--xml-file", file);
        Assert.That(exit, Is.EqualTo(78));
        var lines = err.TrimEnd().Split('\n');
        Assert.That(lines[0], Does.StartWith($"{file}:6: element rsc_location: validity error : IDREF attribute rsc"));
        Assert.That(lines[0], Does.Contain("ghost"));
        Assert.That(lines[1], Is.EqualTo("(main) \terror: CIB did not pass schema validation"));
        Assert.That(lines[2], Is.EqualTo("clusterctl verify: Errors found during check: config not valid"));
        Assert.That(lines, Has.Length.EqualTo(3));
    }

    [Test]
    public async Task Details_need_V_and_warnings_need_VV()
    {
        var xml = Ok.Replace("pacemaker-1.2", "none", StringComparison.Ordinal).Replace("class=\"systemd\"", "class=\"bogus\"", StringComparison.Ordinal);
        var file = Write("warn", xml);
        var quiet = await RunAsync("verify", file);
        Assert.That(quiet.Exit, Is.EqualTo(78));
        Assert.That(quiet.Err, Does.Contain("clusterctl verify: Warnings found during check: config may not be valid\n-V may provide more details"));
        Assert.That(quiet.Err, Does.Not.Contain("bogus"));
        var v = await RunAsync("verify", "-V", file);
        Assert.That(v.Err, Does.Not.Contain("bogus"));
        Assert.That(v.Err, Does.Not.Contain("-V may provide"));
        foreach (var args in new[] { new[] { "verify", "-V", "-V", file }, ["verify", "-VV", file] })
        {
            var vv = await RunAsync(args);
            Assert.That(vv.Err, Does.Contain("(verify_resources) \twarning: Resource 'web' uses unknown class 'bogus'"));
        }
    }

    [Test]
    public async Task Validate_with_none_says_schema_validation_is_disabled()
    {
        var file = Write("none", Ok.Replace("pacemaker-1.2", "none", StringComparison.Ordinal));
        var (exit, _, err) = await RunAsync("verify", "-x", file);
        Assert.That(exit, Is.Zero);
        Assert.That(err, Is.EqualTo("Schema validation of configuration is disabled (enabling is encouraged and prevents common misconfigurations)\n"));
    }

    [Test]
    public async Task Unreadable_input_exits_1()
    {
        var missing = Path.Combine(_dir.FullName, "missing.xml");
        var (exit, _, err) = await RunAsync("verify", "-x", missing);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(err, Is.EqualTo($"clusterctl verify: Couldn't parse input file: {missing}\n"));
        var broken = Write("broken", "<cib validate-with='none'><configuration>");
        var verbose = await RunAsync("verify", "-V", "-x", broken);
        Assert.That(verbose.Exit, Is.EqualTo(1));
        Assert.That(verbose.Err, Does.Contain($"(filename2xml) \terror: Couldn't parse {broken}: {broken}:1:"));
    }

    [Test]
    public async Task The_cib_can_come_as_text_or_on_stdin()
    {
        RequireSchemas();
        var dangling = Ok.Replace("rsc=\"ip\"", "rsc=\"ghost\"", StringComparison.Ordinal);
        var text = await RunAsync("verify", "-V", "--xml-text", dangling);
        Assert.That(text.Exit, Is.EqualTo(78));
        Assert.That(text.Err, Does.StartWith("element rsc_location: validity error : IDREF attribute rsc"));
        Assert.That((await RunAsync("verify", "-X", Ok)).Exit, Is.Zero);
        var garbage = await RunAsync("verify", "-X", "garbage");
        Assert.That((garbage.Exit, garbage.Err), Is.EqualTo((1, "clusterctl verify: Couldn't parse input string: garbage\n")));

        var command = new VerifyCommand(_ => null, () => new StringReader(dangling));
        using var stderr = new StringWriter();
        Assert.That(await command.RunAsync(new CommandLine(["--xml-pipe"]), TextWriter.Null, stderr, CancellationToken.None), Is.EqualTo(78));
        var broken = new VerifyCommand(_ => null, () => new StringReader("garbage"));
        using var stderr2 = new StringWriter();
        Assert.That(await broken.RunAsync(new CommandLine(["-p"]), TextWriter.Null, stderr2, CancellationToken.None), Is.EqualTo(1));
        Assert.That(stderr2.ToString(), Is.EqualTo("clusterctl verify: Couldn't parse input from STDIN.\n"));
    }

    [Test]
    public async Task A_bad_command_line_exits_64()
    {
        Assert.That((await RunAsync("verify", "--bogus")).Exit, Is.EqualTo(64));
        Assert.That((await RunAsync("verify", "a.xml", "b.xml")).Exit, Is.EqualTo(64));
        Assert.That((await RunAsync("verify", "-x")).Exit, Is.EqualTo(64));
        Assert.That((await RunAsync("verify", "-x", "a.xml", "-X", "<cib/>")).Exit, Is.EqualTo(64));
        Assert.That((await RunAsync("verify", "-p", "a.xml")).Exit, Is.EqualTo(64));
        var none = await RunAsync("verify");
        Assert.That(none.Exit, Is.EqualTo(1));
        Assert.That(none.Err, Does.Contain("No configuration source specified"));
    }

    [Test]
    public async Task The_schema_directory_comes_from_PCMK_schema_directory()
    {
        var schemas = _dir.CreateSubdirectory("schemas");
        File.WriteAllText(Path.Combine(schemas.FullName, "pacemaker-7.0.rng"), """
            <grammar xmlns="http://relaxng.org/ns/structure/1.0">
              <start><element name="cib"><attribute name="validate-with"/><zeroOrMore><element name="configuration"><empty/></element></zeroOrMore></element></start>
            </grammar>
            """);
        var command = new VerifyCommand(name => name == "PCMK_schema_directory" ? schemas.FullName : null, () => TextReader.Null);
        using var stderr = new StringWriter();
        var good = Write("seven", "<cib validate-with='pacemaker-7.0'><configuration/></cib>");
        var exit = await command.RunAsync(new CommandLine(["-V", "-x", good]), TextWriter.Null, stderr, CancellationToken.None);

        // The tiny schema allows an empty configuration: the only finding is stonith-enabled (true by default) without devices.
        Assert.That(exit, Is.EqualTo(78));
        Assert.That(stderr.ToString(), Does.StartWith("(unpack_resources) \terror: Resource start-up disabled"));
        var bad = Write("seven-bad", "<cib validate-with='pacemaker-7.0'><nodes/></cib>");
        using var stderr2 = new StringWriter();
        Assert.That(await command.RunAsync(new CommandLine(["-x", bad]), TextWriter.Null, stderr2, CancellationToken.None), Is.EqualTo(78));
        Assert.That(stderr2.ToString(), Does.StartWith($"{bad}:1: element "));
    }

    /// <summary>Same file, same verbosity: crm_verify and clusterctl verify agree on the exit code and the key lines.</summary>
    [Category("Conformance")]
    [TestCaseSource(nameof(Cases))]
    public async Task Agrees_with_crm_verify(string name, string xml)
    {
        var crmVerify = RealTools.Require("crm_verify");
        RequireSchemas();
        var file = Write(name, xml);
        foreach (var verbose in new[] { false, true })
        {
            var real = RealTools.Run(crmVerify, (verbose ? "-V " : "") + "--xml-file " + file, TimeSpan.FromSeconds(60));
            var args = verbose ? new[] { "verify", "-V", "--xml-file", file } : ["verify", "--xml-file", file];
            var ours = await RunAsync(args);
            var context = $"{name} (-V: {verbose})\n--- crm_verify:\n{real.StandardError}{real.StandardOutput}\n--- clusterctl:\n{ours.Err}";
            Assert.That(ours.Exit, Is.EqualTo(real.ExitCode), context);
            Assert.That(KeyLines(ours.Err), Is.EqualTo(KeyLines(real.StandardError + real.StandardOutput)), context);
        }
    }

    /// <summary>
    /// The lines both tools must print, normalised: the summary and hint lines, the schema-disabled line, the log lines
    /// of the checks we mirror, and for schema errors the <c>FILE:LINE: element NAME</c> part (libxml2 words its
    /// messages differently and may print several per error).
    /// </summary>
    private static SortedSet<string> KeyLines(string output)
    {
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.TrimEnd('\r').Replace("crm_verify: ", "clusterctl verify: ", StringComparison.Ordinal);
            var schema = SchemaLine().Match(line);
            if (schema.Success)
            {
                keys.Add(schema.Groups[1].Value);
            }
            else if (line.StartsWith("clusterctl verify: ", StringComparison.Ordinal)
                || line.StartsWith("-V may provide", StringComparison.Ordinal)
                || line.StartsWith("Schema validation of configuration is disabled", StringComparison.Ordinal)
                || line.StartsWith("(main) ", StringComparison.Ordinal)
                || line.StartsWith("(unpack_", StringComparison.Ordinal))
            {
                keys.Add(line);
            }
        }

        return keys;
    }

    [GeneratedRegex(@"^(.+?:\d+: element [A-Za-z_]+): .*validity error")]
    private static partial Regex SchemaLine();
}
