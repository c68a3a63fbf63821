using System.Xml.Linq;
using Clustering.Cib.Operations;

namespace Clustering.Cib.Validation;

/// <summary>
/// Validates CIB updates against the RELAX NG schema their <c>validate-with</c> names: the <see cref="ICibValidator"/>
/// a <see cref="CibStore"/> uses so that an update that breaks the schema is refused whole. Built from options, it
/// uses our own embedded pacemaker-1.0/1.1/1.2 grammars plus the newer versions of a schema directory (Pacemaker's
/// <c>/usr/share/pacemaker</c> by default; it may be missing), opened on first use.
/// </summary>
public sealed class CibSchemaValidator : ICibValidator
{
    private readonly Lazy<CibSchemaSet> _schemas;

    /// <summary>Creates a validator over the embedded schemas and Pacemaker's default schema directory, <c>/usr/share/pacemaker</c>.</summary>
    public CibSchemaValidator()
        : this(new CibSchemaSetOptions())
    {
    }

    /// <summary>Creates a validator over the embedded schemas and the schema directory of <paramref name="options"/>.</summary>
    /// <param name="options">The schema directory and logger.</param>
    public CibSchemaValidator(CibSchemaSetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _schemas = new Lazy<CibSchemaSet>(() => CibSchemaSet.OpenCombined(options), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Creates a validator over an already opened schema set.</summary>
    /// <param name="schemas">The schemas.</param>
    public CibSchemaValidator(CibSchemaSet schemas)
    {
        ArgumentNullException.ThrowIfNull(schemas);
        _schemas = new Lazy<CibSchemaSet>(schemas);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// A document without <c>validate-with</c>, or with <c>none</c>, is not checked. A schema that cannot be found
    /// or loaded is reported as an error, so the update is refused rather than accepted unchecked.
    /// </remarks>
    public IReadOnlyList<string> Validate(XDocument cib)
    {
        ArgumentNullException.ThrowIfNull(cib);
        if (cib.Root is null)
        {
            return ["the document has no root element"];
        }

        var name = (string?)cib.Root.Attribute("validate-with");
        if (name is null || name == CibSchemaSet.None)
        {
            return [];
        }

        try
        {
            var result = _schemas.Value.Validate(CibDocument.FromXDocument(cib), name);
            return [.. result.Errors.Select(e => e.ToString())];
        }
        catch (CibSchemaNotFoundException e)
        {
            return [e.Message];
        }
        catch (RelaxNgSchemaException e)
        {
            return [$"schema {name} cannot be used: {e.Message}"];
        }
        catch (DirectoryNotFoundException e)
        {
            return [$"no schema directory: {e.Message}"];
        }
    }
}
