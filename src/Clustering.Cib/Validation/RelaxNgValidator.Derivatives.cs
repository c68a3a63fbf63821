using System.Xml.Linq;

namespace Clustering.Cib.Validation;

/// <summary>
/// The derivative rules (Clark's startTagOpenDeriv, attDeriv, startTagCloseDeriv, textDeriv, endTagDeriv and the
/// applyAfter helper), each memoized in the <see cref="DerivativeCache"/> where its result depends only on patterns.
/// </summary>
internal sealed partial class RelaxNgValidator
{
    private Pattern StartTagOpen(Pattern p, XName name)
    {
        if (_cache.Memo(p.Id).StartTagOpen.TryGetValue(name, out var cached))
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
        if (_cache.Memo(p.Id).StartTagOpen.Set(name, result))
        {
            _cache.Rows++;
        }

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
        if (_cache.ApplyAfter.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var result = p.Kind switch
        {
            PatternKind.After => _b.After(p.P1!, Apply(op, operand, p.P2!)),
            PatternKind.Choice => _b.Choice(ApplyAfter(op, operand, p.P1!), ApplyAfter(op, operand, p.P2!)),
            _ => _b.NotAllowed,
        };
        _cache.ApplyAfter[key] = result;
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

        var memo = _cache.Memo(p.Id);
        memo.ValueMatch ??= new Dictionary<string, bool>(StringComparer.Ordinal);
        if (!memo.ValueMatch.TryGetValue(value, out var match))
        {
            match = TextDeriv(p, value, memo: false).Nullable;
            _cache.Memo(p.Id).ValueMatch![value] = match;
            _cache.Rows++;
        }

        return match;
    }

    private Pattern StartTagClose(Pattern p)
    {
        if (_cache.Memo(p.Id).StartTagClose is { } cached)
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
        _cache.Memo(p.Id).StartTagClose = result;
        _cache.Rows++;
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
        if (memo && s.Length <= 256 && _cache.Memo(p.Id).Text is { } texts && texts.TryGetValue(s, out var cached))
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
            (_cache.Memo(p.Id).Text ??= new Dictionary<string, Pattern>(StringComparer.Ordinal))[s] = result;
            _cache.Rows++;
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


    private Pattern EndTag(Pattern p)
    {
        if (_cache.Memo(p.Id).EndTag is { } cached)
        {
            return cached;
        }

        var result = p.Kind switch
        {
            PatternKind.Choice => _b.Choice(EndTag(p.P1!), EndTag(p.P2!)),
            PatternKind.After => p.P1!.Nullable ? p.P2! : _b.NotAllowed,
            _ => _b.NotAllowed,
        };
        _cache.Memo(p.Id).EndTag = result;
        _cache.Rows++;
        return result;
    }

    private Pattern RecoverEnd(Pattern p) => p.Kind switch
    {
        PatternKind.Choice => _b.Choice(RecoverEnd(p.P1!), RecoverEnd(p.P2!)),
        PatternKind.After => p.P2!,
        _ => _b.NotAllowed,
    };
}
