using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Clustering.Cib.Validation;

/// <summary>
/// Validates one document by pattern derivatives (James Clark, "An algorithm for RELAX NG validation"):
/// each start tag, attribute, text and end tag turns the current pattern into its derivative, memoized on the
/// hash-consed pattern ids, so repeated structures of a large CIB cost one dictionary lookup each.
/// ID and IDREF datatypes are checked document-wide the way libxml2 does: an ID value used by two attributes
/// fails the second, and an IDREF to no ID is an error at the end. Not thread-safe: one per validation.
/// </summary>
internal sealed class RelaxNgValidator
{
    private const int MaxExpected = 12;

    /// <summary>Deeper trees (possible only when built in code, loading stops at 256) are refused, not recursed into.</summary>
    private const int MaxDepth = 1024;

    private readonly PatternBuilder _b;
    private readonly Pattern _start;
    private readonly bool _checkIdRefs;
    private readonly int _maxErrors;
    private readonly CancellationToken _cancellationToken;
    private readonly List<RelaxNgValidationError> _errors = [];
    private readonly Dictionary<(int, XName), Pattern> _startTagOpen = [];
    private readonly Dictionary<(int, XName, ulong), Pattern> _att = [];
    private readonly Dictionary<(int, XName), Pattern[]> _candidates = [];
    private readonly Dictionary<(int, string), bool> _valueMatch = [];
    private readonly Dictionary<int, bool> _usesIds = [];
    private readonly Dictionary<int, Pattern> _startTagClose = [];
    private readonly Dictionary<int, Pattern> _endTag = [];
    private readonly Dictionary<(int, string), Pattern> _text = [];
    private readonly Dictionary<(byte, int, int), Pattern> _applyAfter = [];
    private readonly Dictionary<string, XAttribute> _ids = new(StringComparer.Ordinal);
    private readonly List<(string Value, XAttribute Attribute)> _refs = [];
    private bool _attDuplicate;
    private IdKind _attMatched;
    private int _visits;
    private int _depth;

    public RelaxNgValidator(PatternBuilder schemaBuilder, Pattern start, bool checkIdRefs, int maxErrors, CancellationToken cancellationToken)
    {
        _b = new PatternBuilder(schemaBuilder);
        _start = start;
        _checkIdRefs = checkIdRefs;
        _maxErrors = maxErrors;
        _cancellationToken = cancellationToken;
    }

    private enum AfterOp : byte
    {
        InterleaveLeft,
        InterleaveRight,
        GroupWith,
        AfterWith,
        OneOrMoreThen,
    }

    public RelaxNgValidationResult Validate(XElement root)
    {
        var after = Element(root, _start);
        if (after.Kind == PatternKind.NotAllowed && _errors.Count == 0)
        {
            Report(root, "the document does not match the schema");
        }

        if (_checkIdRefs)
        {
            foreach (var (value, attribute) in _refs)
            {
                if (!_ids.ContainsKey(value))
                {
                    Report(attribute, $"IDREF attribute {attribute.Name.LocalName} refers to an unknown ID '{value}'");
                }
            }
        }

        return new RelaxNgValidationResult(_errors);
    }

    private static string PathOf(XObject node)
    {
        var chain = new List<string>();
        for (var e = node as XElement ?? node.Parent; e is not null; e = e.Parent)
        {
            chain.Add(Step(e));
        }

        chain.Reverse();
        return "/" + string.Join('/', chain);
    }

    private static string Step(XElement e)
    {
        var id = e.Attribute("id");
        var name = e.Name.NamespaceName.Length == 0 ? e.Name.LocalName : $"{{{e.Name.NamespaceName}}}{e.Name.LocalName}";
        return id is null ? name : $"{name}[@id='{id.Value}']";
    }

    private void Report(XObject node, string message)
    {
        if (_errors.Count >= _maxErrors)
        {
            return;
        }

        var info = (IXmlLineInfo)node;
        _errors.Add(new RelaxNgValidationError(info.HasLineInfo() ? info.LineNumber : 0, info.HasLineInfo() ? info.LinePosition : 0, PathOf(node), message));
    }

    // ---- the walk ----

    private Pattern Element(XElement element, Pattern p)
    {
        if ((++_visits & 1023) == 0)
        {
            _cancellationToken.ThrowIfCancellationRequested();
        }

        {
            if (p.Kind == PatternKind.NotAllowed)
            {
                return p;
            }

            if (_depth >= MaxDepth)
            {
                Report(element, $"element <{element.Name.LocalName}> is nested deeper than {MaxDepth} levels; not validated");
                return _b.NotAllowed;
            }

            _depth++;
            try
            {
                return ElementCore(element, p);
            }
            finally
            {
                _depth--;
            }
        }
    }

    private Pattern ElementCore(XElement element, Pattern p)
    {
        {
            var name = element.Name;
            var open = StartTagOpen(p, name);
            if (open.Kind == PatternKind.NotAllowed)
            {
                Report(element, $"element <{name.LocalName}> is not allowed here; expected {Expected(p, forEnd: false)}");
                return p;
            }

            var q = open;
            for (var attribute = element.FirstAttribute; attribute is not null; attribute = attribute.NextAttribute)
            {
                if (attribute.IsNamespaceDeclaration)
                {
                    continue;
                }

                var next = Attribute(q, attribute);
                if (next.Kind == PatternKind.NotAllowed)
                {
                    if (ReportAttribute(q, element, attribute))
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
                Report(element, $"element <{name.LocalName}> lacks required attribute(s): {ExpectedAttributes(q)}");
                closed = StartTagClose(DropAttributes(q));
            }

            q = closed;
            q = Children(element, q);
            var end = EndTag(q);
            if (end.Kind == PatternKind.NotAllowed && q.Kind != PatternKind.NotAllowed)
            {
                Report(element, $"element <{name.LocalName}> is incomplete; expected {Expected(q, forEnd: true)}");
                end = RecoverEnd(q);
            }

            return end;
        }
    }

    private Pattern Children(XElement element, Pattern p)
    {
        var hasElements = false;
        for (var node = element.FirstNode; node is not null; node = node.NextNode)
        {
            if (node.NodeType == XmlNodeType.Element)
            {
                hasElements = true;
                break;
            }
        }

        if (!hasElements)
        {
            var text = element.FirstNode is null ? "" : TextOf(element.Nodes());
            var next = IsWhitespace(text) ? _b.Choice(p, TextDeriv(p, text, memo: true)) : TextDeriv(p, text, memo: true);
            if (next.Kind == PatternKind.NotAllowed && p.Kind != PatternKind.NotAllowed)
            {
                Report(element, $"{(text.Length == 0 ? "empty content" : $"text '{Shorten(text)}'")} is not valid here; expected {Expected(p, forEnd: false)}");
                return p;
            }

            return next;
        }

        StringBuilder? pending = null;
        XNode? pendingNode = null;
        for (var node = element.FirstNode; node is not null; node = node.NextNode)
        {
            switch (node)
            {
                case XText text:
                    pending ??= new StringBuilder();
                    pending.Append(text.Value);
                    pendingNode ??= node;
                    break;
                case XElement child:
                    p = FlushText(p, pending, pendingNode);
                    pending = null;
                    pendingNode = null;
                    p = Element(child, p);
                    break;
                default:
                    break;
            }
        }

        return FlushText(p, pending, pendingNode);
    }

    private Pattern FlushText(Pattern p, StringBuilder? pending, XNode? node)
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
            Report(node!, $"text '{Shorten(text)}' is not allowed here; expected {Expected(p, forEnd: false)}");
            return p;
        }

        return next;
    }

    private static string TextOf(IEnumerable<XNode> nodes)
    {
        string? single = null;
        StringBuilder? sb = null;
        foreach (var node in nodes)
        {
            if (node is XText text)
            {
                if (single is null)
                {
                    single = text.Value;
                }
                else
                {
                    sb ??= new StringBuilder(single);
                    sb.Append(text.Value);
                }
            }
        }

        return sb?.ToString() ?? single ?? "";
    }

    private static bool IsWhitespace(string s)
    {
        foreach (var c in s)
        {
            if (!Datatype.IsSpace(c))
            {
                return false;
            }
        }

        return true;
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..37] + "...";

    /// <summary>Reports a refused attribute; returns whether its name was expected (only the value is wrong).</summary>
    private bool ReportAttribute(Pattern p, XElement element, XAttribute attribute)
    {
        var name = attribute.Name;
        var candidates = new List<Pattern>();
        CollectAttributes(p, candidates, [], name);
        if (candidates.Count == 0)
        {
            Report(attribute, $"attribute {name.LocalName} is not allowed on <{element.Name.LocalName}>");
            return false;
        }

        if (_attDuplicate && candidates.Exists(c => HasIdData(c.P1!, [])))
        {
            Report(attribute, $"ID '{attribute.Value}' of attribute {name.LocalName} is already used by another element");
            return true;
        }

        var expectations = new List<string>();
        foreach (var candidate in candidates)
        {
            DescribeValues(candidate.P1!, expectations, []);
        }

        Report(attribute, $"attribute {name.LocalName} has an invalid value '{Shorten(attribute.Value)}'; expected {Join(expectations)}");
        return true;
    }

    // ---- derivatives ----

    private Pattern StartTagOpen(Pattern p, XName name)
    {
        if (_startTagOpen.TryGetValue((p.Id, name), out var cached))
        {
            return cached;
        }

        var result = p.Kind switch
        {
            PatternKind.Choice => _b.Choice(StartTagOpen(p.P1!, name), StartTagOpen(p.P2!, name)),
            PatternKind.Element => p.NameClass!.Contains(name) ? _b.After(p.Content!, _b.Empty) : _b.NotAllowed,
            PatternKind.Interleave => _b.Choice(
                ApplyAfter(AfterOp.InterleaveLeft, p.P2!, StartTagOpen(p.P1!, name)),
                ApplyAfter(AfterOp.InterleaveRight, p.P1!, StartTagOpen(p.P2!, name))),
            PatternKind.OneOrMore => ApplyAfter(AfterOp.OneOrMoreThen, p, StartTagOpen(p.P1!, name)),
            PatternKind.Group => GroupStartTagOpen(p, name),
            PatternKind.After => ApplyAfter(AfterOp.AfterWith, p.P2!, StartTagOpen(p.P1!, name)),
            _ => _b.NotAllowed,
        };
        _startTagOpen[(p.Id, name)] = result;
        return result;
    }

    private Pattern GroupStartTagOpen(Pattern p, XName name)
    {
        var x = ApplyAfter(AfterOp.GroupWith, p.P2!, StartTagOpen(p.P1!, name));
        return p.P1!.Nullable ? _b.Choice(x, StartTagOpen(p.P2!, name)) : x;
    }

    private Pattern ApplyAfter(AfterOp op, Pattern operand, Pattern p)
    {
        if (p.Kind == PatternKind.NotAllowed)
        {
            return p;
        }

        var key = ((byte)op, operand.Id, p.Id);
        if (_applyAfter.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var result = p.Kind switch
        {
            PatternKind.After => _b.After(p.P1!, Apply(op, operand, p.P2!)),
            PatternKind.Choice => _b.Choice(ApplyAfter(op, operand, p.P1!), ApplyAfter(op, operand, p.P2!)),
            _ => _b.NotAllowed,
        };
        _applyAfter[key] = result;
        return result;
    }

    private Pattern Apply(AfterOp op, Pattern operand, Pattern x) => op switch
    {
        AfterOp.InterleaveLeft => _b.Interleave(x, operand),
        AfterOp.InterleaveRight => _b.Interleave(operand, x),
        AfterOp.GroupWith => _b.Group(x, operand),
        AfterOp.AfterWith => _b.After(x, operand),
        _ => _b.Group(x, _b.Choice(operand, _b.Empty)),
    };

    private Pattern Attribute(Pattern p, XAttribute attribute)
    {
        var name = attribute.Name;
        if (!_candidates.TryGetValue((p.Id, name), out var candidates))
        {
            var list = new List<Pattern>();
            CollectAttributes(p, list, [], name);
            candidates = [.. list];
            _candidates[(p.Id, name)] = candidates;
        }

        if (candidates.Length == 0)
        {
            _attDuplicate = false;
            return _b.NotAllowed;
        }

        var value = attribute.Value;
        string? stripped = null;
        var tentative = false;
        _attDuplicate = false;
        foreach (var candidate in candidates)
        {
            if (candidate.HasIdContent)
            {
                // One hash lookup: claim the ID now and give it back below if the attribute turns out not to be one.
                stripped = Datatype.Collapse(value);
                ref var owner = ref CollectionsMarshal.GetValueRefOrAddDefault(_ids, stripped, out var exists);
                if (!exists)
                {
                    owner = attribute;
                    tentative = true;
                }

                _attDuplicate = exists && !ReferenceEquals(owner, attribute);
                break;
            }
        }

        // The derivative depends on the value only through which candidate attributes accept it.
        _attMatched = IdKind.None;
        ulong mask = 0;
        for (var i = 0; i < candidates.Length; i++)
        {
            if (ValueMatch(candidates[i].P1!, value))
            {
                mask |= i < 64 ? 1UL << i : 0;
            }
        }

        var matched = _attMatched;
        Pattern result;
        if (candidates.Length <= 64)
        {
            var key = (p.Id, name, mask);
            if (!_att.TryGetValue(key, out result!))
            {
                result = AttDeriv(p, name, candidates, mask);
                _att[key] = result;
            }
        }
        else
        {
            result = AttDeriv(p, name, value);
        }

        var keepId = false;
        if (result.Kind != PatternKind.NotAllowed && matched != IdKind.None)
        {
            stripped ??= Datatype.Collapse(value);
            switch (matched)
            {
                case IdKind.Id:
                    keepId = true;
                    _ids.TryAdd(stripped, attribute);
                    break;
                case IdKind.IdRef:
                    _refs.Add((stripped, attribute));
                    break;
                default:
                    foreach (var token in stripped.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    {
                        _refs.Add((token, attribute));
                    }

                    break;
            }
        }

        if (tentative && !keepId)
        {
            _ids.Remove(stripped!);
        }

        return result;
    }

    /// <summary>The attribute derivative when it is known which candidate attribute patterns accept the value.</summary>
    private Pattern AttDeriv(Pattern p, XName name, Pattern[] candidates, ulong mask) => p.Kind switch
    {
        PatternKind.After => _b.After(AttDeriv(p.P1!, name, candidates, mask), p.P2!),
        PatternKind.Choice => _b.Choice(AttDeriv(p.P1!, name, candidates, mask), AttDeriv(p.P2!, name, candidates, mask)),
        PatternKind.Group => _b.Choice(_b.Group(AttDeriv(p.P1!, name, candidates, mask), p.P2!), _b.Group(p.P1!, AttDeriv(p.P2!, name, candidates, mask))),
        PatternKind.Interleave => _b.Choice(_b.Interleave(AttDeriv(p.P1!, name, candidates, mask), p.P2!), _b.Interleave(p.P1!, AttDeriv(p.P2!, name, candidates, mask))),
        PatternKind.OneOrMore => _b.Group(AttDeriv(p.P1!, name, candidates, mask), _b.Choice(p, _b.Empty)),
        PatternKind.Attribute => Array.IndexOf(candidates, p) is var i and >= 0 && (mask & (1UL << i)) != 0 ? _b.Empty : _b.NotAllowed,
        _ => _b.NotAllowed,
    };

    /// <summary>The attribute derivative; a <see langword="null"/> value matches any value (error recovery).</summary>
    private Pattern AttDeriv(Pattern p, XName name, string? value) => p.Kind switch
    {
        PatternKind.After => _b.After(AttDeriv(p.P1!, name, value), p.P2!),
        PatternKind.Choice => _b.Choice(AttDeriv(p.P1!, name, value), AttDeriv(p.P2!, name, value)),
        PatternKind.Group => _b.Choice(_b.Group(AttDeriv(p.P1!, name, value), p.P2!), _b.Group(p.P1!, AttDeriv(p.P2!, name, value))),
        PatternKind.Interleave => _b.Choice(_b.Interleave(AttDeriv(p.P1!, name, value), p.P2!), _b.Interleave(p.P1!, AttDeriv(p.P2!, name, value))),
        PatternKind.OneOrMore => _b.Group(AttDeriv(p.P1!, name, value), _b.Choice(p, _b.Empty)),
        PatternKind.Attribute => p.NameClass!.Contains(name) && (value is null || ValueMatch(p.P1!, value)) ? _b.Empty : _b.NotAllowed,
        _ => _b.NotAllowed,
    };

    private bool ValueMatch(Pattern p, string value)
    {
        switch (p.Kind)
        {
            case PatternKind.Text:
                return true;
            case PatternKind.Data:
                return DataAllows(p.Datatype!, value, memo: false);
            case PatternKind.Value:
                return p.Datatype!.TryParse(value, out var v) && Datatype.ValuesEqual(v, p.LiteralValue!);
            default:
                break;
        }

        if (p.Nullable && IsWhitespace(value))
        {
            return true;
        }

        if (value.Length > 64 || UsesIds(p))
        {
            return TextDeriv(p, value, memo: false).Nullable;
        }

        if (!_valueMatch.TryGetValue((p.Id, value), out var match))
        {
            match = TextDeriv(p, value, memo: false).Nullable;
            _valueMatch[(p.Id, value)] = match;
        }

        return match;
    }

    private bool UsesIds(Pattern p)
    {
        if (!_usesIds.TryGetValue(p.Id, out var uses))
        {
            uses = HasIdTypes(p, []);
            _usesIds[p.Id] = uses;
        }

        return uses;
    }

    private static bool HasIdTypes(Pattern p, HashSet<int> seen) => seen.Add(p.Id) && p.Kind switch
    {
        PatternKind.Data or PatternKind.DataExcept or PatternKind.Value => p.Datatype!.IdKind != IdKind.None,
        PatternKind.Choice or PatternKind.Group or PatternKind.Interleave => HasIdTypes(p.P1!, seen) || HasIdTypes(p.P2!, seen),
        PatternKind.OneOrMore or PatternKind.List => HasIdTypes(p.P1!, seen),
        _ => false,
    };

    private Pattern StartTagClose(Pattern p)
    {
        if (_startTagClose.TryGetValue(p.Id, out var cached))
        {
            return cached;
        }

        var result = p.Kind switch
        {
            PatternKind.After => _b.After(StartTagClose(p.P1!), p.P2!),
            PatternKind.Choice => _b.Choice(StartTagClose(p.P1!), StartTagClose(p.P2!)),
            PatternKind.Group => _b.Group(StartTagClose(p.P1!), StartTagClose(p.P2!)),
            PatternKind.Interleave => _b.Interleave(StartTagClose(p.P1!), StartTagClose(p.P2!)),
            PatternKind.OneOrMore => _b.OneOrMore(StartTagClose(p.P1!)),
            PatternKind.Attribute => _b.NotAllowed,
            _ => p,
        };
        _startTagClose[p.Id] = result;
        return result;
    }

    private Pattern DropAttributes(Pattern p) => p.Kind switch
    {
        PatternKind.After => _b.After(DropAttributes(p.P1!), p.P2!),
        PatternKind.Choice => _b.Choice(DropAttributes(p.P1!), DropAttributes(p.P2!)),
        PatternKind.Group => _b.Group(DropAttributes(p.P1!), DropAttributes(p.P2!)),
        PatternKind.Interleave => _b.Interleave(DropAttributes(p.P1!), DropAttributes(p.P2!)),
        PatternKind.OneOrMore => _b.Choice(_b.OneOrMore(DropAttributes(p.P1!)), _b.Empty),
        PatternKind.Attribute => _b.Empty,
        _ => p,
    };

    private Pattern TextDeriv(Pattern p, string s, bool memo)
    {
        if (memo && s.Length <= 256 && _text.TryGetValue((p.Id, s), out var cached))
        {
            return cached;
        }

        Pattern result;
        switch (p.Kind)
        {
            case PatternKind.Choice:
                result = _b.Choice(TextDeriv(p.P1!, s, memo), TextDeriv(p.P2!, s, memo));
                break;
            case PatternKind.Interleave:
                result = _b.Choice(_b.Interleave(TextDeriv(p.P1!, s, memo), p.P2!), _b.Interleave(p.P1!, TextDeriv(p.P2!, s, memo)));
                break;
            case PatternKind.Group:
            {
                var x = _b.Group(TextDeriv(p.P1!, s, memo), p.P2!);
                result = p.P1!.Nullable ? _b.Choice(x, TextDeriv(p.P2!, s, memo)) : x;
                break;
            }

            case PatternKind.After:
                result = _b.After(TextDeriv(p.P1!, s, memo), p.P2!);
                break;
            case PatternKind.OneOrMore:
                result = _b.Group(TextDeriv(p.P1!, s, memo), _b.Choice(p, _b.Empty));
                break;
            case PatternKind.Text:
                result = p;
                break;
            case PatternKind.Value:
                result = p.Datatype!.TryParse(s, out var v) && Datatype.ValuesEqual(v, p.LiteralValue!) ? _b.Empty : _b.NotAllowed;
                break;
            case PatternKind.Data:
                result = DataAllows(p.Datatype!, s, memo) ? _b.Empty : _b.NotAllowed;
                break;
            case PatternKind.DataExcept:
                result = DataAllows(p.Datatype!, s, memo) && !TextDeriv(p.P1!, s, memo).Nullable ? _b.Empty : _b.NotAllowed;
                break;
            case PatternKind.List:
                result = ListDeriv(p.P1!, s, memo).Nullable ? _b.Empty : _b.NotAllowed;
                break;
            default:
                result = _b.NotAllowed;
                break;
        }

        if (memo && s.Length <= 256)
        {
            _text[(p.Id, s)] = result;
        }

        return result;
    }

    private Pattern ListDeriv(Pattern p, string s, bool memo)
    {
        foreach (var token in s.Split([' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries))
        {
            p = TextDeriv(p, token, memo);
            if (p.Kind == PatternKind.NotAllowed)
            {
                break;
            }
        }

        return p;
    }

    /// <summary>Checks a datatype; in attribute context (not memoized) also applies libxml2's ID rules.</summary>
    private bool DataAllows(Datatype type, string s, bool memo)
    {
        if (!type.TryParse(s, out _))
        {
            return false;
        }

        if (memo || type.IdKind == IdKind.None)
        {
            return true;
        }

        if (type.IdKind == IdKind.Id)
        {
            if (_attDuplicate)
            {
                return false;
            }
        }

        if (_attMatched == IdKind.None || type.IdKind == IdKind.Id)
        {
            _attMatched = type.IdKind;
        }

        return true;
    }

    private Pattern EndTag(Pattern p)
    {
        if (_endTag.TryGetValue(p.Id, out var cached))
        {
            return cached;
        }

        var result = p.Kind switch
        {
            PatternKind.Choice => _b.Choice(EndTag(p.P1!), EndTag(p.P2!)),
            PatternKind.After => p.P1!.Nullable ? p.P2! : _b.NotAllowed,
            _ => _b.NotAllowed,
        };
        _endTag[p.Id] = result;
        return result;
    }

    private Pattern RecoverEnd(Pattern p) => p.Kind switch
    {
        PatternKind.Choice => _b.Choice(RecoverEnd(p.P1!), RecoverEnd(p.P2!)),
        PatternKind.After => p.P2!,
        _ => _b.NotAllowed,
    };

    // ---- what was expected ----

    private static string Expected(Pattern p, bool forEnd)
    {
        var items = new List<string>();
        CollectExpected(p, items, [], forEnd);
        return Join(items);
    }

    private static string Join(List<string> items)
    {
        if (items.Count == 0)
        {
            return "nothing more";
        }

        var distinct = items.Distinct(StringComparer.Ordinal).ToList();
        var shown = string.Join(", ", distinct.Take(MaxExpected));
        return distinct.Count > MaxExpected ? $"{shown}, ... ({distinct.Count - MaxExpected} more)" : shown;
    }

    private static void CollectExpected(Pattern p, List<string> items, HashSet<int> seen, bool forEnd)
    {
        if (!seen.Add(p.Id))
        {
            return;
        }

        switch (p.Kind)
        {
            case PatternKind.Choice or PatternKind.Interleave:
                CollectExpected(p.P1!, items, seen, forEnd);
                CollectExpected(p.P2!, items, seen, forEnd);
                break;
            case PatternKind.Group:
                CollectExpected(p.P1!, items, seen, forEnd);
                if (p.P1!.Nullable)
                {
                    CollectExpected(p.P2!, items, seen, forEnd);
                }

                break;
            case PatternKind.OneOrMore:
                CollectExpected(p.P1!, items, seen, forEnd);
                break;
            case PatternKind.After:
                CollectExpected(p.P1!, items, seen, forEnd);
                if (!forEnd && p.P1!.Nullable)
                {
                    items.Add("the end of the element");
                }

                break;
            case PatternKind.Element:
                items.Add(p.NameClass!.Describe(false));
                break;
            case PatternKind.Attribute:
                items.Add(p.NameClass!.Describe(true));
                break;
            case PatternKind.Text or PatternKind.Data or PatternKind.DataExcept or PatternKind.Value or PatternKind.List:
                items.Add("text");
                break;
            default:
                break;
        }
    }

    private static string ExpectedAttributes(Pattern p)
    {
        var items = new List<string>();
        CollectRequiredAttributes(p, items, []);
        return items.Count == 0 ? Expected(p, forEnd: false) : Join(items);
    }

    private static void CollectRequiredAttributes(Pattern p, List<string> items, HashSet<int> seen)
    {
        if (!seen.Add(p.Id))
        {
            return;
        }

        switch (p.Kind)
        {
            case PatternKind.After:
                CollectRequiredAttributes(p.P1!, items, seen);
                break;
            case PatternKind.Group or PatternKind.Interleave:
                CollectRequiredAttributes(p.P1!, items, seen);
                CollectRequiredAttributes(p.P2!, items, seen);
                break;
            case PatternKind.Choice when !p.Nullable:
                CollectRequiredAttributes(p.P1!, items, seen);
                CollectRequiredAttributes(p.P2!, items, seen);
                break;
            case PatternKind.OneOrMore:
                CollectRequiredAttributes(p.P1!, items, seen);
                break;
            case PatternKind.Attribute:
                items.Add(p.NameClass!.Describe(true));
                break;
            default:
                break;
        }
    }

    private static void CollectAttributes(Pattern p, List<Pattern> into, HashSet<int> seen, XName name)
    {
        if (!seen.Add(p.Id))
        {
            return;
        }

        switch (p.Kind)
        {
            case PatternKind.After or PatternKind.OneOrMore:
                CollectAttributes(p.P1!, into, seen, name);
                break;
            case PatternKind.Group or PatternKind.Interleave or PatternKind.Choice:
                CollectAttributes(p.P1!, into, seen, name);
                CollectAttributes(p.P2!, into, seen, name);
                break;
            case PatternKind.Attribute when p.NameClass!.Contains(name):
                into.Add(p);
                break;
            default:
                break;
        }
    }

    private static bool HasIdData(Pattern p, HashSet<int> seen)
    {
        if (!seen.Add(p.Id))
        {
            return false;
        }

        return p.Kind switch
        {
            PatternKind.Data or PatternKind.DataExcept => p.Datatype!.IdKind == IdKind.Id,
            PatternKind.Choice or PatternKind.Group or PatternKind.Interleave => HasIdData(p.P1!, seen) || HasIdData(p.P2!, seen),
            PatternKind.OneOrMore or PatternKind.List => HasIdData(p.P1!, seen),
            _ => false,
        };
    }

    private static void DescribeValues(Pattern p, List<string> items, HashSet<int> seen)
    {
        if (!seen.Add(p.Id))
        {
            return;
        }

        switch (p.Kind)
        {
            case PatternKind.Choice or PatternKind.Group or PatternKind.Interleave:
                DescribeValues(p.P1!, items, seen);
                DescribeValues(p.P2!, items, seen);
                break;
            case PatternKind.OneOrMore or PatternKind.List:
                DescribeValues(p.P1!, items, seen);
                break;
            case PatternKind.Value:
                items.Add($"'{p.Literal}'");
                break;
            case PatternKind.Data or PatternKind.DataExcept:
                items.Add(string.Create(CultureInfo.InvariantCulture, $"a value of type {p.Datatype}{(p.Kind == PatternKind.DataExcept ? " (with exceptions)" : "")}"));
                break;
            case PatternKind.Text:
                items.Add("any text");
                break;
            case PatternKind.Empty:
                items.Add("an empty value");
                break;
            default:
                break;
        }
    }
}
