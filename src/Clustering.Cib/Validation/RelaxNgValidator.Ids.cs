using System.Xml.Linq;

namespace Clustering.Cib.Validation;

/// <summary>
/// ID, IDREF and IDREFS checked document-wide the way libxml2 does: an ID value used by two attributes fails the
/// second, and an IDREF to no ID is an error at the end of the document.
/// </summary>
internal sealed partial class RelaxNgValidator
{
    /// <summary>The IDs seen so far: the cache's set, reused between validations so a large CIB does not regrow one each time.</summary>
    private readonly IdSet _ids;
    /// <summary>The IDREFs noted so far, checked at the end: a list kept on the cache between validations, like <see cref="_ids"/>.</summary>
    private readonly List<(string Value, Where At, string Name)> _refs;
    private bool _attDuplicate;
    private IdKind _attMatched;

    private void CheckIdRefs()
    {
        if (_refs.Count == 0)
        {
            return;
        }

        foreach (var (value, at, name) in _refs)
        {
            if (!_ids.Contains(value))
            {
                Report(at, $"IDREF attribute {name} refers to an unknown ID '{value}'");
            }
        }
    }

    private static Where AttributeWhere(in AttributeItem attribute)
        => attribute.Node is not null ? Where.Of(attribute.Node) : Where.Open(attribute.Line, attribute.Position);

    /// <summary>The attribute derivative for one attribute of a start tag, claiming its ID or noting its IDREFs.</summary>
    private Pattern Attribute(Pattern p, in AttributeItem attribute)
    {
        var name = attribute.Name;
        var row = AttributeRow(p, name);
        var candidates = row.Candidates;
        if (candidates.Length == 0)
        {
            _attDuplicate = false;
            return _b.NotAllowed;
        }

        if (attribute.Value is null)
        {
            if (row.PlainId is { } idType && TryPlainId(p, row, idType, attribute) is { } plain)
            {
                return plain;
            }

            // Without ID types, a value equal to the last one of this pattern and name is accepted by the same
            // candidates: a byte comparison instead of the checks (a CIB repeats "ocf", "start", "0" thousands of times).
            if (row.WithoutIds && candidates.Length <= 64)
            {
                var bytes = _scanner!.Data.AsSpan(attribute.RawStart, attribute.RawLength);
                if (row.TryLast(bytes, out var lastMask))
                {
                    _attDuplicate = false;
                    _attMatched = IdKind.None;
                    return CachedAttDeriv(p, row, name, lastMask);
                }
            }
        }

        // A plain scanned value becomes a string only when a check needs one.
        var value = attribute.Value;
        string? stripped = null;
        var tentative = false;
        _attDuplicate = false;
        foreach (var candidate in candidates)
        {
            if (candidate.HasIdContent)
            {
                // One hash lookup: claim the ID now and give it back below if the attribute turns out not to be one.
                stripped = Datatype.Collapse(value ??= ValueOf(attribute));
                tentative = _ids.Add(stripped);
                _attDuplicate = !tentative;
                break;
            }
        }

        // The derivative depends on the value only through which candidate attributes accept it.
        _attMatched = IdKind.None;
        ulong mask = 0;
        for (var i = 0; i < candidates.Length; i++)
        {
            if (ValueMatches(candidates[i].P1!, attribute, ref value))
            {
                mask |= i < 64 ? 1UL << i : 0;
            }
        }

        var matched = _attMatched;
        Pattern result;
        if (candidates.Length <= 64)
        {
            if (attribute.Value is null && row.WithoutIds)
            {
                row.Remember(_scanner!.Data.AsSpan(attribute.RawStart, attribute.RawLength), mask);
            }

            result = CachedAttDeriv(p, row, name, mask);
        }
        else
        {
            result = AttDeriv(p, name, value ??= ValueOf(attribute));
        }

        var keepId = false;
        if (result.Kind != PatternKind.NotAllowed && matched != IdKind.None)
        {
            stripped ??= Datatype.Collapse(value ??= ValueOf(attribute));
            switch (matched)
            {
                case IdKind.Id:
                    keepId = true;
                    if (!tentative)
                    {
                        _ids.Add(stripped);
                    }

                    break;
                case IdKind.IdRef:
                    NoteRef(stripped, attribute, tentative);
                    break;
                default:
                    foreach (var token in stripped.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    {
                        NoteRef(token, attribute, tentative);
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

    /// <summary>
    /// <see cref="ValueMatch"/> for an attribute whose value may still be in the scanned bytes (<paramref name="value"/>
    /// <see langword="null"/>): any text, and a datatype without ID semantics that <see cref="Datatype.AllowsAscii"/>
    /// decides, are answered from the bytes; anything else makes the string.
    /// </summary>
    private bool ValueMatches(Pattern p, in AttributeItem attribute, ref string? value)
    {
        if (value is null)
        {
            if (p.Kind == PatternKind.Text)
            {
                return true;
            }

            if (p.Kind == PatternKind.Data && p.Datatype!.IdKind == IdKind.None
                && p.Datatype.AllowsAscii(_scanner!.Data.AsSpan(attribute.RawStart, attribute.RawLength)) is { } allowed)
            {
                return allowed;
            }

            value = ValueOf(attribute);
        }

        return ValueMatch(p, value);
    }

    /// <summary>
    /// Notes an IDREF for the check at the end, unless its ID is already claimed for good (a kept ID is never given
    /// back, so the check could only pass): most references come after what they name. With a claim of this very
    /// attribute still <paramref name="tentative"/>, the reference is noted anyway.
    /// </summary>
    private void NoteRef(string value, in AttributeItem attribute, bool tentative)
    {
        if (tentative || !_ids.Contains(value))
        {
            _refs.Add((value, Freeze(AttributeWhere(attribute)), attribute.Name.LocalName));
        }
    }

    /// <summary>
    /// The common case of a scanned document: an attribute whose one candidate is an xsd:ID without facets, with a plain
    /// ASCII value without spaces (so whitespace collapsing leaves it as it is). The value is checked and claimed as an
    /// ID in its bytes, never made a string, with the same outcome as the general path below. <see langword="null"/>
    /// when the case does not apply.
    /// </summary>
    private Pattern? TryPlainId(Pattern p, AttributeMemo row, Datatype type, in AttributeItem attribute)
    {
        var bytes = _scanner!.Data.AsSpan(attribute.RawStart, attribute.RawLength);
        if (bytes.Contains((byte)' ') || type.AllowsAscii(bytes) is not { } allowed)
        {
            return null;
        }

        // As the general path: claim the ID, a value already claimed fails as a duplicate, and the claim is given back
        // when the attribute is not accepted after all.
        var added = _ids.AddAscii(attribute.RawStart, attribute.RawLength);
        _attDuplicate = !added;
        var matched = allowed && added;
        _attMatched = matched ? IdKind.Id : IdKind.None;
        var result = CachedAttDeriv(p, row, attribute.Name, matched ? 1UL : 0UL);
        if (added && (!matched || result.Kind == PatternKind.NotAllowed))
        {
            _ids.RemoveAscii(attribute.RawStart, attribute.RawLength);
        }

        return result;
    }

    /// <summary>What pattern <paramref name="p"/> does with attributes called <paramref name="name"/>: found once, then one lookup.</summary>
    private AttributeMemo AttributeRow(Pattern p, XName name)
    {
        var memo = _cache.Memo(p.Id);
        if (memo.Attributes.TryGetValue(name, out var row))
        {
            return row;
        }

        var list = new List<Pattern>();
        CollectAttributes(p, list, [], name);
        row = new AttributeMemo([.. list]);
        _cache.Memo(p.Id).Attributes.Set(name, row);
        _cache.Rows++;
        return row;
    }

    /// <summary>The attribute derivative memoized by pattern, name and the mask of candidates accepting the value.</summary>
    private Pattern CachedAttDeriv(Pattern p, AttributeMemo row, XName name, ulong mask)
    {
        if (row.Find(mask) is { } found)
        {
            return found;
        }

        var result = AttDeriv(p, name, row.Candidates, mask);
        row.Rows = [.. row.Rows, new MaskRow(mask, result)];
        _cache.Rows++;
        return result;
    }

    private bool UsesIds(Pattern p)
    {
        var memo = _cache.Memo(p.Id);
        if (memo.UsesIds == 0)
        {
            memo.UsesIds = HasIdTypes(p, []) ? (byte)2 : (byte)1;
            _cache.Rows++;
        }

        return memo.UsesIds == 2;
    }

    private static bool HasIdTypes(Pattern p, HashSet<int> seen) => seen.Add(p.Id) && p.Kind switch
    {
        PatternKind.Data or PatternKind.DataExcept or PatternKind.Value => p.Datatype!.IdKind != IdKind.None,
        PatternKind.Choice or PatternKind.Group or PatternKind.Interleave => HasIdTypes(p.P1!, seen) || HasIdTypes(p.P2!, seen),
        PatternKind.OneOrMore or PatternKind.List => HasIdTypes(p.P1!, seen),
        _ => false,
    };

    /// <summary>Checks a datatype; in attribute context (not memoized) also applies libxml2's ID rules.</summary>
    private bool DataAllows(Datatype type, string s, bool memo)
    {
        if (!type.Allows(s))
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
}
