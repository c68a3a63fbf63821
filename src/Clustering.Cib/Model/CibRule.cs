using System.Xml.Linq;

namespace Clustering.Cib.Model;

/// <summary>
/// A <c>rule</c> of a location constraint, read but not evaluated: its score (or the node attribute it takes the
/// score from), how its expressions combine, and the node-attribute expressions themselves. Date expressions and
/// nested rules stay in <see cref="Element"/>.
/// </summary>
public sealed class CibRule
{
    internal CibRule(XElement element)
    {
        Element = element;
        Id = (string?)element.Attribute("id") ?? "";
        Score = CibScore.TryParse((string?)element.Attribute("score"), out var score) ? score : null;
        ScoreAttribute = (string?)element.Attribute("score-attribute");
        BooleanOperation = (string?)element.Attribute("boolean-op") ?? "and";
        Role = (string?)element.Attribute("role");
        Expressions = [.. element.Elements("expression").Select(e => new CibRuleExpression(
            (string?)e.Attribute("id") ?? "",
            (string?)e.Attribute("attribute") ?? "",
            (string?)e.Attribute("operation") ?? "",
            (string?)e.Attribute("value")))];
    }

    /// <summary>The rule's element.</summary>
    public XElement Element { get; }

    /// <summary>The rule id.</summary>
    public string Id { get; }

    /// <summary>The score given to nodes the rule matches, when it is a fixed score.</summary>
    public CibScore? Score { get; }

    /// <summary>The node attribute whose value is the score, when given instead of <see cref="Score"/>.</summary>
    public string? ScoreAttribute { get; }

    /// <summary>How expressions combine: <c>and</c> (the default) or <c>or</c>.</summary>
    public string BooleanOperation { get; }

    /// <summary>The role the rule applies to, if any.</summary>
    public string? Role { get; }

    /// <summary>The node-attribute <c>expression</c> elements, in order.</summary>
    public IReadOnlyList<CibRuleExpression> Expressions { get; }
}

/// <summary>One node-attribute <c>expression</c> of a rule.</summary>
/// <param name="Id">The expression id.</param>
/// <param name="Attribute">The node attribute tested (such as <c>#uname</c>).</param>
/// <param name="Operation">The comparison: <c>eq</c>, <c>ne</c>, <c>lt</c>, <c>gt</c>, <c>lte</c>, <c>gte</c>, <c>defined</c>, <c>not_defined</c>.</param>
/// <param name="Value">The value compared with, absent for <c>defined</c> and <c>not_defined</c>.</param>
public sealed record CibRuleExpression(string Id, string Attribute, string Operation, string? Value);
