using Clustering.Tool.Commands;
using Clustering.Transport.Security;

namespace Clustering.Tool.Tests;

public sealed class KeygenCommandTests
{
    private string _dir = null!;

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("keygen-tests-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    private async Task<(int Exit, string Out, string Err)> KeygenAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exit;
        try
        {
            exit = await new KeygenCommand(() => _dir).RunAsync(new CommandLine(args), stdout, stderr, CancellationToken.None);
        }
        catch (CommandLineException e)
        {
            // What ClusterCtl does with it: print it with the usage line and exit 2.
            await stderr.WriteLineAsync(e.Message);
            exit = ClusterCtl.Usage;
        }

        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static async Task<(int Exit, string Out, string Err)> ClusterCtlAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await ClusterCtl.RunAsync(args, stdout, stderr, CancellationToken.None);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Test]
    public async Task Without_options_it_writes_a_128_byte_authkey_in_the_current_directory_and_says_so()
    {
        var (exit, output, err) = await KeygenAsync();

        Assert.That(exit, Is.Zero, err);
        var path = Path.Combine(_dir, "authkey");
        Assert.That(output, Is.EqualTo(
            "Clustering Authentication key generator." + Environment.NewLine +
            "Gathering 1024 bits for key from the operating system's random number generator." + Environment.NewLine +
            "Writing key to authkey." + Environment.NewLine));
        using var key = Authkey.Load(path);
        Assert.That(key.Length, Is.EqualTo(128));
        if (!OperatingSystem.IsWindows())
        {
            Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead));
        }
    }

    [Test]
    public async Task Dash_k_chooses_the_file_relative_or_absolute()
    {
        var (exit, output, _) = await KeygenAsync("-k", "my.key");
        Assert.That(exit, Is.Zero);
        Assert.That(output, Does.Contain("Writing key to my.key."));
        Assert.That(File.Exists(Path.Combine(_dir, "my.key")), Is.True);

        var absolute = Path.Combine(_dir, "abs.key");
        (exit, output, _) = await KeygenAsync("--key-file", absolute);
        Assert.That(exit, Is.Zero);
        Assert.That(output, Does.Contain($"Writing key to {absolute}."));
        using var key = Authkey.Load(absolute);
        Assert.That(key.Length, Is.EqualTo(128));
    }

    [TestCase("128", 128)]
    [TestCase("256", 256)]
    [TestCase("4096", 4096)]
    public async Task Dash_l_sets_the_length_in_bytes(string bytes, int length)
    {
        var (exit, output, _) = await KeygenAsync("-l", bytes);
        Assert.That(exit, Is.Zero);
        Assert.That(output, Does.Contain($"Gathering {length * 8} bits"));
        Assert.That(new FileInfo(Path.Combine(_dir, "authkey")).Length, Is.EqualTo(length));
    }

    [TestCase("127")]
    [TestCase("4097")]
    [TestCase("0")]
    [TestCase("lots")]
    public async Task A_length_out_of_range_exits_2_with_the_range_and_writes_nothing(string bytes)
    {
        var (exit, _, err) = await ClusterCtlAsync("keygen", "-k", Path.Combine(_dir, "authkey"), "-l", bytes);
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(err, Does.Contain("from 128 to 4096").And.Contain($"'{bytes}'"));
        Assert.That(err, Does.Contain("usage: clusterctl keygen"));
        Assert.That(File.Exists(Path.Combine(_dir, "authkey")), Is.False);
    }

    [Test]
    public async Task An_existing_key_is_kept_and_the_exit_code_is_1_unless_force()
    {
        var path = Path.Combine(_dir, "authkey");
        Assert.That((await KeygenAsync()).Exit, Is.Zero);
        var original = File.ReadAllBytes(path);

        var (exit, _, err) = await KeygenAsync();
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(err, Does.Contain("authkey already exists").And.Contain("--force"));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(original));

        (exit, _, err) = await KeygenAsync("--force", "-l", "512");
        Assert.That(exit, Is.Zero, err);
        var replaced = File.ReadAllBytes(path);
        Assert.That(replaced, Has.Length.EqualTo(512));
        Assert.That(replaced.AsSpan(0, 128).SequenceEqual(original), Is.False);
    }

    [Test]
    public async Task A_directory_that_does_not_exist_is_reported_with_exit_1()
    {
        var (exit, _, err) = await KeygenAsync("-k", Path.Combine("missing", "authkey"));
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(err, Does.Contain("cannot be written"));
    }

    [Test]
    public async Task Unknown_options_and_arguments_exit_2()
    {
        Assert.That((await ClusterCtlAsync("keygen", "--bogus")).Exit, Is.EqualTo(2));
        Assert.That((await ClusterCtlAsync("keygen", "-k", Path.Combine(_dir, "a"), "extra")).Exit, Is.EqualTo(2));
        Assert.That((await ClusterCtlAsync("keygen", "-k")).Exit, Is.EqualTo(2));
        Assert.That(Directory.GetFiles(_dir), Is.Empty);
    }

    [Test]
    public async Task Keygen_is_listed_and_runs_through_clusterctl()
    {
        var (_, help, _) = await ClusterCtlAsync("--help");
        Assert.That(help, Does.Contain("keygen").And.Contain("corosync-keygen"));

        var path = Path.Combine(_dir, "via-clusterctl");
        var (exit, output, _) = await ClusterCtlAsync("keygen", "-k", path);
        Assert.That(exit, Is.Zero);
        Assert.That(output, Does.EndWith($"Writing key to {path}." + Environment.NewLine));
        Assert.That(new FileInfo(path).Length, Is.EqualTo(128));
    }
}
