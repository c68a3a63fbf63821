namespace Clustering.Cib.Validation;

/// <summary>One reason a document does not match its schema.</summary>
/// <param name="LineNumber">The 1-based line of the offending node, or 0 when the document has no line information.</param>
/// <param name="LinePosition">The 1-based column of the offending node, or 0.</param>
/// <param name="Path">The element path, such as <c>/cib/configuration/resources/primitive[@id='db']</c>.</param>
/// <param name="Message">What is wrong and what was expected.</param>
public sealed record RelaxNgValidationError(int LineNumber, int LinePosition, string Path, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{LineNumber}:{LinePosition}: {Path}: {Message}";
}

/// <summary>The outcome of validating one document.</summary>
/// <param name="Errors">The errors found, in document order (empty when valid; capped by the options).</param>
public sealed record RelaxNgValidationResult(IReadOnlyList<RelaxNgValidationError> Errors)
{
    /// <summary>Whether the document matches the schema.</summary>
    public bool IsValid => Errors.Count == 0;

    /// <summary>
    /// The schema the document was checked against when a <see cref="CibSchemaSet"/> chose it (by name or by
    /// <c>validate-with</c>; <c>none</c> when nothing was checked), otherwise <see langword="null"/>.
    /// </summary>
    public string? SchemaName { get; init; }
}
