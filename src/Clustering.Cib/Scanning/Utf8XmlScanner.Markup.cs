using Clustering.Cib.Internal;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Clustering.Cib.Scanning;

/// <summary>The scanner's markup: the XML declaration, names, start and end tags, attributes' names and namespaces.</summary>
internal sealed partial class Utf8XmlScanner
{
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
    private XmlScanName ScanName() => ScanName(null);

    /// <summary>
    /// An ASCII name at the current index, atomised. When the bytes there are <paramref name="predicted"/>'s followed by
    /// a byte that cannot continue a name, that entry is the answer without scanning or hashing (the same entry the
    /// table gives: the table has one entry per byte string).
    /// </summary>
    private XmlScanName ScanName(XmlScanName? predicted)
    {
        var start = _pos;
        var rest = _data.AsSpan(start, _end - start);
        if (predicted is not null)
        {
            var bytes = predicted.Bytes;
            if (rest.Length > bytes.Length && rest.StartsWith(bytes) && EndsName(rest[bytes.Length]))
            {
                _pos = start + bytes.Length;
                return predicted;
            }
        }

        // A vectorised search for the first byte that is not an ASCII name character (the colon excluded): one step
        // for the usual short name, and it finds the colon of a qualified name, then the end after it.
        var i = rest.IndexOfAnyExcept(NameBytes);
        if (i < 0)
        {
            throw new XmlScanGaveUpException("unexpected end in a name");
        }

        var colon = -1;
        if (rest[i] == ':')
        {
            colon = i;
            var after = rest[(i + 1)..].IndexOfAnyExcept(NameBytes);
            if (after < 0)
            {
                throw new XmlScanGaveUpException("unexpected end in a name");
            }

            i += 1 + after;
            if (rest[i] == ':')
            {
                throw new XmlScanGaveUpException("not a qualified name");
            }
        }

        if (rest[i] >= 0x80)
        {
            throw new XmlScanGaveUpException("a name not in ASCII");
        }

        var name = rest[..i];
        var classes = NameClasses;
        if (i == 0 || classes[name[0]] != NameStart || (colon >= 0 && (colon == i - 1 || classes[name[colon + 1]] != NameStart)))
        {
            throw new XmlScanGaveUpException("a name is expected, or not a qualified name");
        }

        _pos = start + i;
        return _names.Get(name, colon, (int)QuickHash(name) & int.MaxValue);
    }

    /// <summary>Whether a byte after a name's bytes ends it for sure: whitespace, '=', '&gt;', '/' or '?'.</summary>
    private static bool EndsName(byte b) => b is (byte)'=' or (byte)' ' or (byte)'>' or (byte)'/' or (byte)'\n' or (byte)'\t' or (byte)'\r' or (byte)'?';

    /// <summary>
    /// A hash of a short byte string from its length and its first and last eight bytes (all of it up to 16 bytes):
    /// constant work, no per-byte dependency chain. Equal strings hash equal; the table compares bytes anyway.
    /// </summary>
    internal static uint QuickHash(ReadOnlySpan<byte> bytes)
    {
        var length = bytes.Length;
        ShortBytes.ReadEnds(bytes, out var a, out var b);
        var h = (a * 0x9E3779B97F4A7C15UL) ^ ((b + (ulong)length) * 0xC2B2AE3D27D4EB4FUL);
        h ^= h >> 29;
        return (uint)(h >> 32) ^ (uint)h;
    }

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
        // A CIB repeats its shapes: the element after this one's start tag last time, and the attribute names it had
        // then in order, are tried first (a comparison of a few bytes instead of a scan and a hash lookup).
        var name = ScanName(_lastStart?.NextStart);
        if (_lastStart is not null)
        {
            _lastStart.NextStart = name;
        }

        _lastStart = name;
        var predictedAttributes = name.AttributeNames;
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
            var attributeName = ScanName(predictedAttributes is not null && _attributeCount < predictedAttributes.Length ? predictedAttributes[_attributeCount] : null);
            SkipWhitespace();
            Expect((byte)'=');
            SkipWhitespace();
            var stored = AttributeValue(out var valueStart, out var valueLength);
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
            _attributes[_attributeCount++] = new XmlScanAttribute(plainName!, attributeName.Prefix, stored, valueStart, valueLength, attributeName.IsNamespaceDeclaration, attributeLine, attributePosition);
            if (_attributeCount > _maxAttributes)
            {
                throw new XmlScanGaveUpException("over the attribute limit");
            }
        }

        RememberAttributeNames(name, predictedAttributes);
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

    /// <summary>
    /// Keeps this start tag's attribute names in order on its element name, for the next one. The usual case, the same
    /// names as last time, only reads (storing references costs a GC write barrier each); different names of the same
    /// count go into the array kept there (no allocation when tags of one name alternate between shapes of equal size).
    /// </summary>
    private void RememberAttributeNames(XmlScanName element, XmlScanName?[]? predicted)
    {
        var count = _attributeCount;
        var names = _rawAttributeNames.AsSpan(0, count);
        if (predicted is not null && predicted.Length == count)
        {
            for (var i = 0; i < count; i++)
            {
                if (!ReferenceEquals(predicted[i], names[i]))
                {
                    names.CopyTo(predicted);
                    return;
                }
            }

            return;
        }

        element.AttributeNames = count == 0 ? [] : names.ToArray();
    }

    /// <summary>Declares the start tag's namespaces, then resolves and checks its attributes by expanded name.</summary>
    private void ResolveQualifiedAttributes()
    {
        var declarations = false;
        for (var i = 0; i < _attributeCount; i++)
        {
            if (_rawAttributeNames[i]!.IsNamespaceDeclaration)
            {
                Declare(_rawAttributeNames[i]!, ValueOf(_attributes[i]));
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
}
