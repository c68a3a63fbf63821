using System.Diagnostics;
using System.Xml.Linq;
using Clustering.TestSupport;

namespace Clustering.Tool.Tests;

/// <summary>
/// The Native-AOT build of clusterctl (published by .ci/run to <c>artifacts/native/clusterctl</c>, or named by
/// <c>CLUSTERING_NATIVE_CLUSTERCTL</c>): its <c>validate</c> gives exit 0 on a valid CIB and 1 on an invalid one, with
/// the same output as the managed command, so the AOT build cannot silently rot. Skipped when the binary has not
/// been published, a failure under <c>CLUSTERING_REQUIRE_TOOLS=1</c>.
/// </summary>
[Category("NativeAot")]
public sealed class NativeClusterctlTests
{
    /// <summary>The variable naming the native binary; otherwise <c>artifacts/native/clusterctl</c> under the repository.</summary>
    public const string Variable = "CLUSTERING_NATIVE_CLUSTERCTL";

    private const string Schema = ValidateCommandTests.Schema;

    private DirectoryInfo _dir = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("clusterctl-native-");
        File.WriteAllText(Path.Combine(_dir.FullName, "pacemaker-9.1.rng"), Schema);
    }

    [TearDown]
    public void TearDown() => _dir.Delete(recursive: true);

    [Test]
    public async Task A_valid_CIB_exits_0()
    {
        var file = Write("ok.xml", "<cib validate-with='pacemaker-9.1' epoch='3'><node id='a'/><node id='b' peer='a'/></cib>");
        var (exit, output, error) = await RunNativeAsync("validate", "--schema-dir", _dir.FullName, file);
        Assert.That(exit, Is.Zero, error);
        Assert.That(output, Is.EqualTo($"{file}: valid against pacemaker-9.1\n"));
    }

    [Test]
    public async Task An_invalid_CIB_exits_1_with_the_managed_commands_errors()
    {
        // A negative epoch, a duplicate ID and a dangling IDREF: three errors with lines and paths.
        var file = Write("bad.xml", "<cib validate-with='pacemaker-9.1' epoch='-1'>\n<node id='a'/>\n<node id='a'/>\n<node id='b' peer='zz'/></cib>");
        var (exit, output, error) = await RunNativeAsync("validate", "--schema-dir", _dir.FullName, file);
        Assert.That(exit, Is.EqualTo(1), error);
        Assert.That(output, Is.Empty);

        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var managed = await ClusterCtl.RunAsync(["validate", "--schema-dir", _dir.FullName, file], stdout, stderr, CancellationToken.None);
        Assert.That(managed, Is.EqualTo(1));
        Assert.That(error, Is.EqualTo(stderr.ToString()));
        Assert.That(error, Does.Contain("fails to validate against pacemaker-9.1 (3 errors)"));
    }

    [Test]
    public async Task Unusable_input_exits_2()
    {
        var file = Write("broken.xml", "<cib validate-with='pacemaker-9.1' epoch='1'>");
        var (exit, _, error) = await RunNativeAsync("validate", "--schema-dir", _dir.FullName, file);
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(error, Does.StartWith($"{file}:"));
    }

    [Test]
    public async Task A_generated_1_MB_CIB_against_Pacemakers_installed_schema()
    {
        if (!File.Exists("/usr/share/pacemaker/pacemaker-1.2.rng"))
        {
            RealTools.Unavailable("Pacemaker's schemas are not installed (/usr/share/pacemaker, package pacemaker-cli-utils)");
        }

        var document = CibGenerator.Generate(1 << 20);
        var valid = Path.Combine(_dir.FullName, "big.xml");
        document.Save(valid, SaveOptions.DisableFormatting);
        var (exit, output, error) = await RunNativeAsync("validate", valid);
        Assert.That(exit, Is.Zero, error);
        Assert.That(output, Does.EndWith("valid against pacemaker-1.2\n"));

        // One primitive's id reused: the ID rule must catch it in the native build as well.
        var primitives = document.Descendants("primitive").ToList();
        primitives[^1].SetAttributeValue("id", primitives[0].Attribute("id")!.Value);
        var invalid = Path.Combine(_dir.FullName, "big-bad.xml");
        document.Save(invalid, SaveOptions.DisableFormatting);
        (exit, _, error) = await RunNativeAsync("validate", invalid);
        Assert.That(exit, Is.EqualTo(1), error);
        Assert.That(error, Does.Contain("already used"));
    }

    [Test]
    public void The_binary_is_linked_position_dependent_so_the_loader_has_no_relocations_to_apply()
    {
        // ELF header: e_type at offset 16 is 2 (ET_EXEC) for a position-dependent executable, 3 (ET_DYN) for a PIE.
        // The csproj publishes without PIE because relocating a PIE of this size costs about 3 ms at every start.
        var header = new byte[18];
        using (var file = File.OpenRead(NativeBinary()))
        {
            file.ReadExactly(header);
        }

        Assert.That(header.AsSpan(0, 4).ToArray(), Is.EqualTo("\u007fELF"u8.ToArray()), "not an ELF file");
        Assert.That(BitConverter.ToUInt16(header, 16), Is.EqualTo(2), "e_type: the native clusterctl was linked as a PIE");
    }

    private string Write(string name, string xml)
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllText(path, xml);
        return path;
    }

    /// <summary>The native binary, or skips (fails when tools are required) when it has not been published.</summary>
    private static string NativeBinary()
    {
        var named = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrEmpty(named))
        {
            if (!File.Exists(named))
            {
                Assert.Fail($"{Variable} names '{named}', which does not exist");
            }

            return named;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Clustering.sln")))
            {
                var path = Path.Combine(dir.FullName, "artifacts", "native", "clusterctl");
                if (File.Exists(path))
                {
                    return path;
                }

                break;
            }
        }

        RealTools.Unavailable(
            "the native clusterctl is not published (dotnet publish src/Clustering.Tool -c Release -r linux-x64 -p:PublishAot=true -o artifacts/native)");
        return "";
    }

    private static async Task<(int Exit, string Out, string Err)> RunNativeAsync(params string[] args)
    {
        var start = new ProcessStartInfo(NativeBinary()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
