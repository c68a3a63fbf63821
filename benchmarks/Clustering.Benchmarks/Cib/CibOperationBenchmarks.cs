using System.Xml.Linq;
using BenchmarkDotNet.Attributes;
using Clustering.Cib;
using Clustering.Cib.Diff;
using Clustering.Cib.Operations;
using Clustering.Cib.Validation;

namespace Clustering.Benchmarks.Cib;

/// <summary>
/// cibadmin-style updates and v2 diff/patch on a generated 1 MB CIB: a modify merged by id (with and without schema
/// validation of the result, which every update of a real CIB gets), creating the patch between two versions that
/// differ in a few places, and applying it.
/// </summary>
[MemoryDiagnoser]
public class CibOperationBenchmarks
{
    private const int Size = 1 << 20;
    private CibDocument _document = null!;
    private CibStore _store = null!;
    private CibStore _validatedStore = null!;
    private int _changes;
    private XElement _source = null!;
    private XElement _target = null!;
    private XElement _patch = null!;
    private string _file = "";

    [GlobalSetup]
    public void Setup()
    {
        (_, _file) = CibBenchmarkFiles.Generate(Size);
        _document = CibDocument.Load(_file);
        File.Delete(_file);
        var schemas = CibSchemaSet.OpenCombined(new CibSchemaSetOptions { Directory = CibBenchmarkFiles.SchemaDirectory });
        _store = new CibStore(_document);
        _validatedStore = new CibStore(_document, new CibStoreOptions { Validator = new CibSchemaValidator(schemas) });

        _source = new XElement(_document.Document.Root!);
        _target = new XElement(_source);
        _target.SetAttributeValue("epoch", 2);
        var primitives = _target.Descendants("primitive").ToList();
        primitives[10].SetAttributeValue("description", "moved");
        primitives[400].Element("operations")!.Add(new XElement("op", new XAttribute("id", "g100-r0-stop"), new XAttribute("name", "stop"), new XAttribute("interval", "0")));
        _target.Descendants("rsc_location").Skip(200).First().Remove();
        _patch = CibPatch.Create(_source, _target);
    }

    /// <summary><c>cibadmin --modify</c> of one primitive by id (a new description each time), no schema.</summary>
    [Benchmark]
    public CibResultCode Modify() => _store.Modify(Change()).Code;

    /// <summary>The same modify with the result validated against pacemaker-1.2 (our embedded grammar), as a real CIB's updates are.</summary>
    [Benchmark]
    public CibResultCode ModifyValidated() => _validatedStore.Modify(Change()).Code;

    private XElement Change() => new("primitive", new XAttribute("id", "g200-r2"), new XAttribute("description", $"change {++_changes}"));

    /// <summary>The v2 patch between two versions of the CIB.</summary>
    [Benchmark]
    public XElement Diff() => CibPatch.Create(_source, _target);

    /// <summary>Applying that patch to the older version.</summary>
    [Benchmark]
    public XElement Patch() => CibPatch.Apply(_source, _patch);
}
