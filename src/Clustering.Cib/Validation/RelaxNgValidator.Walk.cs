using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Clustering.Cib.Validation;

/// <summary>
/// The streamed walk, shared by the two sources a document can be read from without a tree: an
/// <see cref="XmlReader"/> (<c>RelaxNgValidator.Reader.cs</c>) and our own UTF-8 scanner
/// (<c>RelaxNgValidator.Scanner.cs</c>). Generic over a struct source, so each gets its own compiled walk with
/// direct calls; both report the same errors at the same lines, positions and paths.
/// </summary>
internal sealed partial class RelaxNgValidator
{
    private XName[] _openNames = new XName[32];
    private AttributeItem?[] _openIds = new AttributeItem?[32];
    private ElementFrame?[] _openFrames = new ElementFrame?[32];
    private int _openCount;

    /// <summary>The current node of a streamed document, as the walk needs it.</summary>
    private interface IWalkSource
    {
        /// <summary>Element, EndElement, a text kind (Text, CDATA, Whitespace, SignificantWhitespace), None at the end, or another node to pass over.</summary>
        XmlNodeType NodeType { get; }

        /// <summary>Whether the current element has no end tag.</summary>
        bool IsEmptyElement { get; }

        /// <summary>The current node's line and position (0, 0 when unknown).</summary>
        (int Line, int Position) Position();

        /// <summary>The current element's name.</summary>
        XName ElementName();

        /// <summary>Adds the current element's attributes (not namespace declarations) and returns where its <c>id</c> is among them (-1: none).</summary>
        int ReadAttributes(List<AttributeItem> into);

        /// <summary>Moves to the next node.</summary>
        void Read();

        /// <summary>Moves past the current element and its content.</summary>
        void Skip();

        /// <summary>Appends the current text node's value.</summary>
        void AppendValue(StringBuilder text);
    }

    /// <summary>Validates the element the source is on and leaves the source just past its end.</summary>
    private Pattern ReadElement<TSource>(TSource source, Pattern p)
        where TSource : struct, IWalkSource
    {
        CountVisit();
        if (p.Kind == PatternKind.NotAllowed)
        {
            source.Skip();
            return p;
        }

        var (line, position) = source.Position();
        var name = source.ElementName();
        if (_depth >= MaxDepth)
        {
            Report(Where.Open(line, position), $"element <{name.LocalName}> is nested deeper than {MaxDepth} levels; not validated");
            source.Skip();
            return _b.NotAllowed;
        }

        var isEmpty = source.IsEmptyElement;
        _attributes.Clear();
        var id = source.ReadAttributes(_attributes);
        var at = Where.Open(line, position);
        _depth++;
        PushOpen(name, id < 0 ? null : _attributes[id]);
        try
        {
            var q = StartTag(p, name, at);
            if (q is null)
            {
                source.Skip();
                return p;
            }

            q = isEmpty ? TextOnly(q, "", at) : ReadContent(source, q, at);
            source.Read();
            return EndTagOf(q, name, at);
        }
        finally
        {
            PopOpen();
            _depth--;
        }
    }

    /// <summary>Reads the content of a non-empty element up to its end tag (the source stays on the end tag).</summary>
    private Pattern ReadContent<TSource>(TSource source, Pattern q, in Where at)
        where TSource : struct, IWalkSource
    {
        StringBuilder? pending = null;
        var textAt = at;
        var sawElement = false;
        source.Read();
        while (source.NodeType != XmlNodeType.EndElement)
        {
            switch (source.NodeType)
            {
                case XmlNodeType.Element:
                    q = MixedText(q, pending, textAt);
                    pending = null;
                    sawElement = true;
                    q = ReadElement(source, q);
                    continue;
                case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.SignificantWhitespace or XmlNodeType.Whitespace:
                    if (pending is null)
                    {
                        var (textLine, textPosition) = source.Position();
                        textAt = Where.Open(textLine, textPosition);
                        pending = new StringBuilder();
                    }

                    source.AppendValue(pending);
                    break;
                case XmlNodeType.None:
                    throw new XmlException("unexpected end of the document");
                default:
                    break;
            }

            source.Read();
        }

        return sawElement ? MixedText(q, pending, textAt) : TextOnly(q, pending?.ToString() ?? "", at);
    }

    /// <summary>
    /// Opens an element of a streamed document: its name and <c>id</c> go on a stack, and the <see cref="ElementFrame"/>
    /// chain an error path needs is only built when an error is reported (or an IDREF noted) inside it.
    /// </summary>
    private void PushOpen(XName name, AttributeItem? id)
    {
        if (_openCount == _openNames.Length)
        {
            Array.Resize(ref _openNames, _openCount * 2);
            Array.Resize(ref _openIds, _openCount * 2);
            Array.Resize(ref _openFrames, _openCount * 2);
        }

        _openNames[_openCount] = name;
        _openIds[_openCount] = id;
        _openFrames[_openCount] = null;
        _openCount++;
    }

    /// <summary>Closes the innermost open element (its slots are overwritten by the next push, never read before).</summary>
    private void PopOpen() => _openCount--;

    /// <summary>The frame of the innermost open element (<see langword="null"/> outside the root), built on demand.</summary>
    private ElementFrame? OpenFrame()
    {
        ElementFrame? frame = null;
        for (var i = 0; i < _openCount; i++)
        {
            frame = _openFrames[i] ??= new ElementFrame(frame, _openNames[i], _openIds[i] is { } id ? ValueOf(id) : null);
        }

        return frame;
    }

    /// <summary>A streamed location kept past the element it is in (an IDREF checked at the end) takes its path now.</summary>
    private Where Freeze(in Where at) => at.Live ? new Where(null, OpenFrame(), at.Line, at.Position) : at;
}
