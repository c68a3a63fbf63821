using System.Xml.Linq;
using Clustering.Cib.Operations;

namespace Clustering.Cib.Validation;

/// <summary>
/// Validates whole CIBs by their <c>validate-with</c> against a <see cref="CibSchemaSet"/> and returns the errors as
/// text, what <see cref="ICibValidator"/> asks of <see cref="CibStore"/>'s update pipeline to refuse a change (one line per error; empty when valid or when
/// <c>validate-with</c> is <c>none</c> or absent). An unknown schema is one error, not an exception.
/// </summary>
public sealed class CibSchemaValidator : ICibValidator
{
    private readonly CibSchemaSet _schemas;

    /// <summary>Creates a validator over a schema set.</summary>
    public CibSchemaValidator(CibSchemaSet schemas)
    {
        ArgumentNullException.ThrowIfNull(schemas);
        _schemas = schemas;
    }

    /// <summary>Validates <paramref name="cib"/> against the schema its <c>validate-with</c> names; returns the errors (empty when valid).</summary>
    public IReadOnlyList<string> Validate(XDocument cib)
    {
        ArgumentNullException.ThrowIfNull(cib);
        var name = (string?)cib.Root?.Attribute("validate-with");
        if (cib.Root is null)
        {
            return ["the document has no root element"];
        }

        if (name is null || name == CibSchemaSet.None)
        {
            return [];
        }

        if (!_schemas.Contains(name))
        {
            return [$"unknown schema '{name}' (not in {_schemas.Directory})"];
        }

        try
        {
            return [.. _schemas.GetSchema(name).Validate(cib).Errors.Select(e => e.ToString())];
        }
        catch (RelaxNgSchemaException e)
        {
            return [$"schema '{name}' cannot be used: {e.Message}"];
        }
    }
}
