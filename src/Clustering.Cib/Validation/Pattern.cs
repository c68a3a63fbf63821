namespace Clustering.Cib.Validation;

/// <summary>The kinds of simplified RELAX NG patterns, plus <see cref="After"/> of the derivative algorithm.</summary>
internal enum PatternKind : byte
{
    NotAllowed,
    Empty,
    Text,
    Choice,
    Interleave,
    Group,
    OneOrMore,
    List,
    Data,
    DataExcept,
    Value,
    Attribute,
    Element,
    After,
}

/// <summary>
/// One node of a simplified RELAX NG pattern. Patterns are hash-consed by <see cref="PatternBuilder"/>, so two
/// structurally equal patterns share one object and one <see cref="Id"/>; derivatives are memoized on ids.
/// Leaves that come from the schema (data, value, attribute, element) are unique by identity.
/// </summary>
internal sealed class Pattern
{
    internal Pattern(int id, PatternKind kind, Pattern? p1, Pattern? p2)
    {
        Id = id;
        Kind = kind;
        P1 = p1;
        P2 = p2;
        Nullable = kind switch
        {
            PatternKind.Empty or PatternKind.Text => true,
            PatternKind.Choice => p1!.Nullable || p2!.Nullable,
            PatternKind.Group or PatternKind.Interleave => p1!.Nullable && p2!.Nullable,
            PatternKind.OneOrMore => p1!.Nullable,
            _ => false,
        };
    }

    public int Id { get; }

    public PatternKind Kind { get; }

    /// <summary>First operand; the content of attribute, list, oneOrMore; the except pattern of data.</summary>
    public Pattern? P1 { get; internal set; }

    /// <summary>Second operand of binary patterns and After.</summary>
    public Pattern? P2 { get; }

    public bool Nullable { get; }

    /// <summary>The name class of an element or attribute.</summary>
    public NameClass? NameClass { get; init; }

    /// <summary>The datatype of data and value.</summary>
    public Datatype? Datatype { get; init; }

    /// <summary>The literal of a value pattern.</summary>
    public string? Literal { get; init; }

    /// <summary>The literal of a value pattern, parsed by its datatype.</summary>
    public object? LiteralValue { get; init; }

    /// <summary>For an attribute: whether its value pattern uses the ID, IDREF or IDREFS datatype.</summary>
    public bool HasIdContent { get; init; }

    /// <summary>The content of an element (set once, after the element is built, so recursion works).</summary>
    public Pattern? Content { get; internal set; }

    public override string ToString() => Kind switch
    {
        PatternKind.Element => $"element {NameClass!.Describe(false)}",
        PatternKind.Attribute => $"attribute {NameClass!.Describe(true)}",
        PatternKind.Value => $"value '{Literal}'",
        PatternKind.Data or PatternKind.DataExcept => $"data {Datatype!.Name}",
        PatternKind.Choice or PatternKind.Group or PatternKind.Interleave or PatternKind.After => $"{Kind}({P1}, {P2})",
        PatternKind.OneOrMore or PatternKind.List => $"{Kind}({P1})",
        _ => Kind.ToString(),
    };
}

/// <summary>
/// Makes patterns, hash-consing the composite ones and applying the simplifications of the RELAX NG
/// specification (§4.19) and of Clark's derivative algorithm: notAllowed absorbs groups, interleaves and afters,
/// empty is the unit of group and interleave, choices are flattened, deduplicated and ordered.
/// A builder made over a parent shares the parent's table read-only, so a compiled schema can serve
/// concurrent validations that each own a child builder.
/// </summary>
internal sealed class PatternBuilder
{
    /// <summary>
    /// Starting table sizes: a compiled Pacemaker grammar interns a few thousand composite patterns, and the first
    /// validation of a CIB adds a few hundred; sizing the tables up front spares a fresh process the rehashing.
    /// </summary>
    private const int SchemaTableCapacity = 2048;

    private const int DerivativeTableCapacity = 1024;

    private readonly PatternBuilder? _parent;
    private readonly Dictionary<InternKey, Pattern> _table;
    private int _nextId;

    public PatternBuilder()
    {
        _table = new Dictionary<InternKey, Pattern>(SchemaTableCapacity);
        NotAllowed = new Pattern(0, PatternKind.NotAllowed, null, null);
        Empty = new Pattern(1, PatternKind.Empty, null, null);
        Text = new Pattern(2, PatternKind.Text, null, null);
        _nextId = 3;
    }

    public PatternBuilder(PatternBuilder parent)
    {
        _table = new Dictionary<InternKey, Pattern>(DerivativeTableCapacity);
        _parent = parent;
        NotAllowed = parent.NotAllowed;
        Empty = parent.Empty;
        Text = parent.Text;
        _nextId = parent._nextId;
    }

    public Pattern NotAllowed { get; }

    public Pattern Empty { get; }

    public Pattern Text { get; }

    public int Count => _table.Count;

    /// <summary>The id the next pattern made will get (ids are dense: every id below it is taken).</summary>
    public int NextId => _nextId;

    public Pattern Element(NameClass nameClass) => new(_nextId++, PatternKind.Element, null, null) { NameClass = nameClass };

    public Pattern Attribute(NameClass nameClass, Pattern content)
        => new(_nextId++, PatternKind.Attribute, content, null) { NameClass = nameClass, HasIdContent = UsesIdTypes(content) };

    public Pattern Data(Datatype datatype, Pattern? except)
        => except is null || except.Kind == PatternKind.NotAllowed
            ? new Pattern(_nextId++, PatternKind.Data, null, null) { Datatype = datatype }
            : new Pattern(_nextId++, PatternKind.DataExcept, except, null) { Datatype = datatype };

    public Pattern Value(Datatype datatype, string literal, object literalValue)
        => new(_nextId++, PatternKind.Value, null, null) { Datatype = datatype, Literal = literal, LiteralValue = literalValue };

    public Pattern List(Pattern p) => p.Kind == PatternKind.NotAllowed ? NotAllowed : Intern(PatternKind.List, p, null);

    public Pattern OneOrMore(Pattern p) => p.Kind is PatternKind.NotAllowed or PatternKind.Empty ? p : Intern(PatternKind.OneOrMore, p, null);

    public Pattern Group(Pattern a, Pattern b)
    {
        if (a.Kind == PatternKind.NotAllowed || b.Kind == PatternKind.NotAllowed)
        {
            return NotAllowed;
        }

        if (a.Kind == PatternKind.Empty)
        {
            return b;
        }

        return b.Kind == PatternKind.Empty ? a : Intern(PatternKind.Group, a, b);
    }

    public Pattern Interleave(Pattern a, Pattern b)
    {
        if (a.Kind == PatternKind.NotAllowed || b.Kind == PatternKind.NotAllowed)
        {
            return NotAllowed;
        }

        if (a.Kind == PatternKind.Empty)
        {
            return b;
        }

        if (b.Kind == PatternKind.Empty)
        {
            return a;
        }

        return a.Id <= b.Id ? Intern(PatternKind.Interleave, a, b) : Intern(PatternKind.Interleave, b, a);
    }

    public Pattern After(Pattern a, Pattern b)
        => a.Kind == PatternKind.NotAllowed || b.Kind == PatternKind.NotAllowed ? NotAllowed : Intern(PatternKind.After, a, b);

    public Pattern Choice(Pattern a, Pattern b)
    {
        if (a.Kind == PatternKind.NotAllowed || ReferenceEquals(a, b))
        {
            return b;
        }

        if (b.Kind == PatternKind.NotAllowed)
        {
            return a;
        }

        if (a.Kind != PatternKind.Choice && b.Kind != PatternKind.Choice)
        {
            return a.Id < b.Id ? Intern(PatternKind.Choice, a, b) : Intern(PatternKind.Choice, b, a);
        }

        var items = new List<Pattern>();
        Flatten(a, items);
        Flatten(b, items);
        return ChoiceOfFlattened(items);
    }

    /// <summary>
    /// The choice of all <paramref name="alternatives"/>, built at once: the same pattern as folding them pairwise
    /// with <see cref="Choice(Pattern, Pattern)"/>, without the intermediate choices that folding interns.
    /// </summary>
    public Pattern Choice(List<Pattern> alternatives)
    {
        var items = new List<Pattern>(alternatives.Count);
        foreach (var p in alternatives)
        {
            if (p.Kind != PatternKind.NotAllowed)
            {
                Flatten(p, items);
            }
        }

        if (items.Count == 0)
        {
            return NotAllowed;
        }

        return ChoiceOfFlattened(items);
    }

    /// <summary>The right-nested choice of flattened alternatives, in pattern-id order, duplicates once.</summary>
    private Pattern ChoiceOfFlattened(List<Pattern> items)
    {
        items.Sort(static (x, y) => x.Id.CompareTo(y.Id));
        var result = items[^1];
        for (var i = items.Count - 2; i >= 0; i--)
        {
            if (!ReferenceEquals(items[i], items[i + 1]))
            {
                result = Intern(PatternKind.Choice, items[i], result);
            }
        }

        return result;
    }

    /// <summary>Whether an attribute's content uses ID, IDREF or IDREFS; most contents are one leaf, checked without a set.</summary>
    private static bool UsesIdTypes(Pattern p) => p.Kind switch
    {
        PatternKind.Data or PatternKind.DataExcept or PatternKind.Value => p.Datatype!.IdKind != IdKind.None,
        PatternKind.Text or PatternKind.Empty or PatternKind.NotAllowed => false,
        _ => UsesIdTypes(p, []),
    };

    private static bool UsesIdTypes(Pattern p, HashSet<int> seen) => seen.Add(p.Id) && p.Kind switch
    {
        PatternKind.Data or PatternKind.DataExcept or PatternKind.Value => p.Datatype!.IdKind != IdKind.None,
        PatternKind.Choice or PatternKind.Group or PatternKind.Interleave => UsesIdTypes(p.P1!, seen) || UsesIdTypes(p.P2!, seen),
        PatternKind.OneOrMore or PatternKind.List => UsesIdTypes(p.P1!, seen),
        _ => false,
    };

    private static void Flatten(Pattern p, List<Pattern> into)
    {
        while (p.Kind == PatternKind.Choice)
        {
            Flatten(p.P1!, into);
            p = p.P2!;
        }

        into.Add(p);
    }

    private Pattern Intern(PatternKind kind, Pattern a, Pattern? b)
    {
        var key = new InternKey(kind, a.Id, b?.Id ?? -1);
        if (_parent is not null && _parent._table.TryGetValue(key, out var shared))
        {
            return shared;
        }

        if (!_table.TryGetValue(key, out var pattern))
        {
            pattern = new Pattern(_nextId++, kind, a, b);
            _table.Add(key, pattern);
        }

        return pattern;
    }
}

/// <summary>The hash-consing key of a composite pattern: its kind and its operands' ids.</summary>
internal readonly struct InternKey(PatternKind kind, int first, int second) : IEquatable<InternKey>
{
    private readonly int _first = first;
    private readonly int _second = second;
    private readonly PatternKind _kind = kind;

    public bool Equals(InternKey other) => _first == other._first && _second == other._second && _kind == other._kind;

    public override bool Equals(object? obj) => obj is InternKey other && Equals(other);

    public override int GetHashCode() => (int)((uint)_first * 0x9E3779B1u ^ (uint)_second * 0x85EBCA77u ^ (uint)_kind);
}
