using System.Xml.Linq;

namespace Clustering.Cib.Validation;

/// <summary>A RELAX NG name class after simplification: a name, any name, a namespace, with exceptions and choices.</summary>
internal abstract class NameClass
{
    /// <summary>Whether the qualified name belongs to the class.</summary>
    public abstract bool Contains(XName name);

    /// <summary>How the class reads in an error message.</summary>
    public abstract string Describe(bool attribute);
}

internal sealed class SingleName(XName name) : NameClass
{
    public XName Name { get; } = name;

    public override bool Contains(XName name) => name == Name;

    public override string Describe(bool attribute)
    {
        var local = Name.NamespaceName.Length == 0 ? Name.LocalName : $"{{{Name.NamespaceName}}}{Name.LocalName}";
        return attribute ? $"@{local}" : $"<{local}>";
    }
}

internal sealed class AnyName(NameClass? except) : NameClass
{
    public NameClass? Except { get; } = except;

    public override bool Contains(XName name) => Except is null || !Except.Contains(name);

    public override string Describe(bool attribute) => attribute ? "any attribute" : "any element";
}

internal sealed class NamespaceName(string ns, NameClass? except) : NameClass
{
    public string Namespace { get; } = ns;

    public NameClass? Except { get; } = except;

    public override bool Contains(XName name) => name.NamespaceName == Namespace && (Except is null || !Except.Contains(name));

    public override string Describe(bool attribute) => $"any {(attribute ? "attribute" : "element")} in namespace '{Namespace}'";
}

internal sealed class NameClassChoice(NameClass first, NameClass second) : NameClass
{
    public NameClass First { get; } = first;

    public NameClass Second { get; } = second;

    public override bool Contains(XName name) => First.Contains(name) || Second.Contains(name);

    public override string Describe(bool attribute) => $"{First.Describe(attribute)} or {Second.Describe(attribute)}";
}
