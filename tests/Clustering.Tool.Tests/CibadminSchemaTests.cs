using Clustering.TestSupport;
using Clustering.Tool.Commands;

namespace Clustering.Tool.Tests;

/// <summary>
/// The seed's <c>cibadmin --modify --xml-text '&lt;cib validate-with="pacemaker-1.2"/&gt;'</c> against Pacemaker's
/// installed schemas: accepted when the CIB satisfies the target schema, refused whole (exit 78, file untouched)
/// when it does not — as the real cibadmin does.
/// </summary>
[Category("Conformance")]
public sealed class CibadminSchemaTests
{
    private const string SchemaDirectory = "/usr/share/pacemaker";
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        if (!File.Exists(Path.Combine(SchemaDirectory, "pacemaker-1.2.rng")))
        {
            RealTools.Unavailable("Pacemaker's schemas are not installed (pacemaker-cli-utils)");
        }

        _dir = Directory.CreateTempSubdirectory("cibadmin-schema-").FullName;
    }

    [TearDown]
    public void TearDown()
    {
        if (_dir.Length > 0)
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Test]
    public async Task Moving_a_1_0_cib_to_pacemaker_1_2_is_accepted()
    {
        var file = Write("""
            <cib validate-with="pacemaker-1.0" admin_epoch="0" epoch="4" num_updates="2">
              <configuration><crm_config/><nodes/><resources/><constraints/></configuration>
              <status/>
            </cib>
            """);
        var (exit, _, err) = await RunAsync(file, "--modify", "--xml-text", "<cib validate-with=\"pacemaker-1.2\"/>");
        Assert.That(exit, Is.Zero, err);
        Assert.That(File.ReadAllText(file), Does.Contain("validate-with=\"pacemaker-1.2\""));
    }

    [Test]
    public async Task Moving_a_cib_that_breaks_pacemaker_1_2_is_refused_and_changes_nothing()
    {
        // <alerts> arrived with pacemaker-2.5: valid under 3.0, not under 1.2.
        var file = Write("""
            <cib validate-with="pacemaker-3.0" admin_epoch="0" epoch="1" num_updates="0">
              <configuration><crm_config/><nodes/><resources/><constraints/><alerts/></configuration>
              <status/>
            </cib>
            """);
        var before = File.ReadAllBytes(file);
        var (exit, _, err) = await RunAsync(file, "--modify", "--xml-text", "<cib validate-with=\"pacemaker-1.2\"/>");
        Assert.That(exit, Is.EqualTo(78), "CRM_EX_CONFIG, as the real cibadmin exits");
        Assert.That(err, Does.Contain("Update does not conform to the configured schema"));
        Assert.That(File.ReadAllBytes(file), Is.EqualTo(before));
    }

    [Test]
    public async Task An_update_that_breaks_the_current_schema_is_refused()
    {
        var file = Write("""
            <cib validate-with="pacemaker-1.2" admin_epoch="0" epoch="1" num_updates="0">
              <configuration><crm_config/><nodes/><resources/><constraints/></configuration>
              <status/>
            </cib>
            """);
        var before = File.ReadAllBytes(file);
        var (exit, _, _) = await RunAsync(file, "--create", "--scope", "resources", "--xml-text", "<primitive id=\"r1\" type=\"Dummy\"/>");
        Assert.That(exit, Is.EqualTo(78), "a primitive without class");
        Assert.That(File.ReadAllBytes(file), Is.EqualTo(before));

        (exit, _, var err) = await RunAsync(file, "--create", "--scope", "resources", "--xml-text", "<primitive id=\"r1\" class=\"ocf\" provider=\"heartbeat\" type=\"Dummy\"/>");
        Assert.That(exit, Is.Zero, err);
    }

    [TestCase("pacemaker-1.0", "<node id=\"n1\" uname=\"n1\" type=\"normal\"/>", TestName = "Upgrade from 1.0 rewriting the configuration matches the real cibadmin")]
    [TestCase("pacemaker-1.2", "", TestName = "Upgrade from 1.2 leaving the configuration alone matches the real cibadmin")]
    [TestCase("pacemaker-2.0", "<node id=\"n1\" uname=\"n1\" type=\"member\"/>", TestName = "Upgrade from 2.0 matches the real cibadmin")]
    [TestCase("pacemaker-3.0", "", TestName = "Upgrade from 3.0 matches the real cibadmin")]
    public async Task Upgrade_needs_force_then_gives_the_document_and_counters_of_the_real_cibadmin(string schema, string nodes)
    {
        var cib = $"""
            <cib validate-with="{schema}" admin_epoch="3" epoch="7" num_updates="5">
              <configuration><crm_config/><nodes>{nodes}</nodes><resources/><constraints/></configuration>
              <status/>
            </cib>
            """;
        var file = Write(cib);
        var before = File.ReadAllBytes(file);
        var (exit, _, err) = await RunAsync(file, "--upgrade");
        Assert.That(exit, Is.EqualTo(107), "CRM_EX_UNSAFE without --force");
        Assert.That(err, Does.Contain("--force"));
        Assert.That(File.ReadAllBytes(file), Is.EqualTo(before));

        (exit, _, err) = await RunAsync(file, "--upgrade", "--force");
        Assert.That(exit, Is.Zero, err);
        var ours = System.Xml.Linq.XDocument.Load(file).Root!;
        Assert.That((int)ours.Attribute("admin_epoch")!, Is.EqualTo(4), "an upgrade bumps admin_epoch");

        var cibadmin = RealTools.Require("cibadmin");
        var theirsFile = Path.Combine(_dir, "theirs.xml");
        File.WriteAllText(theirsFile, cib);
        var real = RealTools.Run(cibadmin, "--upgrade --force", TimeSpan.FromSeconds(60), environment: new Dictionary<string, string> { ["CIB_file"] = theirsFile });
        Assert.That(real.ExitCode, Is.Zero, real.StandardError);
        var theirs = System.Xml.Linq.XDocument.Load(theirsFile).Root!;
        Assert.That(Counters(ours), Is.EqualTo(Counters(theirs)));
        Assert.That(System.Xml.Linq.XNode.DeepEquals(ours.Element("configuration"), theirs.Element("configuration")), Is.True, $"ours {ours.Element("configuration")}\ntheirs {theirs.Element("configuration")}");
    }

    private static (string?, string?, string?, string?) Counters(System.Xml.Linq.XElement root)
        => ((string?)root.Attribute("validate-with"), (string?)root.Attribute("admin_epoch"), (string?)root.Attribute("epoch"), (string?)root.Attribute("num_updates"));

    private string Write(string xml)
    {
        var path = Path.Combine(_dir, "cib.xml");
        File.WriteAllText(path, xml);
        return path;
    }

    private static async Task<(int Exit, string Out, string Err)> RunAsync(string cibFile, params string[] args)
    {
        string? Environment(string name) => name switch
        {
            "CIB_file" => cibFile,
            "PCMK_schema_directory" => SchemaDirectory,
            _ => null,
        };

        var command = new CibadminCommand(Environment, () => new StringReader(""), CibadminCommand.SchemaValidator(Environment));
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await command.RunAsync(new CommandLine(args), stdout, stderr, CancellationToken.None);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
