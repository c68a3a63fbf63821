using System.Xml;

namespace Clustering.Cib;

/// <summary>
/// Passes an <see cref="XmlReader"/> through and refuses, while reading, elements nested deeper or carrying more
/// attributes than allowed, so a hostile document fails at the first offending tag and never reaches a tree.
/// </summary>
internal sealed class LimitingXmlReader : XmlReader, IXmlLineInfo
{
    private readonly XmlReader _inner;
    private readonly IXmlLineInfo? _lineInfo;
    private readonly int _maxDepth;
    private readonly int _maxAttributes;

    public LimitingXmlReader(XmlReader inner, int maxDepth, int maxAttributes)
    {
        _inner = inner;
        _lineInfo = inner as IXmlLineInfo;
        _maxDepth = maxDepth;
        _maxAttributes = maxAttributes;
    }

    /// <summary>
    /// The wrapped reader, for moving over the attributes of the current element without a second virtual call per
    /// step (the limits concern reading, which still goes through this reader).
    /// </summary>
    internal XmlReader Inner => _inner;

    /// <summary>The wrapped reader's line information, or <see langword="null"/>.</summary>
    internal IXmlLineInfo? InnerLineInfo => _lineInfo;

    public override int AttributeCount => _inner.AttributeCount;

    public override string BaseURI => _inner.BaseURI;

    public override int Depth => _inner.Depth;

    public override bool EOF => _inner.EOF;

    public override bool IsEmptyElement => _inner.IsEmptyElement;

    public override string LocalName => _inner.LocalName;

    public override string NamespaceURI => _inner.NamespaceURI;

    public override XmlNameTable NameTable => _inner.NameTable;

    public override XmlNodeType NodeType => _inner.NodeType;

    public override string Prefix => _inner.Prefix;

    public override ReadState ReadState => _inner.ReadState;

    public override string Value => _inner.Value;

    public override bool HasValue => _inner.HasValue;

    public override string Name => _inner.Name;

    public override XmlSpace XmlSpace => _inner.XmlSpace;

    public override string XmlLang => _inner.XmlLang;

    public override XmlReaderSettings? Settings => _inner.Settings;

    public int LineNumber => _lineInfo?.LineNumber ?? 0;

    public int LinePosition => _lineInfo?.LinePosition ?? 0;

    public bool HasLineInfo() => _lineInfo?.HasLineInfo() ?? false;

    public override string GetAttribute(int i) => _inner.GetAttribute(i);

    public override string? GetAttribute(string name) => _inner.GetAttribute(name);

    public override string? GetAttribute(string name, string? namespaceURI) => _inner.GetAttribute(name, namespaceURI);

    public override string? LookupNamespace(string prefix) => _inner.LookupNamespace(prefix);

    public override void MoveToAttribute(int i) => _inner.MoveToAttribute(i);

    public override bool MoveToAttribute(string name) => _inner.MoveToAttribute(name);

    public override bool MoveToAttribute(string name, string? ns) => _inner.MoveToAttribute(name, ns);

    public override bool MoveToElement() => _inner.MoveToElement();

    public override bool MoveToFirstAttribute() => _inner.MoveToFirstAttribute();

    public override bool MoveToNextAttribute() => _inner.MoveToNextAttribute();

    public override bool ReadAttributeValue() => _inner.ReadAttributeValue();

    public override void ResolveEntity() => _inner.ResolveEntity();

    public override bool Read()
    {
        if (!_inner.Read())
        {
            return false;
        }

        if (_inner.NodeType == XmlNodeType.Element)
        {
            if (_inner.Depth + 1 > _maxDepth)
            {
                throw new CibLoadException($"element <{_inner.Name}> is nested deeper than the limit of {_maxDepth}", LineNumber, LinePosition);
            }

            if (_inner.AttributeCount > _maxAttributes)
            {
                throw new CibLoadException($"element <{_inner.Name}> has {_inner.AttributeCount} attributes, more than the limit of {_maxAttributes}", LineNumber, LinePosition);
            }
        }

        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
