using System.Xml.Linq;
using Clustering.TestSupport;

namespace Clustering.Benchmarks.Cib;

/// <summary>The generated CIBs the CIB benchmarks share, and where the tools they compare with are.</summary>
internal static class CibBenchmarkFiles
{
    /// <summary>Pacemaker's installed schema directory (Debian's <c>pacemaker-cli-utils</c>), the reference grammar.</summary>
    public const string SchemaDirectory = "/usr/share/pacemaker";

    /// <summary>A generated pacemaker-1.2 CIB of about <paramref name="bytes"/> bytes, saved unindented to a temporary file.</summary>
    public static (XDocument Document, string Path) Generate(int bytes)
    {
        var document = CibGenerator.Generate(bytes);
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"clustering-bench-cib-{bytes}-{Environment.ProcessId}.xml");
        document.Save(path, SaveOptions.DisableFormatting);
        if (Environment.GetEnvironmentVariable(KeepVariable) is { Length: > 0 } keep)
        {
            // A copy for validate-processes.sh, which times the processes on the same file outside BenchmarkDotNet.
            File.Copy(path, keep, overwrite: true);
        }

        return (document, path);
    }

    /// <summary>Names a file that receives a copy of each generated CIB (the last one generated wins).</summary>
    public const string KeepVariable = "CLUSTERING_BENCH_KEEP_CIB";

    /// <summary>
    /// The Native-AOT <c>clusterctl</c>: <c>CLUSTERING_NATIVE_CLUSTERCTL</c>, else <c>artifacts/native/clusterctl</c> under the
    /// repository root (where .ci/run publishes it), or <see langword="null"/> when it has not been published.
    /// </summary>
    public static string? NativeClusterctl()
    {
        if (Environment.GetEnvironmentVariable("CLUSTERING_NATIVE_CLUSTERCTL") is { Length: > 0 } named)
        {
            return File.Exists(named) ? named : null;
        }

        var root = RepositoryRoot();
        var path = root is null ? null : System.IO.Path.Combine(root, "artifacts", "native", "clusterctl");
        return path is not null && File.Exists(path) ? path : null;
    }

    private static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Clustering.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    /// <summary>
    /// The built <c>clusterctl.dll</c> (Release), found by walking up from the benchmark to the repository root, or
    /// <see langword="null"/> when it has not been built.
    /// </summary>
    public static string? Clusterctl()
    {
        var root = RepositoryRoot();
        var dll = root is null ? null : System.IO.Path.Combine(root, "src", "Clustering.Tool", "bin", "Release", "net10.0", "clusterctl.dll");
        return dll is not null && File.Exists(dll) ? dll : null;
    }
}
