using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;

namespace Clustering.Cib.Validation;

/// <summary>What a datatype says about an ID or IDREF value, for the document-wide checks libxml2 makes.</summary>
internal enum IdKind : byte
{
    None,
    Id,
    IdRef,
    IdRefs,
}

/// <summary>
/// A datatype of RELAX NG's built-in library (string, token) or of the XML Schema datatypes library, with the
/// facets given as <c>param</c>s. Parses a lexical value to a value that can be compared for <c>value</c> patterns.
/// </summary>
internal sealed partial class Datatype
{
    public const string XsdLibrary = "http://www.w3.org/2001/XMLSchema-datatypes";

    private static readonly string[] KnownXsd =
    [
        "string", "normalizedString", "token", "language", "Name", "NCName", "NMTOKEN", "NMTOKENS", "ID", "IDREF", "IDREFS",
        "ENTITY", "ENTITIES", "QName", "anyURI", "boolean", "decimal", "integer", "nonNegativeInteger", "positiveInteger",
        "nonPositiveInteger", "negativeInteger", "long", "int", "short", "byte", "unsignedLong", "unsignedInt",
        "unsignedShort", "unsignedByte", "double", "float", "dateTime", "date", "time", "duration", "gYear", "gYearMonth",
        "gMonth", "gMonthDay", "gDay", "hexBinary", "base64Binary", "NOTATION",
    ];

    private readonly List<Regex> _patterns = [];
    private FastCheck _fast;
    private int? _length;
    private int? _minLength;
    private int? _maxLength;
    private object? _minInclusive;
    private object? _maxInclusive;
    private object? _minExclusive;
    private object? _maxExclusive;
    private int? _totalDigits;
    private int? _fractionDigits;

    private Datatype(string library, string name)
    {
        Library = library;
        Name = name;
        IdKind = library == XsdLibrary
            ? name switch { "ID" => IdKind.Id, "IDREF" => IdKind.IdRef, "IDREFS" => IdKind.IdRefs, _ => IdKind.None }
            : IdKind.None;
    }

    /// <summary>Which datatypes <see cref="Allows"/> checks without parsing.</summary>
    private enum FastCheck : byte
    {
        None,
        Any,
        NcName,
        Integer,
    }

    public string Library { get; }

    public string Name { get; }

    public IdKind IdKind { get; }

    public bool HasFacets => _patterns.Count > 0 || _length is not null || _minLength is not null || _maxLength is not null
        || _minInclusive is not null || _maxInclusive is not null || _minExclusive is not null || _maxExclusive is not null
        || _totalDigits is not null || _fractionDigits is not null;

    /// <summary>Finds a datatype, or returns an error message.</summary>
    public static Datatype? Create(string library, string name, IReadOnlyList<(string Name, string Value)> parameters, out string? error)
    {
        error = null;
        if (library.Length == 0)
        {
            if (name is not ("string" or "token"))
            {
                error = $"datatype '{name}' is not in the built-in library (only string and token are)";
                return null;
            }

            if (parameters.Count > 0)
            {
                error = "the built-in datatype library takes no parameters";
                return null;
            }

            return new Datatype("", name);
        }

        if (library != XsdLibrary)
        {
            error = $"datatype library '{library}' is not supported";
            return null;
        }

        if (Array.IndexOf(KnownXsd, name) < 0)
        {
            error = $"'{name}' is not an XML Schema datatype";
            return null;
        }

        var type = new Datatype(library, name);
        foreach (var (param, value) in parameters)
        {
            if (!type.AddFacet(param, value, out error))
            {
                return null;
            }
        }

        type._fast = type.HasFacets ? FastCheck.None : name switch
        {
            "string" or "normalizedString" or "anyURI" or "token" => FastCheck.Any,
            "NCName" or "ID" or "IDREF" or "ENTITY" => FastCheck.NcName,
            "integer" => FastCheck.Integer,
            _ => FastCheck.None,
        };
        return type;
    }

    /// <summary>
    /// Whether a lexical value is allowed (what <see cref="TryParse"/> decides, without making the value): the
    /// common datatypes without facets (strings, NCName, ID, IDREF, integer) are checked on the whitespace-collapsed
    /// span, without allocating.
    /// </summary>
    public bool Allows(string text)
    {
        switch (_fast)
        {
            case FastCheck.Any:
                return true;
            case FastCheck.NcName:
                // An NCName has no inner whitespace, so collapsing is trimming and a remaining space fails.
                return IsNcName(text.AsSpan().Trim(" \t\n\r"));
            case FastCheck.Integer:
                return IsInteger(text.AsSpan().Trim(" \t\n\r"));
            default:
                return TryParse(text, out _);
        }
    }

    /// <summary>
    /// What <see cref="Allows"/> says of the same characters, for a value given as ASCII bytes (a plain value the
    /// scanner left in the document); <see langword="null"/> when only the string check can tell (other datatypes,
    /// facets, or a byte that is not ASCII).
    /// </summary>
    public bool? AllowsAscii(ReadOnlySpan<byte> text)
    {
        if (_fast == FastCheck.NcName && text.Length > 0 && text.IndexOfAnyExcept(NcNameBytes) < 0)
        {
            // The usual ID: all of it NCName characters (so ASCII, without whitespace), found by one vectorised search.
            return char.IsAsciiLetter((char)text[0]) || text[0] == '_';
        }

        if (!System.Text.Ascii.IsValid(text))
        {
            return null;
        }

        switch (_fast)
        {
            case FastCheck.Any:
                return true;
            case FastCheck.NcName:
                return IsAsciiNcName(text.Trim(" \t\n\r"u8));
            case FastCheck.Integer:
                var digits = text.Trim(" \t\n\r"u8);
                if (digits.Length > 0 && digits[0] is (byte)'+' or (byte)'-')
                {
                    digits = digits[1..];
                }

                return digits.Length > 0 && !digits.ContainsAnyExceptInRange((byte)'0', (byte)'9');
            default:
                return null;
        }
    }

    /// <summary>The ASCII characters an NCName may have after its first: letters, digits, '-', '.', '_'.</summary>
    private static readonly System.Buffers.SearchValues<byte> NcNameBytes = System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._"u8);

    /// <summary>An NCName in ASCII: a letter or '_', then letters, digits, '-', '.', '_' (XML's name characters below U+0080).</summary>
    private static bool IsAsciiNcName(ReadOnlySpan<byte> s)
    {
        if (s.Length == 0 || !(char.IsAsciiLetter((char)s[0]) || s[0] == '_'))
        {
            return false;
        }

        foreach (var b in s[1..])
        {
            if (!(char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'.' or (byte)'_'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>xsd:integer's lexical space: an optional sign and at least one decimal digit.</summary>
    private static bool IsInteger(ReadOnlySpan<char> s)
    {
        if (s.Length > 0 && s[0] is '+' or '-')
        {
            s = s[1..];
        }

        return s.Length > 0 && !s.ContainsAnyExceptInRange('0', '9');
    }

    /// <summary>Parses a lexical value and checks the facets; returns <see langword="false"/> when not allowed.</summary>
    public bool TryParse(string text, out object value)
    {
        value = text;
        if (Library.Length == 0)
        {
            value = Name == "token" ? Collapse(text) : text;
            return true;
        }

        var normalized = Name switch
        {
            "string" => text,
            "normalizedString" => Replace(text),
            _ => Collapse(text),
        };
        if (!ParseLexical(normalized, out value))
        {
            return false;
        }

        if (!HasFacets)
        {
            return true;
        }

        foreach (var regex in _patterns)
        {
            if (!regex.IsMatch(normalized))
            {
                return false;
            }
        }

        if (_length is not null || _minLength is not null || _maxLength is not null)
        {
            var length = Length(normalized);
            if ((_length is { } l && length != l) || (_minLength is { } min && length < min) || (_maxLength is { } max && length > max))
            {
                return false;
            }
        }

        if ((_minInclusive is not null && Compare(value, _minInclusive) is not (>= 0)) ||
            (_maxInclusive is not null && Compare(value, _maxInclusive) is not (<= 0 and > int.MinValue)) ||
            (_minExclusive is not null && Compare(value, _minExclusive) is not (> 0)) ||
            (_maxExclusive is not null && Compare(value, _maxExclusive) is not (< 0 and > int.MinValue)))
        {
            return false;
        }

        if (_totalDigits is not null || _fractionDigits is not null)
        {
            var digits = normalized.TrimStart('+', '-');
            var dot = digits.IndexOf('.', StringComparison.Ordinal);
            var intPart = (dot < 0 ? digits : digits[..dot]).TrimStart('0');
            var fracPart = dot < 0 ? "" : digits[(dot + 1)..].TrimEnd('0');
            if ((_totalDigits is { } total && intPart.Length + fracPart.Length > total) || (_fractionDigits is { } fraction && fracPart.Length > fraction))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether two parsed values are equal in this datatype's value space.</summary>
    public static bool ValuesEqual(object a, object b) => a switch
    {
        string s => b is string t && string.Equals(s, t, StringComparison.Ordinal),
        BigInteger i => b is BigInteger j && i == j,
        decimal d => b is decimal e && d == e,
        double x => b is double y && (x.Equals(y)),
        bool p => b is bool q && p == q,
        string[] list => b is string[] other && list.AsSpan().SequenceEqual(other),
        _ => a.Equals(b),
    };

    public override string ToString() => Library.Length == 0 ? Name : $"xsd:{Name}";

    internal static string Collapse(string text)
    {
        var start = 0;
        var end = text.Length;
        while (start < end && IsSpace(text[start]))
        {
            start++;
        }

        while (end > start && IsSpace(text[end - 1]))
        {
            end--;
        }

        var inner = text.AsSpan(start, end - start);
        var needs = inner.IndexOfAny(TabOrNewline) >= 0 || inner.Contains("  ", StringComparison.Ordinal);

        if (!needs)
        {
            return start == 0 && end == text.Length ? text : text[start..end];
        }

        var sb = new StringBuilder(end - start);
        var space = false;
        for (var i = start; i < end; i++)
        {
            if (IsSpace(text[i]))
            {
                space = true;
                continue;
            }

            if (space)
            {
                sb.Append(' ');
                space = false;
            }

            sb.Append(text[i]);
        }

        return sb.ToString();
    }

    private static readonly SearchValues<char> Spaces = SearchValues.Create(" \t\n\r");

    private static readonly SearchValues<char> TabOrNewline = SearchValues.Create("\t\n\r");

    internal static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\r';

    /// <summary>Whether the text is empty or only XML whitespace (vectorized).</summary>
    internal static bool IsAllSpace(string s) => s.AsSpan().IndexOfAnyExcept(Spaces) < 0;

    internal static bool IsNcName(string s) => IsNcName(s.AsSpan());

    internal static bool IsNcName(ReadOnlySpan<char> s)
    {
        if (s.Length == 0 || !XmlConvert.IsStartNCNameChar(s[0]))
        {
            return false;
        }

        for (var i = 1; i < s.Length; i++)
        {
            if (!XmlConvert.IsNCNameChar(s[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsName(string s)
    {
        if (s.Length == 0 || !(XmlConvert.IsStartNCNameChar(s[0]) || s[0] == ':'))
        {
            return false;
        }

        for (var i = 1; i < s.Length; i++)
        {
            if (!(XmlConvert.IsNCNameChar(s[i]) || s[i] == ':'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsNmToken(string s)
    {
        if (s.Length == 0)
        {
            return false;
        }

        foreach (var c in s)
        {
            if (!(XmlConvert.IsNCNameChar(c) || c == ':'))
            {
                return false;
            }
        }

        return true;
    }

    private static string Replace(string text)
    {
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (chars[i] is '\t' or '\n' or '\r')
            {
                chars[i] = ' ';
            }
        }

        return new string(chars);
    }

    private static int Length(string s)
    {
        var n = 0;
        for (var i = 0; i < s.Length; i++)
        {
            if (!char.IsLowSurrogate(s[i]))
            {
                n++;
            }
        }

        return n;
    }

    private static int Compare(object value, object bound) => (value, bound) switch
    {
        (BigInteger a, BigInteger b) => a.CompareTo(b),
        (decimal a, decimal b) => a.CompareTo(b),
        (double a, double b) => double.IsNaN(a) || double.IsNaN(b) ? int.MinValue : a.CompareTo(b),
        (string a, string b) => string.CompareOrdinal(a, b),
        _ => int.MinValue,
    };

    private static bool ParseInteger(string s, out BigInteger value)
        => BigInteger.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) && IntegerLexical().IsMatch(s);

    private static bool ParseDecimal(string s, out decimal value)
    {
        value = 0;
        return DecimalLexical().IsMatch(s) && decimal.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);
    }

    private bool ParseLexical(string s, out object value)
    {
        value = s;
        switch (Name)
        {
            case "string" or "normalizedString" or "anyURI" or "token":
                return true;
            case "language":
                return LanguageLexical().IsMatch(s);
            case "Name":
                return IsName(s);
            case "NCName" or "ID" or "IDREF" or "ENTITY":
                return IsNcName(s);
            case "NMTOKEN":
                return IsNmToken(s);
            case "NMTOKENS" or "IDREFS" or "ENTITIES":
            {
                var items = s.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                value = items;
                return items.Length > 0 && Array.TrueForAll(items, Name == "NMTOKENS" ? IsNmToken : IsNcName);
            }

            case "QName" or "NOTATION":
            {
                var colon = s.IndexOf(':', StringComparison.Ordinal);
                return colon < 0 ? IsNcName(s) : IsNcName(s[..colon]) && IsNcName(s[(colon + 1)..]);
            }

            case "boolean":
                value = s is "true" or "1";
                return s is "true" or "false" or "1" or "0";
            case "decimal":
            {
                var ok = ParseDecimal(s, out var d);
                value = d;
                return ok;
            }

            case "double" or "float":
            {
                var d = 0.0;
                var ok = DoubleLexical().IsMatch(s) && double.TryParse(s.Replace("INF", "Infinity", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out d);
                value = d;
                return ok;
            }

            case "integer" or "nonNegativeInteger" or "positiveInteger" or "nonPositiveInteger" or "negativeInteger" or "long" or "int"
                or "short" or "byte" or "unsignedLong" or "unsignedInt" or "unsignedShort" or "unsignedByte":
            {
                if (!ParseInteger(s, out var i))
                {
                    return false;
                }

                value = i;
                return Name switch
                {
                    "nonNegativeInteger" => i.Sign >= 0,
                    "positiveInteger" => i.Sign > 0,
                    "nonPositiveInteger" => i.Sign <= 0,
                    "negativeInteger" => i.Sign < 0,
                    "long" => i >= long.MinValue && i <= long.MaxValue,
                    "int" => i >= int.MinValue && i <= int.MaxValue,
                    "short" => i >= short.MinValue && i <= short.MaxValue,
                    "byte" => i >= sbyte.MinValue && i <= sbyte.MaxValue,
                    "unsignedLong" => i.Sign >= 0 && i <= ulong.MaxValue,
                    "unsignedInt" => i.Sign >= 0 && i <= uint.MaxValue,
                    "unsignedShort" => i.Sign >= 0 && i <= ushort.MaxValue,
                    "unsignedByte" => i.Sign >= 0 && i <= byte.MaxValue,
                    _ => true,
                };
            }

            case "dateTime":
                return DateTimeLexical().IsMatch(s);
            case "date":
                return DateLexical().IsMatch(s);
            case "time":
                return TimeLexical().IsMatch(s);
            case "duration":
                return DurationLexical().IsMatch(s) && !s.EndsWith('T') && s.Length > 1 && s != "-P";
            case "gYear":
                return GYearLexical().IsMatch(s);
            case "gYearMonth":
                return GYearMonthLexical().IsMatch(s);
            case "gMonth":
                return GMonthLexical().IsMatch(s);
            case "gMonthDay":
                return GMonthDayLexical().IsMatch(s);
            case "gDay":
                return GDayLexical().IsMatch(s);
            case "hexBinary":
                value = s.ToUpperInvariant();
                return s.Length % 2 == 0 && HexLexical().IsMatch(s);
            case "base64Binary":
                return Base64Lexical().IsMatch(s);
            default:
                return false;
        }
    }

    private bool AddFacet(string param, string text, out string? error)
    {
        error = null;
        switch (param)
        {
            case "pattern":
                try
                {
                    _patterns.Add(new Regex(XsdRegex.ToDotNet(text), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)));
                }
                catch (ArgumentException e)
                {
                    error = $"pattern '{text}' is not a regular expression this engine understands: {e.Message}";
                    return false;
                }

                return true;
            case "length" or "minLength" or "maxLength" or "totalDigits" or "fractionDigits":
                if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                {
                    error = $"parameter {param} needs a non-negative integer, not '{text}'";
                    return false;
                }

                switch (param)
                {
                    case "length": _length = n; break;
                    case "minLength": _minLength = n; break;
                    case "maxLength": _maxLength = n; break;
                    case "totalDigits": _totalDigits = n; break;
                    default: _fractionDigits = n; break;
                }

                return true;
            case "minInclusive" or "maxInclusive" or "minExclusive" or "maxExclusive":
                var bound = new Datatype(Library, Name);
                if (!bound.ParseLexical(Collapse(text), out var value))
                {
                    error = $"parameter {param} value '{text}' is not a valid {Name}";
                    return false;
                }

                switch (param)
                {
                    case "minInclusive": _minInclusive = value; break;
                    case "maxInclusive": _maxInclusive = value; break;
                    case "minExclusive": _minExclusive = value; break;
                    default: _maxExclusive = value; break;
                }

                return true;
            default:
                error = $"parameter '{param}' is not supported for {Name}";
                return false;
        }
    }

    [GeneratedRegex(@"^[+-]?[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex IntegerLexical();

    [GeneratedRegex(@"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex DecimalLexical();

    [GeneratedRegex(@"^([+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|-?INF|NaN)$", RegexOptions.CultureInvariant)]
    private static partial Regex DoubleLexical();

    [GeneratedRegex(@"^-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|1[0-4]):[0-5][0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex DateTimeLexical();

    [GeneratedRegex(@"^-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(Z|[+-]([01][0-9]|1[0-4]):[0-5][0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex DateLexical();

    [GeneratedRegex(@"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|1[0-4]):[0-5][0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex TimeLexical();

    [GeneratedRegex(@"^-?P([0-9]+Y)?([0-9]+M)?([0-9]+D)?(T([0-9]+H)?([0-9]+M)?([0-9]+(\.[0-9]+)?S)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex DurationLexical();

    [GeneratedRegex(@"^-?[0-9]{4,}(Z|[+-][0-9]{2}:[0-9]{2})?$", RegexOptions.CultureInvariant)]
    private static partial Regex GYearLexical();

    [GeneratedRegex(@"^-?[0-9]{4,}-(0[1-9]|1[0-2])(Z|[+-][0-9]{2}:[0-9]{2})?$", RegexOptions.CultureInvariant)]
    private static partial Regex GYearMonthLexical();

    [GeneratedRegex(@"^--(0[1-9]|1[0-2])(Z|[+-][0-9]{2}:[0-9]{2})?$", RegexOptions.CultureInvariant)]
    private static partial Regex GMonthLexical();

    [GeneratedRegex(@"^--(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(Z|[+-][0-9]{2}:[0-9]{2})?$", RegexOptions.CultureInvariant)]
    private static partial Regex GMonthDayLexical();

    [GeneratedRegex(@"^---(0[1-9]|[12][0-9]|3[01])(Z|[+-][0-9]{2}:[0-9]{2})?$", RegexOptions.CultureInvariant)]
    private static partial Regex GDayLexical();

    [GeneratedRegex(@"^[0-9a-fA-F]*$", RegexOptions.CultureInvariant)]
    private static partial Regex HexLexical();

    [GeneratedRegex(@"^[A-Za-z0-9+/= ]*$", RegexOptions.CultureInvariant)]
    private static partial Regex Base64Lexical();

    [GeneratedRegex(@"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$", RegexOptions.CultureInvariant)]
    private static partial Regex LanguageLexical();
}
