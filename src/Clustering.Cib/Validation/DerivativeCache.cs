using System.Numerics;
using System.Xml.Linq;

namespace Clustering.Cib.Validation;

/// <summary>
/// The memo tables of the derivative algorithm for one compiled schema, with the pattern builder their patterns
/// come from. They depend only on the schema (never on a document's IDs), so a <see cref="RelaxNgSchema"/> keeps
/// one warm between validations: validating the next CIB is then mostly one lookup per tag and attribute.
/// One validation uses a cache at a time.
/// </summary>
/// <remarks>
/// Pattern ids are small dense integers (hash-consing hands them out in order), so the memo rows of a pattern live
/// in a <see cref="PatternMemo"/> found by indexing an array with the id: no hashing of tuple keys on the hot path.
/// Rows keyed by a name compare the atomised <see cref="XName"/> by reference in a short list.
/// </remarks>
internal sealed class DerivativeCache
{
    /// <summary>A cache grown past this many entries (patterns plus memo rows) is dropped instead of kept warm.</summary>
    public const int MaxEntries = 1 << 20;

    private PatternMemo?[] _memos;
    private object? _scratch;

    public DerivativeCache(PatternBuilder schemaBuilder)
    {
        Builder = new PatternBuilder(schemaBuilder);

        // Room for every schema pattern and the derivatives a first validation makes, so the table is not regrown
        // (and copied) while a fresh process validates its one document.
        _memos = new PatternMemo?[(int)BitOperations.RoundUpToPowerOf2((uint)schemaBuilder.NextId + 1024)];
    }

    public PatternBuilder Builder { get; }

    public Dictionary<(byte, int, int), Pattern> ApplyAfter { get; } = [];

    /// <summary>A set of IDs kept empty between validations only up to this many entries (larger ones are dropped).</summary>
    private const int MaxKeptIds = 1 << 18;

    /// <summary>
    /// The ID set of the validation using the cache: kept (empty) between validations, so validating the next large CIB
    /// does not grow a new set through the large object heap.
    /// </summary>
    public IdSet Ids { get; private set; } = new();

    /// <summary>Empties <see cref="Ids"/> at the end of a validation (it holds the document's strings), or drops it when very large.</summary>
    public void ReleaseIds()
    {
        if (Ids.Count > MaxKeptIds)
        {
            Ids = new IdSet();
        }
        else
        {
            Ids.Clear();
        }
    }

    /// <summary>
    /// Takes the validator's scratch list (its IDREF list, whose element type is the validator's own) kept from the last
    /// validation, or <see langword="null"/>.
    /// </summary>
    public object? TakeScratch() => Interlocked.Exchange(ref _scratch, null);

    /// <summary>Keeps an emptied scratch list for the next validation.</summary>
    public void KeepScratch(object scratch) => _scratch = scratch;

    /// <summary>Memo rows stored so far (each counted once).</summary>
    public int Rows { get; set; }

    /// <summary>Patterns made plus memo rows: what the cache holds in memory.</summary>
    public int Size => Builder.Count + Rows + ApplyAfter.Count;

    /// <summary>The memo rows of the pattern with this id, made on first use.</summary>
    public PatternMemo Memo(int id)
    {
        var memos = _memos;
        if ((uint)id < (uint)memos.Length && memos[id] is { } memo)
        {
            return memo;
        }

        return NewMemo(id);
    }

    private PatternMemo NewMemo(int id)
    {
        if (id >= _memos.Length)
        {
            var size = _memos.Length;
            while (size <= id)
            {
                size *= 2;
            }

            Array.Resize(ref _memos, size);
        }

        return _memos[id] ??= new PatternMemo();
    }
}

/// <summary>The memoized derivatives of one pattern (by its id), each row set once.</summary>
internal sealed class PatternMemo
{
    public Pattern? StartTagClose;

    public Pattern? EndTag;

    /// <summary>The derivative for an element with no content at all (most CIB elements), choice included.</summary>
    public Pattern? EmptyContent;

    /// <summary>0 unknown, 1 no, 2 yes: whether the pattern uses the ID, IDREF or IDREFS datatypes.</summary>
    public byte UsesIds;

    /// <summary>startTagOpenDeriv by element name.</summary>
    public NameMap<Pattern> StartTagOpen;

    /// <summary>By attribute name: the candidate attribute patterns and the attribute derivatives (one lookup per attribute).</summary>
    public NameMap<AttributeMemo> Attributes;

    /// <summary>Whether a value (up to 64 characters) matches this pattern as an attribute value.</summary>
    public Dictionary<string, bool>? ValueMatch;

    /// <summary>textDeriv by text (up to 256 characters).</summary>
    public Dictionary<string, Pattern>? Text;
}

/// <summary>
/// What a pattern does with an attribute of one name: the attribute patterns that can take it, what is known of them
/// up front, the derivatives found so far by which candidates accept the value, and the last plain value seen.
/// </summary>
internal sealed class AttributeMemo
{
    /// <summary>Plain values up to this many bytes are remembered (<see cref="Remember"/>).</summary>
    public const int MaxRemembered = 64;

    private readonly byte[] _lastValue = new byte[MaxRemembered];
    private int _lastLength = -1;
    private ulong _lastMask;

    public AttributeMemo(Pattern[] candidates)
    {
        Candidates = candidates;
        if (candidates.Length == 1 && candidates[0].HasIdContent
            && candidates[0].P1 is { Kind: PatternKind.Data, Datatype: { IdKind: IdKind.Id } type })
        {
            PlainId = type;
        }

        WithoutIds = Array.TrueForAll(candidates, c => !c.HasIdContent);
    }

    /// <summary>The attribute patterns that can take an attribute of this name.</summary>
    public Pattern[] Candidates { get; }

    /// <summary>The datatype when there is one candidate and it is a bare <c>data</c> of an ID type (the byte ID check applies).</summary>
    public Datatype? PlainId { get; }

    /// <summary>
    /// Whether no candidate uses the ID, IDREF or IDREFS datatypes: then which candidates accept a value depends on the
    /// value alone, and a value equal to the last one is accepted by the same ones.
    /// </summary>
    public bool WithoutIds { get; }

    /// <summary>The derivatives found so far, by the mask of candidates accepting the value.</summary>
    public MaskRow[] Rows { get; set; } = [];

    /// <summary>The derivative for a mask, or <see langword="null"/> when not found yet.</summary>
    public Pattern? Find(ulong mask)
    {
        foreach (var row in Rows)
        {
            if (row.Mask == mask)
            {
                return row.Result;
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="value"/> is the last value remembered (<see cref="WithoutIds"/> only), and its mask.</summary>
    public bool TryLast(ReadOnlySpan<byte> value, out ulong mask)
    {
        mask = _lastMask;
        return value.Length == _lastLength && value.SequenceEqual(_lastValue.AsSpan(0, _lastLength));
    }

    /// <summary>Remembers a plain value and the mask of candidates that accept it (values longer than <see cref="MaxRemembered"/> bytes are not).</summary>
    public void Remember(ReadOnlySpan<byte> value, ulong mask)
    {
        if (value.Length > MaxRemembered)
        {
            return;
        }

        value.CopyTo(_lastValue);
        _lastLength = value.Length;
        _lastMask = mask;
    }
}

/// <summary>One attribute derivative of a pattern for an attribute name: the candidate mask and the result.</summary>
internal readonly record struct MaskRow(ulong Mask, Pattern Result);

/// <summary>
/// A small map keyed by atomised names compared by reference (a short list, a dictionary once it grows): a state of
/// a grammar sees few distinct element or attribute names.
/// </summary>
internal struct NameMap<T>
    where T : class
{
    private const int ListLimit = 16;

    private XName[]? _keys;
    private T[]? _values;
    private int _count;
    private Dictionary<XName, T>? _large;

    public readonly bool TryGetValue(XName name, out T value)
    {
        var keys = _keys;
        if (keys is not null)
        {
            for (var i = 0; i < _count; i++)
            {
                if (ReferenceEquals(keys[i], name))
                {
                    value = _values![i];
                    return true;
                }
            }
        }
        else if (_large is not null)
        {
            return _large.TryGetValue(name, out value!);
        }

        value = null!;
        return false;
    }

    /// <summary>Adds or replaces the value of a name; returns whether it was new.</summary>
    public bool Set(XName name, T value)
    {
        if (_large is not null)
        {
            var added = !_large.ContainsKey(name);
            _large[name] = value;
            return added;
        }

        _keys ??= new XName[2];
        _values ??= new T[2];
        for (var i = 0; i < _count; i++)
        {
            if (ReferenceEquals(_keys[i], name))
            {
                _values[i] = value;
                return false;
            }
        }

        if (_count == ListLimit)
        {
            _large = new Dictionary<XName, T>(ReferenceEqualityComparer.Instance);
            for (var i = 0; i < _count; i++)
            {
                _large[_keys[i]] = _values[i];
            }

            _large[name] = value;
            _keys = null;
            _values = null;
            return true;
        }

        if (_count == _keys.Length)
        {
            Array.Resize(ref _keys, _count * 2);
            Array.Resize(ref _values, _count * 2);
        }

        _keys[_count] = name;
        _values[_count] = value;
        _count++;
        return true;
    }
}
