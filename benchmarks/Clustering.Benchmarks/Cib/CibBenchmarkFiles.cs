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
        return (document, path);
    }

    /// <summary>
    /// The built <c>clusterctl.dll</c> (Release), found by walking up from the benchmark to the repository root, or
    /// <see langword="null"/> when it has not been built.
    /// </summary>
    public static string? Clusterctl()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Clustering.sln")))
            {
                var dll = System.IO.Path.Combine(dir.FullName, "src", "Clustering.Tool", "bin", "Release", "net10.0", "clusterctl.dll");
                return File.Exists(dll) ? dll : null;
            }
        }

        return null;
    }
}
