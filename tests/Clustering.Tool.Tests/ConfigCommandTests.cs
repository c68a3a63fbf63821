using Clustering.Transport.Configuration;

namespace Clustering.Tool.Tests;

public sealed class ConfigCommandTests
{
    private string _directory = null!;

    private static string SeedPath => Path.Combine(TestContext.CurrentContext.TestDirectory, "seed-corosync.conf");

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("clusterctl-config-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    private static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await ClusterCtl.RunAsync(args, stdout, stderr, CancellationToken.None);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private string Write(string text)
    {
        var path = Path.Combine(_directory, "corosync.conf");
        File.WriteAllText(path, text);
        return path;
    }

    [Test]
    public async Task The_seed_prints_its_effective_configuration_and_warnings_and_exits_0()
    {
        var (exit, output, err) = await RunAsync("config", "-c", SeedPath);

        Assert.That(exit, Is.Zero, err);
        Assert.That(output, Does.Contain("\n    secauth: on\n    crypto_hash: sha256\n    crypto_cipher: aes256\n"));
        Assert.That(output, Does.Contain("\n    token: 1000\n"));
        Assert.That(output, Does.Contain("\n    rrp_token_expired_timeout: 238\n"));
        Assert.That(output, Does.Contain("mcastaddr: 226.94.1.1"));
        var warnings = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(warnings, Has.Length.EqualTo(2));
        Assert.That(warnings[0], Does.StartWith($"{SeedPath}:32:5: warning: amf"));
        Assert.That(warnings[1], Does.StartWith($"{SeedPath}:36:5: warning: service"));
    }

    [Test]
    public async Task The_output_is_itself_a_configuration_that_prints_the_same()
    {
        var (_, first, _) = await RunAsync("config", "-c", SeedPath);
        var (exit, second, err) = await RunAsync("config", "--config", Write(first));
        Assert.That(exit, Is.Zero);
        Assert.That(second, Is.EqualTo(first));
        Assert.That(err, Does.Not.Contain("unknown"));
        Assert.That(CorosyncConfiguration.Parse(second).Totem.Interfaces, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task A_syntax_error_prints_file_line_column_and_exits_1()
    {
        var path = Write("totem {\n  version: 2\n}\n}\n");
        var (exit, output, err) = await RunAsync("config", "-c", path);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(output, Is.Empty);
        Assert.That(err.TrimEnd(), Is.EqualTo($"{path}:4:1: parser error: Unexpected closing brace"));
    }

    [Test]
    public async Task A_value_out_of_range_prints_its_position_and_key_and_exits_1()
    {
        var path = Write("totem {\n  version: 2\n  token: 10\n  interface {\n    ringnumber: 0\n    bindnetaddr: 10.0.0.0\n    mcastaddr: 239.1.1.1\n  }\n}\n");
        var (exit, _, err) = await RunAsync("config", "-c", path);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(err.TrimEnd(), Is.EqualTo($"{path}:3:10: parse error in config: The token timeout parameter (10 ms) may not be less than (30 ms)."));
    }

    [Test]
    public async Task A_missing_file_exits_1_and_names_it()
    {
        var path = Path.Combine(_directory, "absent.conf");
        var (exit, _, err) = await RunAsync("config", "-c", path);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(err, Does.StartWith($"{path}: Can't read file {path} reason = ("));
    }

    [Test]
    public async Task Without_c_it_reads_etc_corosync_corosync_conf()
    {
        var implicitDefault = await RunAsync("config");
        if (File.Exists(CorosyncConfiguration.DefaultPath))
        {
            // A machine with Corosync installed: the same as naming the file.
            Assert.That(implicitDefault, Is.EqualTo(await RunAsync("config", "-c", CorosyncConfiguration.DefaultPath)));
        }
        else
        {
            Assert.That(implicitDefault.Exit, Is.EqualTo(1));
            Assert.That(implicitDefault.Err, Does.StartWith("/etc/corosync/corosync.conf: Can't read file /etc/corosync/corosync.conf"));
        }
    }

    [TestCase("config", "-c")]
    [TestCase("config", "--frobnicate")]
    [TestCase("config", "-c", "a.conf", "extra")]
    public async Task Usage_errors_exit_2(params string[] args)
    {
        var (exit, _, err) = await RunAsync(args);
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(err, Does.Contain("usage: clusterctl config [-c FILE]"));
    }

    [Test]
    public async Task Config_is_listed_in_the_help()
    {
        var (_, output, _) = await RunAsync("--help");
        Assert.That(output, Does.Contain("config"));
    }
}
