using System.Buffers;
using System.Text;
using System.Xml;

namespace Clustering.Cib.Scanning;

/// <summary>The scanner's character data: attribute values, text, CDATA, comments, processing instructions and references.</summary>
internal sealed partial class Utf8XmlScanner
{
    /// <summary>
    /// An attribute value: a plain one (printable ASCII without references) is left in the document's bytes
    /// (<paramref name="start"/>, <paramref name="length"/>) and <see langword="null"/> returned; any other is built.
    /// </summary>
    private string? AttributeValue(out int start, out int length)
    {
        var quote = At(_pos);
        if (quote is not ((byte)'"' or (byte)'\''))
        {
            throw new XmlScanGaveUpException("a quoted attribute value is expected");
        }

        start = ++_pos;
        length = 0;
        var specials = quote == '"' ? DoubleQuotedSpecials : SingleQuotedSpecials;

        // Most values are plain: one vectorised search for the first byte that is not printable ASCII, or is a quote,
        // '&' or '<', finds their end (and the closing quote there means the value is the bytes before it).
        var rest = _data.AsSpan(start, _end - start);
        var run = rest.IndexOfAnyExcept(PlainValueBytes);
        if (run >= 0 && rest[run] == quote)
        {
            _pos = start + run + 1;
            length = run;
            return null;
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
    public string CachedValue(int start, int length)
    {
        if (length == 0)
        {
            return "";
        }

        var bytes = _data.AsSpan(start, length);
        if (length > 64)
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
