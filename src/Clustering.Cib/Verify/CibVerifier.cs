using System.Xml;
using System.Xml.Linq;
using Clustering.Cib.Model;
using Clustering.Cib.Validation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clustering.Cib.Verify;

/// <summary>Where <see cref="CibVerifier"/> finds schemas and how it reports.</summary>
public sealed class CibVerifyOptions
{
    /// <summary>The schemas to validate with; when <see langword="null"/>, <see cref="SchemaDirectory"/> is opened.</summary>
    public CibSchemaSet? Schemas { get; init; }

    /// <summary>The schema directory used when <see cref="Schemas"/> is not given. Default <c>/usr/share/pacemaker</c>.</summary>
    public string SchemaDirectory { get; init; } = CibSchemaSetOptions.DefaultDirectory;

    /// <summary>Where a summary of each verification is logged. Default: nowhere.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;
}

/// <summary>The outcome of verifying one CIB.</summary>
public sealed class CibVerifyResult
{
    internal CibVerifyResult(string? schema, IReadOnlyList<RelaxNgValidationError> schemaErrors, IReadOnlyList<CibFinding> findings)
    {
        Schema = schema;
        SchemaErrors = schemaErrors;
        Findings = findings;
    }

    /// <summary>The schema validated against, or <see langword="null"/> when validation is disabled (<c>validate-with</c> none or absent).</summary>
    public string? Schema { get; }

    /// <summary>Whether schema validation was skipped because the CIB does not ask for it.</summary>
    public bool SchemaValidationDisabled => Schema is null;

    /// <summary>The schema errors (empty when valid or when validation is disabled).</summary>
    public IReadOnlyList<RelaxNgValidationError> SchemaErrors { get; }

    /// <summary>The semantic findings, plus "did not pass schema validation" when the schema failed.</summary>
    public IReadOnlyList<CibFinding> Findings { get; }

    /// <summary>Whether the configuration is invalid.</summary>
    public bool HasErrors => SchemaErrors.Count > 0 || Findings.Any(f => f.Severity == CibFindingSeverity.Error);

    /// <summary>Whether there are warnings (and no errors).</summary>
    public bool HasWarnings => !HasErrors && Findings.Any(f => f.Severity == CibFindingSeverity.Warning);

    /// <summary>Whether nothing but notices was found.</summary>
    public bool IsClean => !HasErrors && !HasWarnings;
}

/// <summary>
/// Checks a CIB the way <c>crm_verify --xml-file</c> does: validation against the schema its
/// <c>validate-with</c> names (skipped for <c>none</c>), and when that passes, the semantic checks users rely
/// on — constraints naming resources that do not exist, duplicate ids, unknown resource classes, ocf resources
/// without provider, and <c>stonith-enabled</c> (true by default) without any fencing resource. Findings are
/// worded like Pacemaker's where it makes the same check.
/// </summary>
public static partial class CibVerifier
{
    /// <summary>The resource classes Pacemaker knows.</summary>
    public static readonly IReadOnlySet<string> KnownClasses = new HashSet<string>(StringComparer.Ordinal)
    {
        "ocf", "lsb", "systemd", "service", "stonith", "heartbeat", "nagios", "upstart",
    };

    /// <summary>Elements whose <c>id</c> refers to something defined elsewhere (IDREFs or user names), not a definition.</summary>
    private static readonly HashSet<string> ReferenceElements = new(StringComparer.Ordinal)
    {
        "resource_ref", "obj_ref", "role_ref", "role", "acl_target", "acl_user",
    };

    /// <summary>Verifies a CIB. A <c>validate-with</c> the schema directory does not have fails validation, as with <c>crm_verify</c>.</summary>
    /// <exception cref="DirectoryNotFoundException">The schema directory does not exist.</exception>
    /// <exception cref="RelaxNgSchemaException">The schema files cannot be used.</exception>
    public static CibVerifyResult Verify(CibDocument document, CibVerifyOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        options ??= new CibVerifyOptions();
        var schemaName = document.ValidateWith;
        if (schemaName == CibSchemaSet.None)
        {
            schemaName = null;
        }

        IReadOnlyList<RelaxNgValidationError> schemaErrors = [];
        var findings = new List<CibFinding>();
        if (schemaName is not null)
        {
            var schemas = options.Schemas ?? CibSchemaSet.Open(new CibSchemaSetOptions { Directory = options.SchemaDirectory, Logger = options.Logger });
            try
            {
                schemaErrors = schemas.Validate(document, schemaName, null, cancellationToken).Errors;
            }
            catch (CibSchemaNotFoundException e)
            {
                // crm_verify treats a schema it does not know as a failed validation.
                findings.Add(new CibFinding(CibFindingSeverity.Error, "unknown-schema", "validate_with", e.Message, 0));
                findings.Add(new CibFinding(CibFindingSeverity.Error, "schema", "main", "CIB did not pass schema validation", 0));
                return new CibVerifyResult(schemaName, schemaErrors, findings);
            }

            if (schemaErrors.Count > 0)
            {
                findings.Add(new CibFinding(CibFindingSeverity.Error, "schema", "main", "CIB did not pass schema validation", 0));
                var failed = new CibVerifyResult(schemaName, schemaErrors, findings);
                Log.Verified(options.Logger, schemaName, schemaErrors.Count, 1, 0);
                return failed;
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        var view = CibView.From(document);
        CheckIds(document, findings);
        CheckResources(view, findings);
        CheckConstraints(document, view, findings);
        CheckStonith(view, findings);
        var result = new CibVerifyResult(schemaName, schemaErrors, findings);
        if (options.Logger.IsEnabled(LogLevel.Debug))
        {
            var errors = findings.Count(f => f.Severity == CibFindingSeverity.Error);
            var warnings = findings.Count(f => f.Severity == CibFindingSeverity.Warning);
            Log.Verified(options.Logger, schemaName ?? CibSchemaSet.None, schemaErrors.Count, errors, warnings);
        }

        return result;
    }

    private static int Line(XElement element) => element is IXmlLineInfo info && info.HasLineInfo() ? info.LineNumber : 0;

    private static void CheckIds(CibDocument document, List<CibFinding> findings)
    {
        var configuration = document.Root.Element("configuration");
        if (configuration is null)
        {
            return;
        }

        var seen = new Dictionary<string, XElement>(StringComparer.Ordinal);
        foreach (var element in configuration.Descendants())
        {
            if ((string?)element.Attribute("id") is not { } id || ReferenceElements.Contains(element.Name.LocalName))
            {
                continue;
            }

            if (seen.TryGetValue(id, out var first))
            {
                findings.Add(new CibFinding(
                    CibFindingSeverity.Warning,
                    "duplicate-id",
                    "verify_ids",
                    $"Duplicate id '{id}': {element.Name.LocalName} on line {Line(element)} reuses the id of {first.Name.LocalName} on line {Line(first)}",
                    Line(element)));
            }
            else
            {
                seen[id] = element;
            }
        }
    }

    private static void CheckResources(CibView view, List<CibFinding> findings)
    {
        foreach (var primitive in view.Primitives)
        {
            if (primitive.Template is not null && primitive.Class is null)
            {
                continue;
            }

            var line = Line(primitive.Element);
            if (primitive.Class is null)
            {
                findings.Add(new CibFinding(CibFindingSeverity.Warning, "missing-class", "verify_resources", $"Resource '{primitive.Id}' has no class", line));
            }
            else if (!KnownClasses.Contains(primitive.Class))
            {
                findings.Add(new CibFinding(
                    CibFindingSeverity.Warning,
                    "unknown-class",
                    "verify_resources",
                    $"Resource '{primitive.Id}' uses unknown class '{primitive.Class}' (known: {string.Join(", ", KnownClasses)})",
                    line));
            }
            else if (primitive.Class == "ocf" && string.IsNullOrEmpty(primitive.Provider))
            {
                findings.Add(new CibFinding(CibFindingSeverity.Warning, "missing-provider", "verify_resources", $"Resource '{primitive.Id}' of class ocf has no provider", line));
            }

            if (string.IsNullOrEmpty(primitive.Type))
            {
                findings.Add(new CibFinding(CibFindingSeverity.Warning, "missing-type", "verify_resources", $"Resource '{primitive.Id}' has no type", line));
            }
        }
    }

    private static void CheckConstraints(CibDocument document, CibView view, List<CibFinding> findings)
    {
        // Tags and resource templates stand for the resources they cover.
        var configuration = document.Root.Element("configuration");
        var tags = new HashSet<string>(
            (configuration?.Element("tags")?.Elements("tag") ?? [])
                .Concat(configuration?.Element("resources")?.Elements("template") ?? [])
                .Select(t => (string?)t.Attribute("id") ?? ""),
            StringComparer.Ordinal);

        // Constraints may name top-level resources and group members, not what is inside a clone or bundle.
        bool Valid(string id) => tags.Contains(id)
            || (view.FindResource(id) is { } resource && !Ancestors(resource).Any(a => a.Kind is CibResourceKind.Clone or CibResourceKind.Master or CibResourceKind.Bundle));

        foreach (var constraint in view.Constraints)
        {
            var (kind, setKind) = constraint switch
            {
                CibLocationConstraint => ("location", "location"),
                CibColocationConstraint => ("colocation", "colocation"),
                CibOrderConstraint => ("order", "order"),
                _ => ("rsc_ticket", "rsc_ticket"),
            };
            var line = Line(constraint.Element);
            var missing = constraint.ResourceReferences().FirstOrDefault(r => r.Attribute != "resource_ref" && !Valid(r.Id));
            if (missing.Id is not null)
            {
                findings.Add(new CibFinding(
                    CibFindingSeverity.Error,
                    "dangling-reference",
                    $"unpack_{kind}_tags",
                    $"Ignoring constraint '{constraint.Id}' because '{missing.Id}' is not a valid resource or tag",
                    line));
            }
            else if (constraint.ResourceSets.SelectMany(set => set.ResourceIds.Select(id => (Set: set, Id: id))).FirstOrDefault(r => !Valid(r.Id)) is { Set: not null } bad)
            {
                findings.Add(new CibFinding(
                    CibFindingSeverity.Error,
                    "dangling-reference",
                    "pcmk__expand_tags_in_sets",
                    $"Ignoring resource sets for constraint '{constraint.Id}' because '{bad.Id}' is not a valid resource or tag",
                    line));
                findings.Add(new CibFinding(
                    CibFindingSeverity.Error,
                    "dangling-reference",
                    $"unpack_{setKind}_set",
                    $"{bad.Set.Id}: No resource found for {bad.Id}",
                    Line(bad.Set.Element)));
            }

            if (constraint is CibLocationConstraint { Node: { } node } && view.FindNode(node) is null)
            {
                findings.Add(new CibFinding(
                    CibFindingSeverity.Notice,
                    "unknown-node",
                    "unpack_rsc_location",
                    $"Constraint '{constraint.Id}' names node '{node}', which is not configured (it applies once such a node joins)",
                    line));
            }
        }
    }

    private static IEnumerable<CibResource> Ancestors(CibResource resource)
    {
        for (var parent = resource.Parent; parent is not null; parent = parent.Parent)
        {
            yield return parent;
        }
    }

    private static void CheckStonith(CibView view, List<CibFinding> findings)
    {
        if (!view.StonithEnabled || view.Primitives.Any(p => p.IsStonith))
        {
            return;
        }

        foreach (var message in (string[])[
            "Resource start-up disabled since no STONITH resources have been defined",
            "Either configure some or disable STONITH with the stonith-enabled option",
            "NOTE: Clusters with shared data need STONITH to ensure data integrity"])
        {
            findings.Add(new CibFinding(CibFindingSeverity.Error, "no-stonith", "unpack_resources", message, 0));
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 6301, Level = LogLevel.Debug, Message = "Verified CIB against {Schema}: {SchemaErrors} schema errors, {Errors} errors, {Warnings} warnings")]
        public static partial void Verified(ILogger logger, string schema, int schemaErrors, int errors, int warnings);
    }
}
