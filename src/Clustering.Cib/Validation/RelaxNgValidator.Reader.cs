using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Clustering.Cib.Validation;

/// <summary>
/// The walk straight over an <see cref="XmlReader"/>, without building a tree: each element is validated as it is
/// read, and errors carry the reader's line and position and the path of the elements open at that point.
/// </summary>
internal sealed partial class RelaxNgValidator
{
    private const string XmlnsNamespace = "http://www.w3.org/2000/xmlns/";

    /// <summary>Names without a namespace by the reader's atomized local name: one reference lookup per tag.</summary>
    private readonly Dictionary<string, XName> _names = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// A direct-mapped cache in front of <see cref="_names"/>, indexed by the local name's length and first and last
    /// characters: a CIB uses a few dozen names, so nearly every tag and attribute is one reference comparison.
    /// </summary>
    private readonly (string Local, XName Name)[] _recentNames = new (string, XName)[256];

    /// <summary>The reader's line information, looked up once per document rather than per node.</summary>
    private IXmlLineInfo? _lineInfo;

    /// <summary>
    /// The reader names and attributes are read from: a hardened <see cref="LimitingXmlReader"/>'s inner reader (its
    /// limits concern reading, which still goes through it), saving a virtual call per step.
    /// </summary>
    private XmlReader? _direct;

    /// <summary>Validates the element the reader is on, or the document's root element if it is before it.</summary>
    /// <exception cref="XmlException">The document is not well-formed (or breaks the reader's limits).</exception>
    public RelaxNgValidationResult Validate(XmlReader reader)
    {
        if (reader.MoveToContent() != XmlNodeType.Element)
        {
            return new RelaxNgValidationResult([new RelaxNgValidationError(0, 0, "/", "the document has no root element")]);
        }

        _direct = reader is LimitingXmlReader limiting ? limiting.Inner : reader;
        var lineInfo = reader is LimitingXmlReader hardened ? hardened.InnerLineInfo : reader as IXmlLineInfo;
        _lineInfo = lineInfo is not null && lineInfo.HasLineInfo() ? lineInfo : null;
        var (line, position) = Position();
        var after = ReadElement(reader, _start, null);
        return Finish(after, new Where(null, null, line, position));
    }

    private (int Line, int Position) Position() => _lineInfo is { } info ? (info.LineNumber, info.LinePosition) : (0, 0);

    private XName NameOf(XmlReader reader, string ns)
    {
        var local = reader.LocalName;
        if (ns.Length != 0)
        {
            return XName.Get(local, ns);
        }

        var slot = local.Length == 0 ? 0 : ((local.Length * 7) + (local[0] * 3) + local[^1]) & 255;
        ref var recent = ref _recentNames[slot];
        if (ReferenceEquals(recent.Local, local))
        {
            return recent.Name;
        }

        if (!_names.TryGetValue(local, out var name))
        {
            name = XName.Get(local);
            _names[local] = name;
        }

        recent = (local, name);
        return name;
    }

    /// <summary>Validates the element the reader is on and leaves the reader just past its end.</summary>
    private Pattern ReadElement(XmlReader reader, Pattern p, ElementFrame? parent)
    {
        CountVisit();
        if (p.Kind == PatternKind.NotAllowed)
        {
            reader.Skip();
            return p;
        }

        var (line, position) = Position();
        var name = NameOf(_direct!, _direct!.NamespaceURI);
        if (_depth >= MaxDepth)
        {
            Report(new Where(null, parent, line, position), $"element <{name.LocalName}> is nested deeper than {MaxDepth} levels; not validated");
            reader.Skip();
            return _b.NotAllowed;
        }

        var isEmpty = reader.IsEmptyElement;
        string? id = null;
        _attributes.Clear();

        var attributes = _direct!;
        if (attributes.MoveToFirstAttribute())
        {
            do
            {
                var ns = attributes.NamespaceURI;
                if (ns.Length != 0 && ns == XmlnsNamespace)
                {
                    continue;
                }

                var (attributeLine, attributePosition) = Position();
                var attributeName = NameOf(attributes, ns);
                var value = attributes.Value;
                if (ns.Length == 0 && attributeName.LocalName == "id")
                {
                    id = value;
                }

                _attributes.Add(new AttributeItem(attributeName, value, null, attributeLine, attributePosition));
            }
            while (attributes.MoveToNextAttribute());

            attributes.MoveToElement();
        }

        var frame = new ElementFrame(parent, name, id);
        var at = new Where(null, frame, line, position);
        _depth++;
        try
        {
            var q = StartTag(p, name, at, frame);
            if (q is null)
            {
                reader.Skip();
                return p;
            }

            q = isEmpty ? TextOnly(q, "", at) : ReadContent(reader, q, frame, at);
            reader.Read();
            return EndTagOf(q, name, at);
        }
        finally
        {
            _depth--;
        }
    }

    /// <summary>Reads the content of a non-empty element up to its end tag (the reader stays on the end tag).</summary>
    private Pattern ReadContent(XmlReader reader, Pattern q, ElementFrame frame, in Where at)
    {
        StringBuilder? pending = null;
        var textAt = at;
        var sawElement = false;
        reader.Read();
        while (reader.NodeType != XmlNodeType.EndElement)
        {
            switch (reader.NodeType)
            {
                case XmlNodeType.Element:
                    q = MixedText(q, pending, textAt);
                    pending = null;
                    sawElement = true;
                    q = ReadElement(reader, q, frame);
                    continue;
                case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.SignificantWhitespace or XmlNodeType.Whitespace:
                    if (pending is null)
                    {
                        var (textLine, textPosition) = Position();
                        textAt = new Where(null, frame, textLine, textPosition);
                        pending = new StringBuilder();
                    }

                    pending.Append(reader.Value);
                    break;
                case XmlNodeType.None:
                    throw new XmlException("unexpected end of the document");
                default:
                    break;
            }

            reader.Read();
        }

        return sawElement ? MixedText(q, pending, textAt) : TextOnly(q, pending?.ToString() ?? "", at);
    }
}
