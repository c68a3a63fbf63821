using System.Collections.Concurrent;
using System.Globalization;
using System.Xml;
using Clustering.Cib.Scanning;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clustering.Cib.Validation;

/// <summary>Where <see cref="CibSchemaSet"/> finds schemas and how it reports.</summary>
public sealed class CibSchemaSetOptions
{
    /// <summary>Debian's and most distributions' place for Pacemaker's schemas.</summary>
    public const string DefaultDirectory = "/usr/share/pacemaker";

    /// <summary>The directory holding <c>pacemaker-X.Y.rng</c> and the files they include. Default <see cref="DefaultDirectory"/>.</summary>
    public string Directory { get; init; } = DefaultDirectory;

    /// <summary>Where schema loading is logged. Default: nowhere.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>The clock used to time schema compilation. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

/// <summary>
/// The schema versions of a directory such as an installed Pacemaker's <c>/usr/share/pacemaker</c>: every
/// <c>pacemaker-X.Y.rng</c> (and <c>pacemaker-next.rng</c>), compiled on first use and cached. Validates a CIB
/// by its <c>validate-with</c> attribute (<c>none</c> skips validation) or by a named schema.
/// </summary>
public sealed partial class CibSchemaSet
{
    /// <summary>The <c>validate-with</c> value that turns validation off.</summary>
    public const string None = "none";

    private readonly ConcurrentDictionary<string, Lazy<RelaxNgSchema>> _schemas = new(StringComparer.Ordinal);
    private readonly CibSchemaSetOptions _options;

    private CibSchemaSet(CibSchemaSetOptions options, IReadOnlyList<string> versions)
    {
        _options = options;
        Versions = versions;
        foreach (var name in versions)
        {
            var path = Path.Combine(options.Directory, name + ".rng");
            _schemas[name] = new Lazy<RelaxNgSchema>(() => Compile(name, path), LazyThreadSafetyMode.ExecutionAndPublication);
        }
    }

    /// <summary>The directory the schemas come from.</summary>
    public string Directory => _options.Directory;

    /// <summary>The schema names found, oldest first (<c>pacemaker-1.0</c>, ..., <c>pacemaker-3.10</c>, <c>pacemaker-next</c>).</summary>
    public IReadOnlyList<string> Versions { get; }

    /// <summary>Lists the schemas of a directory; nothing is compiled yet.</summary>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    public static CibSchemaSet Open(CibSchemaSetOptions? options = null)
    {
        options ??= new CibSchemaSetOptions();
        if (!System.IO.Directory.Exists(options.Directory))
        {
            throw new DirectoryNotFoundException($"schema directory '{options.Directory}' does not exist");
        }

        var names = System.IO.Directory.EnumerateFiles(options.Directory, "pacemaker-*.rng")
            .Select(f => Path.GetFileNameWithoutExtension(f))
            .Where(n => ParseVersion(n) is not null)
            .OrderBy(n => ParseVersion(n))
            .ToList();
        return new CibSchemaSet(options, names);
    }

    /// <summary>Whether <paramref name="name"/> is a schema of this set (<c>none</c> is not).</summary>
    public bool Contains(string name) => _schemas.ContainsKey(name);

    /// <summary>The compiled schema of that name, compiled now if needed.</summary>
    /// <exception cref="CibSchemaNotFoundException">No such schema in the directory.</exception>
    /// <exception cref="RelaxNgSchemaException">The schema files are broken.</exception>
    public RelaxNgSchema GetSchema(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!_schemas.TryGetValue(name, out var lazy))
        {
            throw new CibSchemaNotFoundException(name, Directory);
        }

        return lazy.Value;
    }

    /// <summary>
    /// Validates a CIB against <paramref name="schemaName"/>, or when that is <see langword="null"/> against its
    /// <c>validate-with</c>. <c>none</c> gives a valid result without checking.
    /// </summary>
    /// <exception cref="CibSchemaNotFoundException">The schema is unknown, or the CIB names none.</exception>
    public RelaxNgValidationResult Validate(CibDocument document, string? schemaName = null, RelaxNgValidationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        var name = schemaName ?? document.ValidateWith ?? throw new CibSchemaNotFoundException("", Directory);
        if (name == None)
        {
            return new RelaxNgValidationResult([]) { SchemaName = None };
        }

        return GetSchema(name).Validate(document.Document, options, cancellationToken) with { SchemaName = name };
    }

    /// <summary>
    /// Validates a CIB straight from a stream, without building a tree (faster and leaner than loading a
    /// <see cref="CibDocument"/> first when only the verdict is wanted): read with the same hardening as
    /// <see cref="CibDocument.Load(Stream, CibLoadOptions?)"/>, against <paramref name="schemaName"/> or else the root's
    /// <c>validate-with</c>. The whole stream is read, so a malformed tail is refused as well. The stream is not closed.
    /// </summary>
    /// <exception cref="CibLoadException">The content is not a well-formed, acceptable document.</exception>
    /// <exception cref="CibSchemaNotFoundException">The schema is unknown, or the CIB names none.</exception>
    /// <exception cref="RelaxNgSchemaException">The schema files are broken.</exception>
    public RelaxNgValidationResult ValidateStream(Stream stream, string? schemaName = null, CibLoadOptions? loadOptions = null, RelaxNgValidationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        loadOptions ??= CibLoadOptions.Default;
        loadOptions.Check();
        using var document = BufferedDocument.Read(stream, loadOptions.MaxCharactersInDocument);
        if (document.Complete)
        {
            try
            {
                return ValidateScanned(new Utf8XmlScanner(document.Buffer, document.Length, loadOptions), schemaName, options, cancellationToken);
            }
            catch (XmlScanGaveUpException)
            {
                // Anything unusual or wrong: XmlReader reads the same bytes and accepts or refuses them as it always has.
            }
        }

        using var replay = document.Replay();
        return ValidateRead(replay, schemaName, loadOptions, options, cancellationToken);
    }

    /// <summary>The fast path of <see cref="ValidateStream"/>: the same steps over our own scanner.</summary>
    private RelaxNgValidationResult ValidateScanned(Utf8XmlScanner scanner, string? schemaName, RelaxNgValidationOptions? options, CancellationToken cancellationToken)
    {
        scanner.MoveToContent();
        var name = schemaName ?? scanner.GetAttribute("validate-with") ?? "";
        if (name != None && !_schemas.ContainsKey(name))
        {
            scanner.ReadToEnd();
            throw new CibSchemaNotFoundException(name, Directory);
        }

        var result = name == None
            ? new RelaxNgValidationResult([])
            : GetSchema(name).ValidateScanner(scanner, options, cancellationToken);
        scanner.ReadToEnd();
        return result with { SchemaName = name };
    }

    /// <summary>The path through <see cref="XmlReader"/>: the reference, and the fallback when the scanner gives up.</summary>
    private RelaxNgValidationResult ValidateRead(Stream stream, string? schemaName, CibLoadOptions loadOptions, RelaxNgValidationOptions? options, CancellationToken cancellationToken)
    {
        LimitingXmlReader? reader = null;
        try
        {
            reader = CibDocument.OpenReader(stream, loadOptions);
            if (reader.MoveToContent() != XmlNodeType.Element)
            {
                throw new CibLoadException("the document has no root element", reader.LineNumber, reader.LinePosition);
            }

            var name = schemaName ?? reader.GetAttribute("validate-with") ?? "";
            if (name != None && !_schemas.ContainsKey(name))
            {
                // A malformed document is reported as such before an unknown or missing schema, as when loading first.
                Drain(reader);
                throw new CibSchemaNotFoundException(name, Directory);
            }

            var result = name == None
                ? new RelaxNgValidationResult([])
                : GetSchema(name).ValidateReader(reader, options, cancellationToken);
            Drain(reader);
            return result with { SchemaName = name };
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

    /// <summary>Validates with the XmlReader path only (the reference the scanner's results are compared with).</summary>
    internal RelaxNgValidationResult ValidateStreamWithReader(Stream stream, string? schemaName = null, CibLoadOptions? loadOptions = null, RelaxNgValidationOptions? options = null, CancellationToken cancellationToken = default)
    {
        loadOptions ??= CibLoadOptions.Default;
        loadOptions.Check();
        return ValidateRead(stream, schemaName, loadOptions, options, cancellationToken);
    }

    private static void Drain(XmlReader reader)
    {
        while (reader.Read())
        {
            // The rest must be well-formed too.
        }
    }

    /// <summary>Sorts schema names: numeric versions by number, then <c>next</c>.</summary>
    internal static (int Major, int Minor)? ParseVersion(string name)
    {
        if (!name.StartsWith("pacemaker-", StringComparison.Ordinal))
        {
            return null;
        }

        var rest = name["pacemaker-".Length..];
        if (rest == "next")
        {
            return (int.MaxValue, 0);
        }

        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        return dot > 0
            && int.TryParse(rest[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            && int.TryParse(rest[(dot + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var minor)
            ? (major, minor)
            : null;
    }

    private RelaxNgSchema Compile(string name, string path)
    {
        var started = _options.TimeProvider.GetTimestamp();
        try
        {
            var schema = RelaxNgSchema.Load(path);
            var elapsed = _options.TimeProvider.GetElapsedTime(started).TotalMilliseconds;
            Log.Compiled(_options.Logger, name, schema.Files.Count, elapsed);
            return schema;
        }
        catch (RelaxNgSchemaException e)
        {
            Log.Failed(_options.Logger, name, e);
            throw;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 6001, Level = LogLevel.Debug, Message = "Compiled schema {Schema} from {Files} files in {Milliseconds:F1} ms")]
        public static partial void Compiled(ILogger logger, string schema, int files, double milliseconds);

        [LoggerMessage(EventId = 6002, Level = LogLevel.Error, Message = "Schema {Schema} cannot be loaded")]
        public static partial void Failed(ILogger logger, string schema, Exception exception);
    }
}

/// <summary>A schema name that the schema directory does not have (or a CIB without <c>validate-with</c>).</summary>
public sealed class CibSchemaNotFoundException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CibSchemaNotFoundException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public CibSchemaNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public CibSchemaNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a schema name missing from a directory.</summary>
    public CibSchemaNotFoundException(string schemaName, string directory)
        : base(schemaName.Length == 0 ? "the document has no validate-with attribute and no schema was given" : $"unknown schema '{schemaName}' (not in {directory})")
    {
        SchemaName = schemaName;
    }

    /// <summary>The name asked for ("" when the document named none).</summary>
    public string SchemaName { get; } = "";
}
