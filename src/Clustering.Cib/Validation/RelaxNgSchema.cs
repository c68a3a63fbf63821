using System.Xml.Linq;

namespace Clustering.Cib.Validation;

/// <summary>
/// A compiled RELAX NG schema (XML syntax), validated by pattern derivatives. Load once, validate many documents;
/// validations may run concurrently. ID/IDREF datatypes are checked across the document as libxml2 checks them.
/// </summary>
public sealed class RelaxNgSchema
{
    private readonly PatternBuilder _builder;
    private readonly Pattern _start;
    private readonly bool _usesIdRef;

    private RelaxNgSchema(string path, PatternBuilder builder, Pattern start, IReadOnlyCollection<string> files, bool usesIdRef)
    {
        Path = path;
        _builder = builder;
        _start = start;
        Files = files;
        _usesIdRef = usesIdRef;
    }

    /// <summary>The file the schema was loaded from.</summary>
    public string Path { get; }

    /// <summary>Every file read while loading (the schema, its includes and external references).</summary>
    public IReadOnlyCollection<string> Files { get; }

    /// <summary>Loads and compiles a schema file with everything it includes or references.</summary>
    /// <exception cref="RelaxNgSchemaException">A file is missing or unreadable, or the grammar is wrong.</exception>
    public static RelaxNgSchema Load(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var (start, builder, files, usesIdRef) = RelaxNgCompiler.Compile(path, cancellationToken);
        return new RelaxNgSchema(System.IO.Path.GetFullPath(path), builder, start, [.. files], usesIdRef);
    }

    /// <summary>Validates a document.</summary>
    public RelaxNgValidationResult Validate(XDocument document, RelaxNgValidationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (document.Root is null)
        {
            return new RelaxNgValidationResult([new RelaxNgValidationError(0, 0, "/", "the document has no root element")]);
        }

        options ??= RelaxNgValidationOptions.Default;
        var validator = new RelaxNgValidator(_builder, _start, _usesIdRef, options.MaxErrors, cancellationToken);
        return validator.Validate(document.Root);
    }
}

/// <summary>Options of one validation.</summary>
public sealed class RelaxNgValidationOptions
{
    /// <summary>The defaults: at most 100 errors.</summary>
    public static RelaxNgValidationOptions Default { get; } = new();

    /// <summary>The most errors reported before the rest are dropped (validation still decides validity). Default 100.</summary>
    public int MaxErrors { get; init; } = 100;
}
