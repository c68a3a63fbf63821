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
        var after = ReadElement(new ReaderSource(this, reader), _start);
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

    /// <summary>The XmlReader side of the shared walk (<c>RelaxNgValidator.Walk.cs</c>).</summary>
    private readonly struct ReaderSource(RelaxNgValidator validator, XmlReader reader) : IWalkSource
    {
        public XmlNodeType NodeType => reader.NodeType;

        public bool IsEmptyElement => reader.IsEmptyElement;

        public (int Line, int Position) Position() => validator.Position();

        public XName ElementName() => validator.NameOf(validator._direct!, validator._direct!.NamespaceURI);

        public int ReadAttributes(List<AttributeItem> into)
        {
            var id = -1;
            var attributes = validator._direct!;
            if (attributes.MoveToFirstAttribute())
            {
                do
                {
                    var ns = attributes.NamespaceURI;
                    if (ns.Length != 0 && ns == XmlnsNamespace)
                    {
                        continue;
                    }

                    var (attributeLine, attributePosition) = validator.Position();
                    var attributeName = validator.NameOf(attributes, ns);
                    var value = attributes.Value;
                    if (ns.Length == 0 && attributeName.LocalName == "id")
                    {
                        id = into.Count;
                    }

                    into.Add(new AttributeItem(attributeName, value, null, attributeLine, attributePosition));
                }
                while (attributes.MoveToNextAttribute());

                attributes.MoveToElement();
            }

            return id;
        }

        public void Read() => reader.Read();

        public void Skip() => reader.Skip();

        public void AppendValue(StringBuilder text) => text.Append(reader.Value);
    }
}
