using Clustering.TestSupport;

namespace Clustering.Tool.Tests;

/// <summary>
/// <c>clusterctl validate</c> over a small schema directory written by the test (so it runs anywhere), plus one
/// run against an installed Pacemaker's schemas when they are present.
/// </summary>
public sealed class ValidateCommandTests
{
    /// <summary>The small schema directory's one grammar (pacemaker-9.1), shared with the native build's tests.</summary>
    internal const string Schema = """
        <grammar xmlns="http://relaxng.org/ns/structure/1.0" datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes">
          <start>
            <element name="cib">
              <attribute name="validate-with"><text/></attribute>
              <attribute name="epoch"><data type="nonNegativeInteger"/></attribute>
              <zeroOrMore>
                <element name="node">
                  <attribute name="id"><data type="ID"/></attribute>
                  <optional><attribute name="peer"><data type="IDREF"/></attribute></optional>
                </element>
              </zeroOrMore>
            </element>
          </start>
        </grammar>
        """;

    private DirectoryInfo _dir = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("clusterctl-validate-");
        File.WriteAllText(Path.Combine(_dir.FullName, "pacemaker-9.1.rng"), Schema);
    }

    [TearDown]
    public void TearDown() => _dir.Delete(recursive: true);

    private string Write(string name, string xml)
    {
        var path = Path.Combine(_dir.FullName, name);
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

    [Test]
    public async Task A_valid_file_exits_0()
    {
        var file = Write("ok.xml", "<cib validate-with='pacemaker-9.1' epoch='3'><node id='a'/><node id='b' peer='a'/></cib>");
        var (exit, output, err) = await RunAsync("validate", "--schema-dir", _dir.FullName, file);
        Assert.That(exit, Is.Zero, err);
        Assert.That(output, Does.Contain("valid against pacemaker-9.1"));
    }

    [Test]
    public async Task An_invalid_file_exits_1_with_file_line_column_errors()
    {
        var file = Write("bad.xml", "<cib validate-with='pacemaker-9.1' epoch='-1'>\n  <node id='a'/>\n  <node id='a' peer='zz'/>\n</cib>");
        var (exit, _, err) = await RunAsync("validate", "--schema-dir", _dir.FullName, file);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(err, Does.Contain($"{file}:1:36: attribute epoch has an invalid value '-1'"));
        Assert.That(err, Does.Contain($"{file}:3:9: ID 'a' of attribute id is already used"));
        Assert.That(err, Does.Contain($"{file}:3:16: IDREF attribute peer refers to an unknown ID 'zz'"));
        Assert.That(err, Does.Contain("fails to validate against pacemaker-9.1 (3 errors)"));
    }

    [Test]
    public async Task The_schema_option_overrides_validate_with()
    {
        File.WriteAllText(Path.Combine(_dir.FullName, "pacemaker-9.2.rng"), Schema.Replace("nonNegativeInteger", "negativeInteger", StringComparison.Ordinal));
        var file = Write("ok.xml", "<cib validate-with='pacemaker-9.1' epoch='3'/>");
        Assert.That((await RunAsync("validate", "--schema-dir", _dir.FullName, file)).Exit, Is.Zero);
        Assert.That((await RunAsync("validate", "--schema-dir", _dir.FullName, "--schema", "pacemaker-9.2", file)).Exit, Is.EqualTo(1));
    }

    [Test]
    public async Task A_schema_file_can_be_given_by_path()
    {
        var file = Write("ok.xml", "<cib validate-with='whatever' epoch='3'/>");
        var (exit, _, err) = await RunAsync("validate", "--schema", Path.Combine(_dir.FullName, "pacemaker-9.1.rng"), file);
        Assert.That(exit, Is.Zero, err);
    }

    [Test]
    public async Task Validate_with_none_exits_0_without_checking()
    {
        var file = Write("none.xml", "<cib validate-with='none'><anything/></cib>");
        var (exit, output, _) = await RunAsync("validate", "--schema-dir", _dir.FullName, file);
        Assert.That(exit, Is.Zero);
        Assert.That(output, Does.Contain("none"));
    }

    [Test]
    public async Task An_unknown_schema_exits_2()
    {
        var file = Write("x.xml", "<cib validate-with='pacemaker-0.6' epoch='1'/>");
        var (exit, _, err) = await RunAsync("validate", "--schema-dir", _dir.FullName, file);
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(err, Does.Contain("unknown schema 'pacemaker-0.6'"));
    }

    [Test]
    public async Task A_document_without_validate_with_and_no_schema_exits_2()
    {
        var file = Write("x.xml", "<cib epoch='1'/>");
        var (exit, _, err) = await RunAsync("validate", "--schema-dir", _dir.FullName, file);
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(err, Does.Contain("no validate-with"));
    }

    [Test]
    public async Task Malformed_xml_exits_2_with_its_position()
    {
        var file = Write("broken.xml", "<cib>\n<node>\n</cib>");
        var (exit, _, err) = await RunAsync("validate", "--schema-dir", _dir.FullName, file);
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(err, Does.StartWith($"{file}:3:"));
    }

    [Test]
    public async Task A_missing_file_or_schema_directory_exits_2()
    {
        Assert.That((await RunAsync("validate", "--schema-dir", _dir.FullName, Path.Combine(_dir.FullName, "absent.xml"))).Exit, Is.EqualTo(2));
        var file = Write("ok.xml", "<cib validate-with='pacemaker-9.1' epoch='3'/>");
        var (exit, _, err) = await RunAsync("validate", "--schema-dir", Path.Combine(_dir.FullName, "nope"), file);
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(err, Does.Contain("does not exist"));
    }

    [Test]
    public async Task A_broken_schema_exits_2()
    {
        File.WriteAllText(Path.Combine(_dir.FullName, "pacemaker-9.3.rng"), "<grammar xmlns='http://relaxng.org/ns/structure/1.0'><start><ref name='missing'/></start></grammar>");
        var file = Write("x.xml", "<cib validate-with='pacemaker-9.3'/>");
        var (exit, _, err) = await RunAsync("validate", "--schema-dir", _dir.FullName, file);
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(err, Does.Contain("undefined pattern 'missing'"));
    }

    [Test]
    public async Task Usage_errors_exit_2()
    {
        Assert.That((await RunAsync("validate")).Exit, Is.EqualTo(2));
        Assert.That((await RunAsync("validate", "a.xml", "b.xml")).Exit, Is.EqualTo(2));
        Assert.That((await RunAsync("validate", "--bogus", "a.xml")).Exit, Is.EqualTo(2));
    }

    [Test]
    public async Task Validates_against_the_installed_pacemaker_schemas()
    {
        if (!Directory.Exists("/usr/share/pacemaker"))
        {
            RealTools.Unavailable("Pacemaker's schemas are not installed (pacemaker-cli-utils)");
        }

        var good = Write("real.xml", """
            <cib validate-with="pacemaker-1.2" admin_epoch="0" epoch="1" num_updates="0">
              <configuration><crm_config/><nodes/><resources/><constraints/></configuration>
              <status/>
            </cib>
            """);
        Assert.That((await RunAsync("validate", good)).Exit, Is.Zero);
        var bad = Write("real-bad.xml", """
            <cib validate-with="pacemaker-1.2" admin_epoch="0" epoch="1" num_updates="0">
              <configuration><crm_config/><nodes/><resources/></configuration>
              <status/>
            </cib>
            """);
        var (exit, _, err) = await RunAsync("validate", bad);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(err, Does.Contain("<constraints>"));
    }
}
