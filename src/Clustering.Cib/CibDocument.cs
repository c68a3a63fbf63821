using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Clustering.Cib;

/// <summary>
/// A CIB as Pacemaker keeps it: one XML document whose root is <c>&lt;cib&gt;</c>. The XML is the source of truth;
/// this type loads it with hardened settings (no DTD, no external resolution, limits on size, depth and attributes,
/// line information kept), exposes the root attributes Pacemaker's tools rely on, and saves it back.
/// </summary>
public sealed class CibDocument
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    private CibDocument(XDocument document) => Document = document;

    /// <summary>The XML tree, with line information when it was loaded from text.</summary>
    public XDocument Document { get; }

    /// <summary>The root element (<c>cib</c> for a CIB; any name for fragments loaded with this type).</summary>
    public XElement Root => Document.Root!;

    /// <summary>The <c>validate-with</c> attribute of the root: a schema name such as <c>pacemaker-1.2</c>, <c>none</c>, or <see langword="null"/> when absent.</summary>
    public string? ValidateWith => (string?)Root.Attribute("validate-with");

    /// <summary>The root's <c>admin_epoch</c>, or <see langword="null"/> when absent or not a number.</summary>
    public long? AdminEpoch => Counter("admin_epoch");

    /// <summary>The root's <c>epoch</c>, or <see langword="null"/> when absent or not a number.</summary>
    public long? Epoch => Counter("epoch");

    /// <summary>The root's <c>num_updates</c>, or <see langword="null"/> when absent or not a number.</summary>
    public long? NumUpdates => Counter("num_updates");

    /// <summary>Wraps an existing tree (not copied). Its root must exist.</summary>
    /// <exception cref="ArgumentException">The document has no root element.</exception>
    public static CibDocument FromXDocument(XDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (document.Root is null)
        {
            throw new ArgumentException("the document has no root element", nameof(document));
        }

        return new CibDocument(document);
    }

    /// <summary>Loads a CIB from a file.</summary>
    /// <exception cref="CibLoadException">The file is not a well-formed, acceptable document.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static CibDocument Load(string path) => Load(path, null);

    /// <summary>Loads with the given limits (<see cref="CibLoadOptions.Default"/> when <see langword="null"/>).</summary>
    /// <exception cref="CibLoadException">The content is not a well-formed, acceptable document.</exception>
    public static CibDocument Load(string path, CibLoadOptions? options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.SequentialScan);
        return Load(stream, options);
    }

    /// <summary>Loads a CIB from a stream (the encoding is detected from the bytes, UTF-8 by default). The stream is not closed.</summary>
    /// <exception cref="CibLoadException">The content is not a well-formed, acceptable document.</exception>
    public static CibDocument Load(Stream stream) => Load(stream, null);

    /// <summary>Loads with the given limits (<see cref="CibLoadOptions.Default"/> when <see langword="null"/>).</summary>
    /// <exception cref="CibLoadException">The content is not a well-formed, acceptable document.</exception>
    public static CibDocument Load(Stream stream, CibLoadOptions? options)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= CibLoadOptions.Default;
        options.Check();
        return Read(() => XmlReader.Create(stream, Settings(options)), options);
    }

    /// <summary>Loads a CIB from a text reader. The reader is not closed.</summary>
    /// <exception cref="CibLoadException">The content is not a well-formed, acceptable document.</exception>
    public static CibDocument Load(TextReader textReader) => Load(textReader, null);

    /// <summary>Loads with the given limits (<see cref="CibLoadOptions.Default"/> when <see langword="null"/>).</summary>
    /// <exception cref="CibLoadException">The content is not a well-formed, acceptable document.</exception>
    public static CibDocument Load(TextReader textReader, CibLoadOptions? options)
    {
        ArgumentNullException.ThrowIfNull(textReader);
        options ??= CibLoadOptions.Default;
        options.Check();
        return Read(() => XmlReader.Create(textReader, Settings(options)), options);
    }

    /// <summary>Parses a CIB held in a string.</summary>
    /// <exception cref="CibLoadException">The text is not a well-formed, acceptable document.</exception>
    public static CibDocument Parse(string xml) => Parse(xml, null);

    /// <summary>Parses with the given limits (<see cref="CibLoadOptions.Default"/> when <see langword="null"/>).</summary>
    /// <exception cref="CibLoadException">The text is not a well-formed, acceptable document.</exception>
    public static CibDocument Parse(string xml, CibLoadOptions? options)
    {
        ArgumentNullException.ThrowIfNull(xml);
        using var reader = new StringReader(xml);
        return Load(reader, options);
    }

    /// <summary>Writes the document as UTF-8 without a byte order mark. The stream is not closed.</summary>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = XmlWriter.Create(stream, WriterSettings(true, Utf8NoBom));
        Document.Save(writer);
    }

    /// <summary>Writes the document to a text writer, which is not closed.</summary>
    public void Save(TextWriter textWriter)
    {
        ArgumentNullException.ThrowIfNull(textWriter);
        using var writer = XmlWriter.Create(textWriter, WriterSettings(true, textWriter.Encoding));
        Document.Save(writer);
    }

    /// <summary>Writes the document to a file, replacing it atomically (written beside it, then renamed).</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                Save(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>The document as XML text, without declaration.</summary>
    public string ToXmlString() => ToXmlString(true);

    /// <summary>The document as XML text, without declaration, indented or not.</summary>
    public string ToXmlString(bool indent)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        using (var xml = XmlWriter.Create(writer, WriterSettings(indent, Utf8NoBom, omitDeclaration: true)))
        {
            Document.Root!.Save(xml);
        }

        return writer.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => ToXmlString();

    internal static XmlReaderSettings Settings(CibLoadOptions options) => new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = options.MaxCharactersInDocument,
        MaxCharactersFromEntities = 1024,
        IgnoreComments = false,
        IgnoreProcessingInstructions = false,
        IgnoreWhitespace = !options.PreserveWhitespace,
        CloseInput = false,
    };

    /// <summary>A hardened reader over a stream: the settings above plus the depth and attribute limits.</summary>
    internal static LimitingXmlReader OpenReader(Stream stream, CibLoadOptions options)
    {
        options.Check();
        return new LimitingXmlReader(XmlReader.Create(stream, Settings(options)), options.MaxDepth, options.MaxAttributesPerElement);
    }

    /// <summary>The typed error for what a hardened reader refused, with the best line information there is.</summary>
    internal static CibLoadException LoadError(Exception e, LimitingXmlReader? reader)
    {
        if (e is not XmlException xml)
        {
            return new CibLoadException(e.Message, reader?.LineNumber ?? 0, reader?.LinePosition ?? 0, e);
        }

        var reason = xml.Message;
        var cut = reason.IndexOf(" Line ", StringComparison.Ordinal);
        if (cut > 0)
        {
            reason = reason[..cut];
        }

        var line = xml.LineNumber;
        var column = xml.LinePosition;
        if (line == 0 && reader is not null)
        {
            line = reader.LineNumber;
            column = reader.LinePosition;
        }

        return new CibLoadException(reason, line, column, xml);
    }

    private static CibDocument Read(Func<XmlReader> open, CibLoadOptions options)
    {
        LimitingXmlReader? limited = null;
        XDocument document;
        try
        {
            limited = new LimitingXmlReader(open(), options.MaxDepth, options.MaxAttributesPerElement);
            var loadOptions = LoadOptions.SetLineInfo | (options.PreserveWhitespace ? LoadOptions.PreserveWhitespace : LoadOptions.None);
            document = XDocument.Load(limited, loadOptions);
        }
        catch (Exception e) when (e is XmlException or InvalidOperationException)
        {
            throw LoadError(e, limited);
        }
        finally
        {
            limited?.Dispose();
        }

        if (document.Root is null)
        {
            throw new CibLoadException("the document has no root element", 0, 0);
        }

        return new CibDocument(document);
    }

    private static XmlWriterSettings WriterSettings(bool indent, Encoding encoding, bool omitDeclaration = false) => new()
    {
        Indent = indent,
        IndentChars = "  ",
        Encoding = encoding,
        OmitXmlDeclaration = omitDeclaration,
        CloseOutput = false,
        NewLineHandling = NewLineHandling.Replace,
    };

    private long? Counter(string name)
        => long.TryParse((string?)Root.Attribute(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
}
