using System.Xml;
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
    private DerivativeCache? _warm;

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
        var root = document.Root;
        if (root is null)
        {
            return new RelaxNgValidationResult([new RelaxNgValidationError(0, 0, "/", "the document has no root element")]);
        }

        return Run(options, validator => validator.Validate(root), cancellationToken);
    }

    /// <summary>
    /// Validates a document as it is read, without building a tree: the reader is advanced from where it is
    /// (before or on the root element) to just past the root element's end. Errors carry the reader's line
    /// information and the path of open elements. The caller owns the reader and its settings (DTD handling,
    /// limits); <see cref="CibSchemaSet.ValidateStream"/>
    /// reads a CIB with the hardened settings of <see cref="CibDocument"/>.
    /// </summary>
    /// <exception cref="XmlException">The document is not well-formed or breaks the reader's limits.</exception>
    public RelaxNgValidationResult ValidateReader(XmlReader reader, RelaxNgValidationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return Run(options, validator => validator.Validate(reader), cancellationToken);
    }

    /// <summary>
    /// Validates a document straight from a stream, without building a tree, read with the same hardening as
    /// <see cref="CibDocument.Load(Stream, CibLoadOptions?)"/>: the bytes are buffered and walked by a UTF-8 scanner,
    /// and anything it does not handle is read again with <see cref="XmlReader"/>. The whole stream is read, so a
    /// malformed tail is refused as well. The stream is not closed.
    /// </summary>
    /// <exception cref="CibLoadException">The content is not a well-formed, acceptable document.</exception>
    public RelaxNgValidationResult ValidateStream(Stream stream, CibLoadOptions? loadOptions = null, RelaxNgValidationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        loadOptions ??= CibLoadOptions.Default;
        loadOptions.Check();
        using var document = Scanning.BufferedDocument.Read(stream, loadOptions.MaxCharactersInDocument);
        if (document.Complete)
        {
            try
            {
                var scanner = new Scanning.Utf8XmlScanner(document.Buffer, document.Length, loadOptions);
                var result = ValidateScanner(scanner, options, cancellationToken);
                scanner.ReadToEnd();
                return result;
            }
            catch (Scanning.XmlScanGaveUpException)
            {
                // Anything unusual or wrong: XmlReader reads the same bytes and accepts or refuses them.
            }
        }

        using var replay = document.Replay();
        LimitingXmlReader? reader = null;
        try
        {
            reader = CibDocument.OpenReader(replay, loadOptions);
            if (reader.MoveToContent() != XmlNodeType.Element)
            {
                throw new CibLoadException("the document has no root element", reader.LineNumber, reader.LinePosition);
            }

            var result = ValidateReader(reader, options, cancellationToken);
            while (reader.Read())
            {
                // The rest must be well-formed too.
            }

            return result;
        }
        catch (Exception e) when (e is XmlException or InvalidOperationException)
        {
            throw CibDocument.LoadError(e, reader);
        }
        finally
        {
            reader?.Dispose();
        }
    }

    /// <summary>
    /// Validates a document from our own scanner (the fast path of <see cref="CibSchemaSet.ValidateStream"/>): the
    /// same walk, errors and positions as <see cref="ValidateReader"/>.
    /// </summary>
    /// <exception cref="Scanning.XmlScanGaveUpException">The scanner gave up; validate from an <see cref="XmlReader"/> instead.</exception>
    internal RelaxNgValidationResult ValidateScanner(Scanning.Utf8XmlScanner scanner, RelaxNgValidationOptions? options, CancellationToken cancellationToken)
        => Run(options, validator => validator.Validate(scanner), cancellationToken);

    /// <summary>
    /// Runs one validation over the schema's warm derivative cache when no other validation holds it (a concurrent
    /// one gets a fresh cache), and keeps the cache warm afterwards unless it has grown too large.
    /// </summary>
    private RelaxNgValidationResult Run(RelaxNgValidationOptions? options, Func<RelaxNgValidator, RelaxNgValidationResult> walk, CancellationToken cancellationToken)
    {
        options ??= RelaxNgValidationOptions.Default;
        var cache = Interlocked.Exchange(ref _warm, null) ?? new DerivativeCache(_builder);
        try
        {
            return walk(new RelaxNgValidator(cache, _start, _usesIdRef, options.MaxErrors, cancellationToken));
        }
        finally
        {
            // Also after an exception (the scanner giving up, a malformed document, cancellation): those are thrown
            // between derivative steps, so every memo row is whole, and the next validation empties the ID set.
            if (cache.Size <= DerivativeCache.MaxEntries)
            {
                Interlocked.CompareExchange(ref _warm, cache, null);
            }
        }
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
