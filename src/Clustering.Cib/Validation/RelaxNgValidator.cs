using System.Runtime.InteropServices;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Clustering.Cib.Validation;

/// <summary>
/// Validates one document by pattern derivatives (James Clark, "An algorithm for RELAX NG validation"):
/// each start tag, attribute, text and end tag turns the current pattern into its derivative, memoized on the
/// hash-consed pattern ids in a <see cref="DerivativeCache"/> that outlives the validation, so repeated structures
/// of a large CIB cost one dictionary lookup each. The document comes either as a tree (<c>RelaxNgValidator.Tree.cs</c>)
/// or streamed from an <see cref="XmlReader"/> (<c>RelaxNgValidator.Reader.cs</c>); both feed the same start tag,
/// text and end tag steps below. The derivative rules are in <c>RelaxNgValidator.Derivatives.cs</c>, libxml2's
/// ID/IDREF rules in <c>RelaxNgValidator.Ids.cs</c> and error messages in <c>RelaxNgValidator.Errors.cs</c>.
/// Not thread-safe: one per validation.
/// </summary>
internal sealed partial class RelaxNgValidator
{
    /// <summary>Deeper trees (possible only when built in code, loading stops at 256) are refused, not recursed into.</summary>
    private const int MaxDepth = 1024;

    /// <summary>An IDREF list kept for the next validation only up to this many entries.</summary>
    private const int MaxKeptRefs = 1 << 16;

    private readonly DerivativeCache _cache;
    private readonly PatternBuilder _b;
    private readonly Pattern _start;
    private readonly bool _checkIdRefs;
    private readonly int _maxErrors;
    private readonly CancellationToken _cancellationToken;
    private readonly List<RelaxNgValidationError> _errors = [];
    private readonly List<AttributeItem> _attributes = [];
    private int _visits;
    private int _depth;

    public RelaxNgValidator(DerivativeCache cache, Pattern start, bool checkIdRefs, int maxErrors, CancellationToken cancellationToken)
    {
        _cache = cache;
        _b = cache.Builder;
        _start = start;
        _checkIdRefs = checkIdRefs;
        _maxErrors = maxErrors;
        _cancellationToken = cancellationToken;
        _ids = cache.Ids;
        _ids.Clear();
        _refs = cache.TakeScratch() as List<(string Value, Where At, string Name)> ?? [];
        _refs.Clear();
    }

    private enum AfterOp : byte
    {
        InterleaveLeft,
        InterleaveRight,
        GroupWith,
        AfterWith,
        OneOrMoreThen,
    }

    private RelaxNgValidationResult Finish(Pattern after, in Where root)
    {
        if (after.Kind == PatternKind.NotAllowed && _errors.Count == 0)
        {
            Report(root, "the document does not match the schema");
        }

        if (_checkIdRefs)
        {
            CheckIdRefs();
        }

        _cache.ReleaseIds();
        if (_refs.Count <= MaxKeptRefs)
        {
            _refs.Clear();
            _cache.KeepScratch(_refs);
        }

        return new RelaxNgValidationResult(_errors);
    }

    private void CountVisit()
    {
        if ((++_visits & 1023) == 0)
        {
            _cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// The start tag: opens the element, takes its attributes (in <see cref="_attributes"/>) and closes the tag.
    /// Returns <see langword="null"/> when the element is not allowed here (reported; its content is skipped).
    /// </summary>
    private Pattern? StartTag(Pattern p, XName name, in Where at)
    {
        var open = StartTagOpen(p, name);
        if (open.Kind == PatternKind.NotAllowed)
        {
            Report(at, $"element <{name.LocalName}> is not allowed here; expected {Expected(p, forEnd: false)}");
            return null;
        }

        var q = open;
        foreach (ref readonly var attribute in CollectionsMarshal.AsSpan(_attributes))
        {
            var next = Attribute(q, attribute);
            if (next.Kind == PatternKind.NotAllowed)
            {
                if (ReportAttribute(q, name, attribute))
                {
                    // The name was expected and only the value is wrong: go on as if it were right.
                    q = AttDeriv(q, attribute.Name, null);
                }

                continue;
            }

            q = next;
        }

        var closed = StartTagClose(q);
        if (closed.Kind == PatternKind.NotAllowed)
        {
            Report(at, $"element <{name.LocalName}> lacks required attribute(s): {ExpectedAttributes(q)}");
            closed = StartTagClose(DropAttributes(q));
        }

        return closed;
    }

    /// <summary>The end tag of an element whose content took the pattern to <paramref name="q"/>.</summary>
    private Pattern EndTagOf(Pattern q, XName name, in Where at)
    {
        var end = EndTag(q);
        if (end.Kind == PatternKind.NotAllowed && q.Kind != PatternKind.NotAllowed)
        {
            Report(at, $"element <{name.LocalName}> is incomplete; expected {Expected(q, forEnd: true)}");
            end = RecoverEnd(q);
        }

        return end;
    }

    /// <summary>The whole content of an element without element children (possibly empty text).</summary>
    private Pattern TextOnly(Pattern p, string text, in Where at)
    {
        Pattern next;
        if (text.Length == 0)
        {
            if (_cache.Memo(p.Id).EmptyContent is not { } empty)
            {
                empty = _b.Choice(p, TextDeriv(p, text, memo: true));
                _cache.Memo(p.Id).EmptyContent = empty;
                _cache.Rows++;
            }

            next = empty;
        }
        else
        {
            next = IsWhitespace(text) ? _b.Choice(p, TextDeriv(p, text, memo: true)) : TextDeriv(p, text, memo: true);
        }

        if (next.Kind == PatternKind.NotAllowed && p.Kind != PatternKind.NotAllowed)
        {
            Report(at, $"{(text.Length == 0 ? "empty content" : $"text '{Shorten(text)}'")} is not valid here; expected {Expected(p, forEnd: false)}");
            return p;
        }

        return next;
    }

    /// <summary>A run of text between child elements (whitespace is ignored there).</summary>
    private Pattern MixedText(Pattern p, StringBuilder? pending, in Where at)
    {
        if (pending is null || p.Kind == PatternKind.NotAllowed)
        {
            return p;
        }

        var text = pending.ToString();
        if (IsWhitespace(text))
        {
            return p;
        }

        var next = TextDeriv(p, text, memo: true);
        if (next.Kind == PatternKind.NotAllowed)
        {
            Report(at, $"text '{Shorten(text)}' is not allowed here; expected {Expected(p, forEnd: false)}");
            return p;
        }

        return next;
    }

    private static bool IsWhitespace(string s) => Datatype.IsAllSpace(s);

    /// <summary>
    /// Where an error is: a node of a tree (which has its own line information and path), or a line and position
    /// in a streamed document with the element it is in (<see cref="Frame"/>), or with <see cref="Live"/> the
    /// elements open when it is reported.
    /// </summary>
    private readonly record struct Where(XObject? Node, ElementFrame? Frame, int Line, int Position, bool Live = false)
    {
        public static Where Of(XObject node) => new(node, null, 0, 0);

        /// <summary>A streamed location inside the elements open now (their path is taken if an error is reported).</summary>
        public static Where Open(int line, int position) => new(null, null, line, position, Live: true);
    }

    /// <summary>
    /// One attribute of the start tag being validated: from a tree (<see cref="Node"/>) or from a reader, or from the
    /// scanner, which leaves a plain value in the document's bytes (<see cref="Value"/> <see langword="null"/>,
    /// <see cref="RawStart"/> and <see cref="RawLength"/> set): <see cref="ValueOf"/> gives it as a string.
    /// </summary>
    private readonly record struct AttributeItem(XName Name, string? Value, XAttribute? Node, int Line, int Position, int RawStart = 0, int RawLength = 0);

    /// <summary>An attribute's value as a string (a plain scanned value from the scanner's cache of short values).</summary>
    private string ValueOf(in AttributeItem attribute) => attribute.Value ?? _scanner!.CachedValue(attribute.RawStart, attribute.RawLength);
}
