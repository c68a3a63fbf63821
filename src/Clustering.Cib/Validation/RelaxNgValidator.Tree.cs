using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Clustering.Cib.Validation;

/// <summary>The walk over a document already parsed into a tree (errors point at its nodes).</summary>
internal sealed partial class RelaxNgValidator
{
    public RelaxNgValidationResult Validate(XElement root)
    {
        var after = Element(root, _start);
        return Finish(after, Where.Of(root));
    }

    private Pattern Element(XElement element, Pattern p)
    {
        CountVisit();
        if (p.Kind == PatternKind.NotAllowed)
        {
            return p;
        }

        if (_depth >= MaxDepth)
        {
            Report(Where.Of(element), $"element <{element.Name.LocalName}> is nested deeper than {MaxDepth} levels; not validated");
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

    private Pattern ElementCore(XElement element, Pattern p)
    {
        _attributes.Clear();
        for (var attribute = element.FirstAttribute; attribute is not null; attribute = attribute.NextAttribute)
        {
            if (!attribute.IsNamespaceDeclaration)
            {
                _attributes.Add(new AttributeItem(attribute.Name, attribute.Value, attribute, 0, 0));
            }
        }

        var at = Where.Of(element);
        var q = StartTag(p, element.Name, at);
        if (q is null)
        {
            return p;
        }

        q = Children(element, q);
        return EndTagOf(q, element.Name, at);
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
            return TextOnly(p, element.FirstNode is null ? "" : TextOf(element), Where.Of(element));
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
                    p = MixedText(p, pending, Where.Of(pendingNode ?? child));
                    pending = null;
                    pendingNode = null;
                    p = Element(child, p);
                    break;
                default:
                    break;
            }
        }

        return MixedText(p, pending, Where.Of(pendingNode ?? element));
    }

    private static string TextOf(XElement element)
    {
        string? single = null;
        StringBuilder? sb = null;
        for (var node = element.FirstNode; node is not null; node = node.NextNode)
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
}
