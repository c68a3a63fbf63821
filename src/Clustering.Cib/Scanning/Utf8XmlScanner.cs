using System.Buffers;
using System.Buffers.Binary;
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
internal sealed class Utf8XmlScanner
{
    private const string XmlNamespace = "http://www.w3.org/XML/1998/namespace";
    private const string XmlnsNamespace = "http://www.w3.org/2000/xmlns/";

    /// <summary>Bytes that end the plain run of a text node: markup, references, line ends, ']' (of "]]&gt;"), controls, non-ASCII.</summary>
    private static readonly SearchValues<byte> TextSpecials = SearchValues.Create(Specials("<&]"));

    /// <summary>The same for an attribute value in double quotes.</summary>
    private static readonly SearchValues<byte> DoubleQuotedSpecials = SearchValues.Create(Specials("\t\"<&"));

    /// <summary>The same for an attribute value in single quotes.</summary>
    private static readonly SearchValues<byte> SingleQuotedSpecials = SearchValues.Create(Specials("\t'<&"));

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
    private readonly string?[] _values = new string?[1024];
    private int _charCount;

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

    /// <summary>The value of the current element's attribute without namespace called <paramref name="localName"/>, or <see langword="null"/>.</summary>
    public string? GetAttribute(string localName)
    {
        foreach (ref readonly var attribute in Attributes)
        {
            if (attribute.Prefix.Length == 0 && attribute.Name.LocalName == localName && !attribute.IsNamespaceDeclaration)
            {
                return attribute.Value;
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

    private void Start()
    {
        _started = true;
        if (StartsWith(0, [0xEF, 0xBB, 0xBF]))
        {
            _pos = 3;
            _lineStart = 3;
        }

        if (StartsWith(_pos, "<?xml"u8) && IsWhitespaceByte(At(_pos + 5)))
        {
            Declaration();
        }
    }

    /// <summary>The XML declaration: version 1.0, encoding UTF-8 or none, standalone yes/no, in this order.</summary>
    private void Declaration()
    {
        _pos += 5;
        SkipWhitespace();
        Expect("version"u8);
        if (PseudoAttribute() != "1.0")
        {
            throw new XmlScanGaveUpException("not XML 1.0");
        }

        var space = SkipWhitespace();
        if (space && StartsWith(_pos, "encoding"u8))
        {
            _pos += "encoding".Length;
            if (!string.Equals(PseudoAttribute(), "utf-8", StringComparison.OrdinalIgnoreCase))
            {
                throw new XmlScanGaveUpException("an encoding other than UTF-8");
            }

            space = SkipWhitespace();
        }

        if (space && StartsWith(_pos, "standalone"u8))
        {
            _pos += "standalone".Length;
            if (PseudoAttribute() is not ("yes" or "no"))
            {
                throw new XmlScanGaveUpException("standalone is neither yes nor no");
            }

            SkipWhitespace();
        }

        Expect("?>"u8);
    }

    private string PseudoAttribute()
    {
        SkipWhitespace();
        Expect((byte)'=');
        SkipWhitespace();
        var quote = At(_pos);
        if (quote is not ((byte)'"' or (byte)'\''))
        {
            throw new XmlScanGaveUpException("quote expected");
        }

        var start = ++_pos;
        while (_pos < _end && _data[_pos] != quote)
        {
            var b = _data[_pos];
            if (!(char.IsAsciiLetterOrDigit((char)b) || b is (byte)'.' or (byte)'-' or (byte)'_'))
            {
                throw new XmlScanGaveUpException("unexpected character in the XML declaration");
            }

            _pos++;
        }

        Expect(quote);
        return Encoding.ASCII.GetString(_data, start, _pos - 1 - start);
    }

    /// <summary>An ASCII name (a QName: at most one colon, not first or last) at the current index, atomised.</summary>
    private XmlScanName ScanName()
    {
        // A scalar loop over a class table: names are short, where a vectorised search costs more to set up.
        var start = _pos;
        var rest = _data.AsSpan(start, _end - start);
        var classes = NameClasses;
        var colon = -1;
        var i = 0;
        for (; i < rest.Length; i++)
        {
            var kind = classes[rest[i]];
            if (kind == NameColon)
            {
                if (colon >= 0)
                {
                    throw new XmlScanGaveUpException("not a qualified name");
                }

                colon = i;
            }
            else if (kind == 0)
            {
                break;
            }
        }

        if (i < rest.Length && rest[i] >= 0x80)
        {
            throw new XmlScanGaveUpException("a name not in ASCII");
        }

        var name = rest[..i];
        if (i == 0 || classes[name[0]] != NameStart || (colon >= 0 && (colon == i - 1 || classes[name[colon + 1]] != NameStart)))
        {
            throw new XmlScanGaveUpException("a name is expected, or not a qualified name");
        }

        _pos = start + i;
        return _names.Get(name, colon, (int)QuickHash(name) & int.MaxValue);
    }

    /// <summary>
    /// A hash of a short byte string from its length and its first and last eight bytes (all of it up to 16 bytes):
    /// constant work, no per-byte dependency chain. Equal strings hash equal; the table compares bytes anyway.
    /// </summary>
    internal static uint QuickHash(ReadOnlySpan<byte> bytes)
    {
        ulong a;
        ulong b;
        var length = bytes.Length;
        if (length >= 8)
        {
            a = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            b = BinaryPrimitives.ReadUInt64LittleEndian(bytes[^8..]);
        }
        else if (length >= 4)
        {
            a = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
            b = BinaryPrimitives.ReadUInt32LittleEndian(bytes[^4..]);
        }
        else
        {
            a = length == 0 ? 0 : bytes[0] | ((ulong)bytes[length / 2] << 8) | ((ulong)bytes[length - 1] << 16);
            b = 0;
        }

        var h = (a * 0x9E3779B97F4A7C15UL) ^ ((b + (ulong)length) * 0xC2B2AE3D27D4EB4FUL);
        h ^= h >> 29;
        return (uint)(h >> 32) ^ (uint)h;
    }

    /// <summary>Printable ASCII other than quotes, '&amp;' and '&lt;': 1, everything else 0.</summary>
    private static ReadOnlySpan<byte> PlainValueBytes =>
    [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        1, 1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];

    private const byte NameStart = 1;
    private const byte NamePart = 2;
    private const byte NameColon = 3;

    /// <summary>
    /// The ASCII name characters by byte: letters and '_' start a name, digits, '-' and '.' continue it, ':' separates
    /// a prefix; everything else (non-ASCII included, which makes the scanner give up) ends it.
    /// </summary>
    private static ReadOnlySpan<byte> NameClasses =>
    [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 0,
        2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 0, 0, 0, 0, 0,
        0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1,
        0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];

    private void StartTag()
    {
        _pos++;
        MarkNode(_pos);
        var line = LineNumber;
        var position = LinePosition;
        var name = ScanName();
        _attributeCount = 0;
        var qualified = false;
        bool empty;
        while (true)
        {
            var space = SkipWhitespace();
            var b = At(_pos);
            if (b == '>')
            {
                _pos++;
                empty = false;
                break;
            }

            if (b == '/')
            {
                _pos++;
                Expect((byte)'>');
                empty = true;
                break;
            }

            if (!space)
            {
                throw new XmlScanGaveUpException("whitespace expected before an attribute");
            }

            var attributeLine = _line;
            var attributePosition = Column(_pos);
            var attributeName = ScanName();
            SkipWhitespace();
            Expect((byte)'=');
            SkipWhitespace();
            var value = AttributeValue();
            if (_attributeCount == _attributes.Length)
            {
                Array.Resize(ref _attributes, _attributes.Length * 2);
                Array.Resize(ref _rawAttributeNames, _attributes.Length);
            }

            // A plain name resolves at once (no declaration can change it) and is a duplicate only of the same
            // plain name; prefixed names and declarations are resolved and checked below, once all are known.
            XName? plainName = null;
            if (attributeName.Prefix.Length == 0 && !attributeName.IsNamespaceDeclaration)
            {
                plainName = attributeName.In("");
                for (var j = 0; j < _attributeCount; j++)
                {
                    if (ReferenceEquals(_rawAttributeNames[j], attributeName))
                    {
                        throw new XmlScanGaveUpException("a duplicate attribute");
                    }
                }
            }
            else
            {
                qualified = true;
            }

            _rawAttributeNames[_attributeCount] = attributeName;
            _attributes[_attributeCount++] = new XmlScanAttribute(plainName!, attributeName.Prefix, value, attributeName.IsNamespaceDeclaration, attributeLine, attributePosition);
            if (_attributeCount > _maxAttributes)
            {
                throw new XmlScanGaveUpException("over the attribute limit");
            }
        }

        if (_depth + 1 > _maxDepth)
        {
            throw new XmlScanGaveUpException("over the depth limit");
        }

        Push(name);
        if (qualified)
        {
            ResolveQualifiedAttributes();
        }

        Name = name.In(Lookup(name.Prefix));
        Prefix = name.Prefix;
        NodeType = XmlNodeType.Element;
        LineNumber = line;
        LinePosition = position;
        IsEmptyElement = empty;
        _rootSeen = true;
        _popPending = empty;
    }

    /// <summary>Declares the start tag's namespaces, then resolves and checks its attributes by expanded name.</summary>
    private void ResolveQualifiedAttributes()
    {
        var declarations = false;
        for (var i = 0; i < _attributeCount; i++)
        {
            if (_rawAttributeNames[i]!.IsNamespaceDeclaration)
            {
                Declare(_rawAttributeNames[i]!, _attributes[i].Value);
                declarations = true;
            }
        }

        var xmlnsNames = declarations ? XNamespace.Xmlns : null;
        for (var i = 0; i < _attributeCount; i++)
        {
            var raw = _rawAttributeNames[i]!;
            XName resolved;
            if (raw.IsNamespaceDeclaration)
            {
                resolved = raw.Prefix.Length == 0 ? XName.Get("xmlns", XmlnsNamespace) : xmlnsNames!.GetName(raw.LocalName);
            }
            else
            {
                resolved = raw.In(raw.Prefix.Length == 0 ? "" : Lookup(raw.Prefix));
            }

            ref var attribute = ref _attributes[i];
            attribute = attribute with { Name = resolved };
            for (var j = 0; j < i; j++)
            {
                if (ReferenceEquals(_rawAttributeNames[j], raw) || _attributes[j].Name == resolved)
                {
                    throw new XmlScanGaveUpException("a duplicate attribute");
                }
            }
        }
    }

    private void Push(XmlScanName name)
    {
        if (_depth == _open.Length)
        {
            Array.Resize(ref _open, _depth * 2);
            Array.Resize(ref _openBindings, _depth * 2);
        }

        _open[_depth] = name;
        _openBindings[_depth] = _bindingCount;
        _depth++;
    }

    private void Pop()
    {
        _popPending = false;
        _depth--;
        _bindingCount = _openBindings[_depth];
    }

    private void Declare(XmlScanName raw, string uri)
    {
        var prefix = raw.Prefix.Length == 0 ? "" : raw.LocalName;
        if (prefix.StartsWith("xml", StringComparison.OrdinalIgnoreCase) || uri is XmlNamespace or XmlnsNamespace || (prefix.Length != 0 && uri.Length == 0))
        {
            throw new XmlScanGaveUpException("a reserved or empty namespace declaration");
        }

        if (!_namespaces.TryGetValue(uri, out var atom))
        {
            _namespaces[uri] = atom = uri;
        }

        if (_bindingCount == _bindings.Length)
        {
            Array.Resize(ref _bindings, _bindingCount * 2);
        }

        _bindings[_bindingCount++] = (prefix, atom);
    }

    private string Lookup(string prefix)
    {
        for (var i = _bindingCount - 1; i >= 0; i--)
        {
            if (_bindings[i].Prefix == prefix)
            {
                return _bindings[i].Uri;
            }
        }

        if (prefix.Length == 0)
        {
            return "";
        }

        // Unbound prefixes, and xml: and xmlns: names, are left to XmlReader.
        throw new XmlScanGaveUpException($"prefix '{prefix}' is not declared here");
    }

    private void EndTag()
    {
        if (_depth == 0)
        {
            throw new XmlScanGaveUpException("an end tag without a start tag");
        }

        _pos += 2;
        MarkNode(_pos);
        var open = _open[_depth - 1];
        if (!StartsWith(_pos, open.Bytes))
        {
            throw new XmlScanGaveUpException("the end tag does not match");
        }

        _pos += open.Bytes.Length;
        SkipWhitespace();
        Expect((byte)'>');
        Name = open.In(Lookup(open.Prefix));
        Prefix = open.Prefix;
        NodeType = XmlNodeType.EndElement;
        IsEmptyElement = false;
        _popPending = true;
    }

    private string AttributeValue()
    {
        var quote = At(_pos);
        if (quote is not ((byte)'"' or (byte)'\''))
        {
            throw new XmlScanGaveUpException("a quoted attribute value is expected");
        }

        var start = ++_pos;
        var specials = quote == '"' ? DoubleQuotedSpecials : SingleQuotedSpecials;

        // Most values are short and plain: a scalar loop finds their end before a vectorised search would start.
        var rest = _data.AsSpan(start, _end - start);
        var plain = PlainValueBytes;
        var run = 0;
        while (run < rest.Length && plain[rest[run]] != 0)
        {
            run++;
        }

        if (run < rest.Length && rest[run] == quote)
        {
            _pos = start + run + 1;
            return AsciiValue(start, run);
        }

        run = rest.IndexOfAny(specials);
        if (run < 0)
        {
            throw new XmlScanGaveUpException("unexpected end in an attribute value");
        }

        _charCount = 0;
        while (true)
        {
            run = _data.AsSpan(_pos, _end - _pos).IndexOfAny(specials);
            if (run < 0)
            {
                throw new XmlScanGaveUpException("unexpected end in an attribute value");
            }

            AppendAscii(_pos, run);
            _pos += run;
            var b = _data[_pos];
            if (b == quote)
            {
                _pos++;
                return new string(_chars, 0, _charCount);
            }

            switch (b)
            {
                case (byte)'&':
                    Reference(out _);
                    break;
                case (byte)'\t':
                    Append(' ');
                    _pos++;
                    break;
                case (byte)'\n' or (byte)'\r':
                    Append(' ');
                    _pos = NewLine(_pos);
                    break;
                case (byte)'"' or (byte)'\'':
                    Append((char)b);
                    _pos++;
                    break;
                case >= 0x80:
                    NonAscii();
                    break;
                default:
                    // '<', controls and DEL.
                    throw new XmlScanGaveUpException("a character not allowed in an attribute value");
            }
        }
    }

    /// <summary>
    /// A plain ASCII value: short ones come from a small direct-mapped cache of the values met so far (a CIB repeats
    /// "true", "0", "Started", "monitor" thousands of times), so most cost a hash and a comparison, not a string.
    /// </summary>
    private string AsciiValue(int start, int length)
    {
        if (length == 0)
        {
            return "";
        }

        var bytes = _data.AsSpan(start, length);
        if (length > 24)
        {
            return Encoding.Latin1.GetString(bytes);
        }

        ref var slot = ref _values[QuickHash(bytes) & (uint)(_values.Length - 1)];
        if (slot is { } cached && cached.Length == length && Ascii.Equals(bytes, cached))
        {
            return cached;
        }

        return slot = Encoding.Latin1.GetString(bytes);
    }

    /// <summary>A text node. <see langword="false"/> when it was whitespace only and is ignored.</summary>
    private bool Text()
    {
        var start = _pos;
        var (line, lineStart, extra) = (_line, _lineStart, _extra);
        SkipWhitespace();
        if (_pos >= _end || _data[_pos] == '<')
        {
            if (_ignoreWhitespace)
            {
                return false;
            }

            LineNumber = line;
            LinePosition = start - lineStart - extra + 1;
            NodeType = XmlNodeType.Whitespace;
            Value = _pos == start ? "" : NormalisedWhitespace(start, _pos);
            return true;
        }

        LineNumber = line;
        LinePosition = start - lineStart - extra + 1;
        (_pos, _line, _lineStart, _extra) = (start, line, lineStart, extra);
        _charCount = 0;
        var nonWhitespace = false;
        var whitespaceReference = false;
        while (true)
        {
            var run = _data.AsSpan(_pos, _end - _pos).IndexOfAny(TextSpecials);
            if (run < 0)
            {
                throw new XmlScanGaveUpException("unexpected end in text");
            }

            if (run > 0)
            {
                nonWhitespace |= _data.AsSpan(_pos, run).ContainsAnyExcept((byte)' ', (byte)'\t');
                AppendAscii(_pos, run);
                _pos += run;
            }

            var b = _data[_pos];
            switch (b)
            {
                case (byte)'<':
                    if (!nonWhitespace && whitespaceReference)
                    {
                        // Whether XmlReader calls this text or whitespace is not worth guessing.
                        throw new XmlScanGaveUpException("whitespace from character references");
                    }

                    if (!nonWhitespace)
                    {
                        throw new XmlScanGaveUpException("whitespace text was not recognised as such");
                    }

                    NodeType = XmlNodeType.Text;
                    Value = new string(_chars, 0, _charCount);
                    return true;
                case (byte)'&':
                    Reference(out var c);
                    if (c is ' ' or '\t' or '\n' or '\r')
                    {
                        whitespaceReference = true;
                    }
                    else
                    {
                        nonWhitespace = true;
                    }

                    break;
                case (byte)'\n' or (byte)'\r':
                    Append('\n');
                    _pos = NewLine(_pos);
                    break;
                case (byte)']':
                    if (StartsWith(_pos, "]]>"u8))
                    {
                        throw new XmlScanGaveUpException("']]>' in text");
                    }

                    Append(']');
                    nonWhitespace = true;
                    _pos++;
                    break;
                case >= 0x80:
                    NonAscii();
                    nonWhitespace = true;
                    break;
                default:
                    throw new XmlScanGaveUpException("a character not allowed in text");
            }
        }
    }

    private string NormalisedWhitespace(int start, int end)
    {
        _charCount = 0;
        for (var i = start; i < end; i++)
        {
            var b = _data[i];
            if (b == '\r')
            {
                Append('\n');
                if (i + 1 < end && _data[i + 1] == '\n')
                {
                    i++;
                }
            }
            else
            {
                Append((char)b);
            }
        }

        return new string(_chars, 0, _charCount);
    }

    private void CData()
    {
        _pos += "<![CDATA[".Length;
        MarkNode(_pos);
        _charCount = 0;
        Chars("]]>"u8, keep: true);
        NodeType = XmlNodeType.CDATA;
        Value = new string(_chars, 0, _charCount);
    }

    private void Comment()
    {
        _pos += "<!--".Length;
        Chars("--"u8, keep: false);
        if (At(_pos) != '>')
        {
            throw new XmlScanGaveUpException("'--' in a comment");
        }

        _pos++;
    }

    private void ProcessingInstruction()
    {
        _pos += 2;
        var target = ScanName();
        if (target.Prefix.Length != 0 || target.QualifiedName.StartsWith("xml", StringComparison.OrdinalIgnoreCase))
        {
            throw new XmlScanGaveUpException("a reserved or qualified processing instruction target");
        }

        if (StartsWith(_pos, "?>"u8))
        {
            _pos += 2;
            return;
        }

        if (!SkipWhitespace())
        {
            throw new XmlScanGaveUpException("whitespace expected after the target");
        }

        Chars("?>"u8, keep: false);
    }

    /// <summary>
    /// Checks (and with <paramref name="keep"/> collects, line ends normalised) characters up to <paramref name="terminator"/>,
    /// leaving the index just past it.
    /// </summary>
    private void Chars(ReadOnlySpan<byte> terminator, bool keep)
    {
        var stop = _data.AsSpan(_pos, _end - _pos).IndexOf(terminator);
        if (stop < 0)
        {
            throw new XmlScanGaveUpException("unterminated section");
        }

        stop += _pos;
        while (true)
        {
            var run = _data.AsSpan(_pos, stop - _pos).IndexOfAny(CharSpecials);
            if (run < 0)
            {
                if (keep)
                {
                    AppendAscii(_pos, stop - _pos);
                }

                _pos = stop + terminator.Length;
                return;
            }

            if (keep)
            {
                AppendAscii(_pos, run);
            }

            _pos += run;
            var b = _data[_pos];
            if (b is (byte)'\n' or (byte)'\r')
            {
                if (keep)
                {
                    Append('\n');
                }

                _pos = NewLine(_pos);
            }
            else if (b >= 0x80)
            {
                var mark = _charCount;
                NonAscii();
                if (!keep)
                {
                    _charCount = mark;
                }
            }
            else
            {
                throw new XmlScanGaveUpException("a control character");
            }
        }
    }

    /// <summary>An entity or character reference at the index: appends its character and moves past it.</summary>
    private void Reference(out char single)
    {
        var start = _pos + 1;
        var semicolon = _data.AsSpan(start, Math.Min(_end - start, 12)).IndexOf((byte)';');
        if (semicolon <= 0)
        {
            throw new XmlScanGaveUpException("a bad reference");
        }

        var body = _data.AsSpan(start, semicolon);
        _pos = start + semicolon + 1;
        char c;
        if (body.SequenceEqual("lt"u8))
        {
            c = '<';
        }
        else if (body.SequenceEqual("gt"u8))
        {
            c = '>';
        }
        else if (body.SequenceEqual("amp"u8))
        {
            c = '&';
        }
        else if (body.SequenceEqual("quot"u8))
        {
            c = '"';
        }
        else if (body.SequenceEqual("apos"u8))
        {
            c = '\'';
        }
        else if (body[0] == '#')
        {
            var value = CharacterReference(body[1..]);
            if (value > 0xFFFF)
            {
                var rune = new Rune(value);
                Span<char> pair = stackalloc char[2];
                rune.EncodeToUtf16(pair);
                Append(pair[0]);
                Append(pair[1]);
                single = '\0';
                return;
            }

            c = (char)value;
        }
        else
        {
            throw new XmlScanGaveUpException("an entity reference other than the predefined five");
        }

        Append(c);
        single = c;
    }

    private static int CharacterReference(ReadOnlySpan<byte> digits)
    {
        var hex = digits.Length > 0 && digits[0] == 'x';
        if (hex)
        {
            digits = digits[1..];
        }

        if (digits.Length is 0 or > 7)
        {
            throw new XmlScanGaveUpException("a bad character reference");
        }

        var value = 0;
        foreach (var d in digits)
        {
            int digit;
            if (d is >= (byte)'0' and <= (byte)'9')
            {
                digit = d - '0';
            }
            else if (hex && d is >= (byte)'a' and <= (byte)'f')
            {
                digit = d - 'a' + 10;
            }
            else if (hex && d is >= (byte)'A' and <= (byte)'F')
            {
                digit = d - 'A' + 10;
            }
            else
            {
                throw new XmlScanGaveUpException("a bad character reference");
            }

            value = (value * (hex ? 16 : 10)) + digit;
        }

        if (!IsSafeChar(value) && value is not (0x9 or 0xA or 0xD))
        {
            throw new XmlScanGaveUpException("a character reference to a character not allowed or not handled");
        }

        return value;
    }

    /// <summary>
    /// The characters taken without doubt: the printable ASCII, and above it XML 1.0's ranges without the C1
    /// controls, the surrogates, U+FDD0–U+FDEF and the U+xxFFFE/U+xxFFFF non-characters.
    /// </summary>
    private static bool IsSafeChar(int value)
        => value switch
        {
            >= 0x20 and < 0x7F => true,
            >= 0xA0 and < 0xD800 => true,
            >= 0xE000 and < 0xFDD0 => true,
            > 0xFDEF and < 0xFFFE => true,
            >= 0x10000 and <= 0x10FFFF => (value & 0xFFFE) != 0xFFFE,
            _ => false,
        };

    /// <summary>A multi-byte UTF-8 character at the index: checked, appended, and counted for positions.</summary>
    private void NonAscii()
    {
        var status = Rune.DecodeFromUtf8(_data.AsSpan(_pos, _end - _pos), out var rune, out var consumed);
        if (status != OperationStatus.Done || !IsSafeChar(rune.Value))
        {
            throw new XmlScanGaveUpException("invalid UTF-8 or a character not handled");
        }

        if (rune.IsBmp)
        {
            Append((char)rune.Value);
            _extra += consumed - 1;
        }
        else
        {
            Span<char> pair = stackalloc char[2];
            rune.EncodeToUtf16(pair);
            Append(pair[0]);
            Append(pair[1]);
            _extra += consumed - 2;
        }

        _pos += consumed;
    }

    private void Append(char c)
    {
        if (_charCount == _chars.Length)
        {
            Array.Resize(ref _chars, _chars.Length * 2);
        }

        _chars[_charCount++] = c;
    }

    private void AppendAscii(int index, int count)
    {
        if (count == 0)
        {
            return;
        }

        if (_charCount + count > _chars.Length)
        {
            Array.Resize(ref _chars, Math.Max(_chars.Length * 2, _charCount + count));
        }

        Encoding.Latin1.GetChars(_data, index, count, _chars, _charCount);
        _charCount += count;
    }
}

/// <summary>One attribute of the scanned start tag.</summary>
/// <param name="Name">The expanded name (namespace declarations are in the <c>xmlns</c> namespace, as XmlReader has them).</param>
/// <param name="Prefix">The prefix ("" for none).</param>
/// <param name="Value">The normalised value.</param>
/// <param name="IsNamespaceDeclaration">Whether this is <c>xmlns</c> or <c>xmlns:p</c>.</param>
/// <param name="Line">The line of the name.</param>
/// <param name="Position">The position of the name.</param>
internal readonly record struct XmlScanAttribute(XName Name, string Prefix, string Value, bool IsNamespaceDeclaration, int Line, int Position);
