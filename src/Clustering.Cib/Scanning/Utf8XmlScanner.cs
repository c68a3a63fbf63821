using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Clustering.Cib.Scanning;

/// <summary>
/// A pull scanner over a whole UTF-8 document in memory, for the validation fast path: it reports what a hardened
/// <see cref="XmlReader"/> (<see cref="CibDocument"/>'s settings: no DTD, comments and processing instructions
/// ignored, whitespace-only text ignored unless kept) reports for elements, end tags and text, with the same names,
/// values and 1-based line and position, and atomised names.
/// <para>
/// It may only ever accept what <see cref="XmlReader"/> accepts: anything it does not handle (a DOCTYPE, another
/// encoding, XML 1.1, <c>xml:</c> attributes, non-ASCII names, a character it is unsure of) or finds wrong (any
/// well-formedness error, a broken limit of <see cref="CibLoadOptions"/>) makes it throw
/// <see cref="XmlScanGaveUpException"/>, and the caller reads the same bytes again with <see cref="XmlReader"/>,
/// which gives users the errors they get today.
/// </para>
/// </summary>
internal sealed partial class Utf8XmlScanner
{
    private const string XmlNamespace = "http://www.w3.org/XML/1998/namespace";
    private const string XmlnsNamespace = "http://www.w3.org/2000/xmlns/";

    /// <summary>Bytes that end the plain run of a text node: markup, references, line ends, ']' (of "]]&gt;"), controls, non-ASCII.</summary>
    private static readonly SearchValues<byte> TextSpecials = SearchValues.Create(Specials("<&]"));

    /// <summary>The same for an attribute value in double quotes.</summary>
    private static readonly SearchValues<byte> DoubleQuotedSpecials = SearchValues.Create(Specials("\t\"<&"));

    /// <summary>The same for an attribute value in single quotes.</summary>
    private static readonly SearchValues<byte> SingleQuotedSpecials = SearchValues.Create(Specials("\t'<&"));

    /// <summary>The ASCII name characters other than the colon: letters, digits, '-', '.', '_'.</summary>
    private static readonly SearchValues<byte> NameBytes = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._"u8);

    /// <summary>The bytes of a plain attribute value: printable ASCII other than quotes, '&amp;' and '&lt;'.</summary>
    private static readonly SearchValues<byte> PlainValueBytes = SearchValues.Create(PlainValue());

    /// <summary>Bytes of comments, CDATA sections and processing instructions that need a look: line ends, controls, non-ASCII.</summary>
    private static readonly SearchValues<byte> CharSpecials = SearchValues.Create(Specials(""));

    private readonly byte[] _data;
    private readonly int _end;
    private readonly bool _ignoreWhitespace;
    private readonly int _maxDepth;
    private readonly int _maxAttributes;
    private readonly XmlScanNameTable _names = new();
    private readonly Dictionary<string, string> _namespaces = new(StringComparer.Ordinal);

    private int _pos;
    private int _line = 1;
    private int _lineStart;

    /// <summary>UTF-8 bytes on the current line beyond the UTF-16 characters they decode to (positions count characters).</summary>
    private int _extra;

    private bool _started;
    private bool _rootSeen;
    private bool _popPending;
    private int _depth;
    private XmlScanName[] _open = new XmlScanName[16];
    private int[] _openBindings = new int[16];
    private (string Prefix, string Uri)[] _bindings = new (string, string)[8];
    private int _bindingCount;
    private char[] _chars = new char[256];
    private readonly string?[] _values = new string?[2048];
    private int _charCount;

    /// <summary>The name of the last start tag (which remembers the name of the start tag after it, as a guess for the next time).</summary>
    private XmlScanName? _lastStart;

    private XmlScanAttribute[] _attributes = new XmlScanAttribute[8];
    private int _attributeCount;
    private XmlScanName?[] _rawAttributeNames = new XmlScanName?[8];

    /// <summary>Scans <paramref name="length"/> bytes of <paramref name="data"/> with the limits of <paramref name="options"/>.</summary>
    public Utf8XmlScanner(byte[] data, int length, CibLoadOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)length, (uint)data.Length, nameof(length));
        _data = data;
        _end = length;
        _ignoreWhitespace = !options.PreserveWhitespace;
        _maxDepth = options.MaxDepth;
        _maxAttributes = options.MaxAttributesPerElement;
        if (options.MaxCharactersInDocument > 0 && length > options.MaxCharactersInDocument)
        {
            // UTF-8 never has fewer bytes than UTF-16 characters: within the limit in bytes is within it in characters.
            throw new XmlScanGaveUpException("the document may be over the size limit");
        }
    }

    /// <summary>The document's bytes (plain attribute values are ranges of them).</summary>
    public byte[] Data => _data;

    /// <summary>The current node: Element, EndElement, Text, CDATA, Whitespace, or None before the start and at the end.</summary>
    public XmlNodeType NodeType { get; private set; }

    /// <summary>The current element's (or end tag's) expanded name.</summary>
    public XName Name { get; private set; } = XName.Get("none");

    /// <summary>The current element's prefix ("" for none).</summary>
    public string Prefix { get; private set; } = "";

    /// <summary>The current element's local name.</summary>
    public string LocalName => Name.LocalName;

    /// <summary>The current element's namespace ("" for none).</summary>
    public string NamespaceUri => Name.NamespaceName;

    /// <summary>Whether the current element is written <c>&lt;a/&gt;</c>.</summary>
    public bool IsEmptyElement { get; private set; }

    /// <summary>The current text's value (references expanded, line ends normalised).</summary>
    public string Value { get; private set; } = "";

    /// <summary>The current node's line (1-based), as <see cref="IXmlLineInfo.LineNumber"/>.</summary>
    public int LineNumber { get; private set; }

    /// <summary>The current node's position on its line (1-based, of the name for tags), as <see cref="IXmlLineInfo.LinePosition"/>.</summary>
    public int LinePosition { get; private set; }

    /// <summary>The depth of the current node, as <see cref="XmlReader.Depth"/> (the root element is 0).</summary>
    public int Depth => NodeType is XmlNodeType.Element or XmlNodeType.EndElement ? _depth - 1 : _depth;

    /// <summary>The current element's attributes, namespace declarations included, in document order.</summary>
    public ReadOnlySpan<XmlScanAttribute> Attributes => _attributes.AsSpan(0, _attributeCount);

    /// <summary>The normalised value of one of the current element's attributes (a plain value is made into a string on each call).</summary>
    public string ValueOf(in XmlScanAttribute attribute)
        => attribute.Stored ?? Encoding.Latin1.GetString(_data, attribute.ValueStart, attribute.ValueLength);

    /// <summary>The value of the current element's attribute without namespace called <paramref name="localName"/>, or <see langword="null"/>.</summary>
    public string? GetAttribute(string localName)
    {
        foreach (ref readonly var attribute in Attributes)
        {
            if (attribute.Prefix.Length == 0 && attribute.Name.LocalName == localName && !attribute.IsNamespaceDeclaration)
            {
                return ValueOf(attribute);
            }
        }

        return null;
    }

    /// <summary>Moves to the root element (past the XML declaration, comments, processing instructions and whitespace).</summary>
    public void MoveToContent()
    {
        if (NodeType == XmlNodeType.Element)
        {
            return;
        }

        if (!Read() || NodeType != XmlNodeType.Element)
        {
            throw new XmlScanGaveUpException("no root element");
        }
    }

    /// <summary>Skips the current element and its content (as <see cref="XmlReader.Skip"/>), or reads on from any other node.</summary>
    public void Skip()
    {
        if (NodeType != XmlNodeType.Element || IsEmptyElement)
        {
            Read();
            return;
        }

        var depth = _depth;
        while (Read())
        {
            if (NodeType == XmlNodeType.EndElement && _depth == depth)
            {
                Read();
                return;
            }
        }
    }

    /// <summary>Reads to the end of the document, checking the rest is well-formed.</summary>
    public void ReadToEnd()
    {
        while (Read())
        {
            // Every node is checked as it is read.
        }
    }

    /// <summary>Reads the next node; <see langword="false"/> at the end of a complete document.</summary>
    /// <exception cref="XmlScanGaveUpException">The scanner gives up here; read the document with <see cref="XmlReader"/>.</exception>
    public bool Read()
    {
        if (!_started)
        {
            Start();
        }

        if (_popPending)
        {
            Pop();
        }

        while (true)
        {
            if (_pos >= _end)
            {
                if (_depth > 0 || !_rootSeen)
                {
                    throw new XmlScanGaveUpException("unexpected end of the document");
                }

                NodeType = XmlNodeType.None;
                return false;
            }

            if (_data[_pos] == '<')
            {
                var next = At(_pos + 1);
                if (next == '/')
                {
                    EndTag();
                    return true;
                }

                if (next == '?')
                {
                    ProcessingInstruction();
                    continue;
                }

                if (next == '!')
                {
                    if (StartsWith(_pos, "<!--"u8))
                    {
                        Comment();
                        continue;
                    }

                    if (_depth > 0 && StartsWith(_pos, "<![CDATA["u8))
                    {
                        CData();
                        return true;
                    }

                    throw new XmlScanGaveUpException("DOCTYPE or another declaration");
                }

                if (_rootSeen && _depth == 0)
                {
                    throw new XmlScanGaveUpException("a second root element");
                }

                StartTag();
                return true;
            }

            if (_depth == 0)
            {
                if (!SkipWhitespace() || (_pos < _end && _data[_pos] != '<'))
                {
                    throw new XmlScanGaveUpException("text outside the root element");
                }

                continue;
            }

            if (Text())
            {
                return true;
            }
        }
    }

    private static byte[] Specials(string extra)
    {
        var bytes = new List<byte>();
        for (var b = 0; b < 0x20; b++)
        {
            if (b != '\t')
            {
                bytes.Add((byte)b);
            }
        }

        for (var b = 0x7F; b <= 0xFF; b++)
        {
            bytes.Add((byte)b);
        }

        foreach (var c in extra)
        {
            bytes.Add((byte)c);
        }

        return [.. bytes.Distinct()];
    }

    private static byte[] PlainValue()
    {
        var bytes = new List<byte>();
        for (var b = 0x20; b < 0x7F; b++)
        {
            if (b is not ('"' or '\'' or '&' or '<'))
            {
                bytes.Add((byte)b);
            }
        }

        return [.. bytes];
    }

    private static bool IsWhitespaceByte(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte At(int index) => (uint)index < (uint)_end ? _data[index] : (byte)0;

    private bool StartsWith(int index, ReadOnlySpan<byte> text)
        => index <= _end - text.Length && _data.AsSpan(index, text.Length).SequenceEqual(text);

    private int Column(int index) => index - _lineStart - _extra + 1;

    private void MarkNode(int index)
    {
        LineNumber = _line;
        LinePosition = Column(index);
    }

    /// <summary>Counts the line end at <paramref name="index"/> (CR, LF or CR LF) and returns the index after it.</summary>
    private int NewLine(int index)
    {
        if (_data[index] == '\r' && At(index + 1) == '\n')
        {
            index++;
        }

        _line++;
        _lineStart = index + 1;
        _extra = 0;
        return index + 1;
    }

    /// <summary>Skips XML whitespace, counting lines; whether there was any.</summary>
    private bool SkipWhitespace()
    {
        var start = _pos;
        if (start + 1 < _end && _data[start] == ' ' && _data[start + 1] > ' ')
        {
            _pos = start + 1;
            return true;
        }

        while (_pos < _end)
        {
            var b = _data[_pos];
            if (b is (byte)' ' or (byte)'\t')
            {
                var run = _data.AsSpan(_pos, _end - _pos).IndexOfAnyExcept((byte)' ', (byte)'\t');
                _pos = run < 0 ? _end : _pos + run;
            }
            else if (b is (byte)'\n' or (byte)'\r')
            {
                _pos = NewLine(_pos);
            }
            else
            {
                break;
            }
        }

        return _pos != start;
    }

    private void Expect(byte b)
    {
        if (At(_pos) != b)
        {
            throw new XmlScanGaveUpException($"'{(char)b}' expected");
        }

        _pos++;
    }

    private void Expect(ReadOnlySpan<byte> text)
    {
        if (!StartsWith(_pos, text))
        {
            throw new XmlScanGaveUpException($"'{Encoding.ASCII.GetString(text)}' expected");
        }

        _pos += text.Length;
    }
}

/// <summary>One attribute of the scanned start tag (its value: <see cref="Utf8XmlScanner.ValueOf"/>).</summary>
/// <param name="Name">The expanded name (namespace declarations are in the <c>xmlns</c> namespace, as XmlReader has them).</param>
/// <param name="Prefix">The prefix ("" for none).</param>
/// <param name="IsNamespaceDeclaration">Whether this is <c>xmlns</c> or <c>xmlns:p</c>.</param>
/// <param name="Line">The line of the name.</param>
/// <param name="Position">The position of the name.</param>
/// <param name="Stored">The value when it had to be built (references, line ends, non-ASCII); <see langword="null"/> when it is the plain ASCII bytes at <paramref name="ValueStart"/>.</param>
/// <param name="ValueStart">Where a plain value's bytes start in the scanned document (<see cref="Utf8XmlScanner.Data"/>).</param>
/// <param name="ValueLength">How many bytes a plain value has.</param>
internal readonly record struct XmlScanAttribute(XName Name, string Prefix, string? Stored, int ValueStart, int ValueLength, bool IsNamespaceDeclaration, int Line, int Position);
