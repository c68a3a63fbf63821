using System.Diagnostics;
using System.Xml;
using System.Xml.Linq;
using BenchmarkDotNet.Attributes;
using Clustering.Cib;
using Clustering.Cib.Scanning;
using Clustering.Cib.Validation;

namespace Clustering.Benchmarks.Cib;

/// <summary>
/// Validating a generated 1 MB pacemaker-1.2 CIB against Pacemaker's installed <c>pacemaker-1.2.rng</c>: our engine in
/// process (a parsed tree; straight from the file with our scanner, and through <c>XmlReader</c>), and as processes in the same run the reference
/// <c>xmllint --noout --relaxng</c>, <c>xmllint --noout</c> alone (parsing only, so the difference is libxml2's schema
/// compilation and validation), <c>clusterctl validate</c> on the .NET host (needs a Release build of src/Clustering.Tool)
/// and the Native-AOT <c>clusterctl validate</c> (needs it published to <c>artifacts/native</c>).
/// </summary>
[MemoryDiagnoser]
public class CibValidationBenchmarks
{
    private const int Size = 1 << 20;
    private CibSchemaSet _schemas = null!;
    private RelaxNgSchema _schema = null!;
    private XDocument _document = null!;
    private string _file = "";
    private string _rng = "";
    private string? _clusterctl;
    private string? _nativeClusterctl;

    [GlobalSetup]
    public void Setup()
    {
        (_document, _file) = CibBenchmarkFiles.Generate(Size);
        _document = CibDocument.Load(_file).Document;
        _schemas = CibSchemaSet.Open(new CibSchemaSetOptions { Directory = CibBenchmarkFiles.SchemaDirectory });
        _schema = _schemas.GetSchema("pacemaker-1.2");
        _rng = Path.Combine(CibBenchmarkFiles.SchemaDirectory, "pacemaker-1.2.rng");
        _clusterctl = CibBenchmarkFiles.Clusterctl();
        _nativeClusterctl = CibBenchmarkFiles.NativeClusterctl();
        if (!_schema.Validate(_document).IsValid)
        {
            throw new InvalidOperationException("the generated CIB must be valid");
        }

        // OursFromFile must measure the scanner, not its fallback: it reads this file without giving up.
        OursScanOnly();
    }

    [GlobalCleanup]
    public void Cleanup() => File.Delete(_file);

    /// <summary>Ours: a tree already parsed, the compiled schema reused (its derivative cache warm).</summary>
    [Benchmark(Baseline = true)]
    public bool OursParsedTree() => _schema.Validate(_document).IsValid;

    /// <summary>
    /// Ours: read and validate the file without building a tree (what <c>clusterctl validate</c> does): the file is
    /// read whole and walked by our UTF-8 scanner, which would hand anything unusual to <c>XmlReader</c>.
    /// </summary>
    [Benchmark]
    public bool OursFromFile()
    {
        using var stream = File.OpenRead(_file);
        return _schemas.ValidateStream(stream, "pacemaker-1.2").IsValid;
    }

    /// <summary>
    /// Our scanner alone: read the file into a pooled buffer as <see cref="OursFromFile"/> does and scan it to the end,
    /// without validating (the parsing share of <see cref="OursFromFile"/>).
    /// </summary>
    [Benchmark]
    public int OursScanOnly()
    {
        using var stream = File.OpenRead(_file);
        using var document = BufferedDocument.Read(stream, CibLoadOptions.Default.MaxCharactersInDocument);
        var scanner = new Utf8XmlScanner(document.Buffer, document.Length, CibLoadOptions.Default);
        var elements = 0;
        while (scanner.Read())
        {
            elements += scanner.NodeType == XmlNodeType.Element ? 1 : 0;
        }

        return elements;
    }

    /// <summary>Ours from the file through <c>XmlReader</c> only (the path before the scanner, and its fallback).</summary>
    [Benchmark]
    public bool OursFromFileXmlReader()
    {
        using var stream = File.OpenRead(_file);
        return _schemas.ValidateStreamWithReader(stream, "pacemaker-1.2").IsValid;
    }

    /// <summary>Ours: load the file into a <see cref="CibDocument"/>, then validate the tree.</summary>
    [Benchmark]
    public bool OursLoadThenValidate() => _schema.Validate(CibDocument.Load(_file).Document).IsValid;

    /// <summary>The reference as a process: <c>xmllint --noout --relaxng pacemaker-1.2.rng FILE</c>.</summary>
    [Benchmark]
    public int XmllintProcess() => Run("xmllint", "--noout", "--relaxng", _rng, _file);

    /// <summary><c>xmllint --noout FILE</c>: start-up and parsing only, to subtract from <see cref="XmllintProcess"/>.</summary>
    [Benchmark]
    public int XmllintParseOnlyProcess() => Run("xmllint", "--noout", _file);

    /// <summary><c>dotnet clusterctl.dll validate --schema pacemaker-1.2 FILE</c> as a process.</summary>
    [Benchmark]
    public int ClusterctlProcess()
        => _clusterctl is null
            ? throw new InvalidOperationException("build src/Clustering.Tool in Release first")
            : Run("dotnet", _clusterctl, "validate", "--schema", "pacemaker-1.2", "--schema-dir", CibBenchmarkFiles.SchemaDirectory, _file);

    /// <summary>
    /// The Native-AOT <c>clusterctl validate</c> as a process (publish it first:
    /// <c>dotnet publish src/Clustering.Tool -c Release -r linux-x64 -p:PublishAot=true -o artifacts/native</c>).
    /// </summary>
    [Benchmark]
    public int ClusterctlNativeProcess()
        => _nativeClusterctl is null
            ? throw new InvalidOperationException("publish the native clusterctl to artifacts/native first (or set CLUSTERING_NATIVE_CLUSTERCTL)")
            : Run(_nativeClusterctl, "validate", "--schema", "pacemaker-1.2", "--schema-dir", CibBenchmarkFiles.SchemaDirectory, _file);

    private static int Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? 0 : throw new InvalidOperationException($"{program} exited {process.ExitCode}");
    }
}
