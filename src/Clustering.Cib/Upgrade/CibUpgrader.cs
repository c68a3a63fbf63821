using System.Runtime.CompilerServices;
using System.Xml;
using System.Xml.Linq;
using System.Xml.Xsl;
using Clustering.Cib.Operations;
using Clustering.Cib.Validation;
using Clustering.Cib.Versions;
using Microsoft.Extensions.Logging;

namespace Clustering.Cib.Upgrade;

/// <summary>
/// Moves a CIB to a newer schema the way <c>cibadmin --upgrade</c> does: starting from its <c>validate-with</c>,
/// it walks the schemas of a <see cref="CibSchemaSet"/> in version order and takes each next one the document
/// satisfies, stopping at the first it does not (or at <see cref="CibUpgradeOptions.MaxSchema"/>). When the schema
/// changed, <c>admin_epoch</c> is bumped and <c>epoch</c> and <c>num_updates</c> are reset to 0, as Pacemaker's
/// upgrade operation does before the CIB's ordinary counter rules run.
/// </summary>
/// <remarks>
/// <para>Between 1.0, 1.1 and 1.2 no content changes: every later grammar accepts what the earlier one did except
/// the constructs it dropped, so an upgrade step is "validate against the next schema and rename". The
/// experimental <c>pacemaker-1.1</c> (mandatory status, failure domains, clone-instance constraints) is passed
/// through when the document satisfies it and skipped when it does not; <c>pacemaker-next</c> is never an
/// upgrade target, as in Pacemaker.</para>
/// <para>From a schema directory, a step that Pacemaker makes with an XSL transform (a file
/// <c>upgrade-X.Y.xsl</c> next to the grammars, with optional <c>-enter</c> and <c>-leave</c> stages, such as 1.3
/// to 2.0 and 2.10 to 3.0) runs those transforms, but only when the document does not already satisfy the next
/// schema as it is, as Pacemaker does; a transform whose output does not validate stops the upgrade.</para>
/// </remarks>
public sealed partial class CibUpgrader
{
    /// <summary>The name of the experimental schema that an upgrade may skip.</summary>
    public const string ExperimentalSchema = "pacemaker-1.1";

    private const string NextSchema = "pacemaker-next";

    private readonly CibSchemaSet _schemas;
    private readonly CibUpgradeOptions _options;

    /// <summary>Creates an upgrader over a schema set, such as <see cref="CibSchemaSet.OpenCombined"/>.</summary>
    /// <param name="schemas">The schemas to walk.</param>
    /// <param name="options">The maximum schema and the logger.</param>
    public CibUpgrader(CibSchemaSet schemas, CibUpgradeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(schemas);
        _schemas = schemas;
        _options = options ?? new CibUpgradeOptions();
        if (_options.MaxSchema is { } max && !IsUpgradeTarget(max))
        {
            throw new CibUpgradeException(CibResultCode.InvalidArgument, $"unknown maximum schema '{max}' (known: {string.Join(", ", schemas.Versions)})");
        }
    }

    /// <summary>Upgrades a copy of <paramref name="cib"/>.</summary>
    /// <param name="cib">The CIB; it is not changed.</param>
    /// <param name="cancellationToken">Cancels between steps and inside validation.</param>
    /// <returns>The upgraded copy and the steps taken; <see cref="CibUpgradeResult.Upgraded"/> is false when the
    /// document is already at the newest schema it satisfies, or is not validated (<c>none</c>).</returns>
    /// <exception cref="CibUpgradeException">The root is not <c>cib</c>, the document names an unknown schema, or
    /// it does not satisfy its own schema (<see cref="CibResultCode.SchemaValidation"/>, with the errors).</exception>
    public CibUpgradeResult Upgrade(XDocument cib, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cib);
        if (cib.Root is not { Name.LocalName: "cib", Name.NamespaceName: "" } root)
        {
            throw new CibUpgradeException(CibResultCode.InvalidArgument, $"the document's root is <{cib.Root?.Name.LocalName ?? "nothing"}>, not <cib>");
        }

        var document = new XDocument(cib);
        var from = (string?)root.Attribute("validate-with");
        if (from == CibSchemaSet.None)
        {
            Log.NotValidated(_options.Logger);
            return new CibUpgradeResult(document, from, from, [], null, []);
        }

        var chain = _schemas.Versions.Where(IsUpgradeTarget).ToList();
        var maxIndex = _options.MaxSchema is { } max ? chain.IndexOf(max) : chain.Count - 1;
        int index;
        if (from is null)
        {
            // Like Pacemaker, a CIB without validate-with starts from the oldest schema it satisfies.
            index = chain.FindIndex(name => IsValid(document, name, cancellationToken));
            if (index < 0)
            {
                throw new CibUpgradeException(CibResultCode.SchemaValidation, "the CIB names no schema and satisfies none of " + string.Join(", ", chain));
            }
        }
        else
        {
            index = chain.IndexOf(from);
            if (index < 0)
            {
                throw new CibUpgradeException(CibResultCode.InvalidArgument, $"the CIB's schema '{from}' is not one this upgrader knows (known: {string.Join(", ", chain)})");
            }

            var own = _schemas.GetSchema(from).Validate(document, cancellationToken: cancellationToken);
            if (!own.IsValid)
            {
                throw new CibUpgradeException(CibResultCode.SchemaValidation, $"the CIB does not satisfy its own schema {from}, so it cannot be upgraded: {own.Errors[0]}", own.Errors);
            }
        }

        var current = chain[index];
        var steps = new List<CibUpgradeStep>();
        string? stoppedBefore = null;
        IReadOnlyList<RelaxNgValidationError> stopErrors = [];
        for (var next = index + 1; next <= maxIndex; next++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var candidate = chain[next];
            var result = _schemas.GetSchema(candidate).Validate(document, cancellationToken: cancellationToken);
            if (result.IsValid)
            {
                // Like Pacemaker, a document the next schema already accepts is not transformed.
                steps.Add(new CibUpgradeStep(current, candidate));
                Log.Step(_options.Logger, current, candidate);
                current = candidate;
                continue;
            }

            if (TransformFiles(current) is { Count: > 0 } transforms)
            {
                var (transformed, failure) = Transform(document, transforms);
                var after = transformed is null ? null : _schemas.GetSchema(candidate).Validate(transformed, cancellationToken: cancellationToken);
                if (transformed is not null && after!.IsValid)
                {
                    document = transformed;
                    steps.Add(new CibUpgradeStep(current, candidate) { Transforms = [.. transforms.Select(Path.GetFileName)!] });
                    Log.Transformed(_options.Logger, current, candidate, transforms.Count);
                    current = candidate;
                    continue;
                }

                stoppedBefore = candidate;
                stopErrors = after?.Errors ?? [new RelaxNgValidationError(0, 0, "/", failure ?? "the transform failed")];
                Log.Stopped(_options.Logger, current, candidate, stopErrors[0]);
                break;
            }

            if (candidate == ExperimentalSchema && next < maxIndex)
            {
                Log.SkippedExperimental(_options.Logger, candidate, result.Errors[0]);
                continue;
            }

            stoppedBefore = candidate;
            stopErrors = result.Errors;
            Log.Stopped(_options.Logger, current, candidate, result.Errors[0]);
            break;
        }

        if (from is null || current != from)
        {
            var newRoot = document.Root!;
            newRoot.SetAttributeValue("validate-with", current);
            var version = CibVersion.Of(newRoot);
            (version with { AdminEpoch = version.AdminEpoch + 1, Epoch = 0, NumUpdates = 0 }).WriteTo(newRoot);
        }

        return new CibUpgradeResult(document, from, current, steps, stoppedBefore, stopErrors);
    }

    private bool IsUpgradeTarget(string name) => name != NextSchema && _schemas.Contains(name);

    private bool IsValid(XDocument document, string name, CancellationToken cancellationToken)
        => _schemas.GetSchema(name).Validate(document, cancellationToken: cancellationToken).IsValid;

    /// <summary>
    /// The XSL files Pacemaker applies when leaving <paramref name="schema"/>: <c>upgrade-X.Y.xsl</c>, preceded by
    /// <c>upgrade-X.Y-enter.xsl</c> and followed by <c>upgrade-X.Y-leave.xsl</c> when those exist; empty when the
    /// step has no transform.
    /// </summary>
    private List<string> TransformFiles(string schema)
    {
        var directory = Path.GetDirectoryName(_schemas.GetSchema(schema).Path);
        var version = schema["pacemaker-".Length..];
        if (directory is null || !File.Exists(Path.Combine(directory, $"upgrade-{version}.xsl")))
        {
            return [];
        }

        return [.. new[] { $"upgrade-{version}-enter.xsl", $"upgrade-{version}.xsl", $"upgrade-{version}-leave.xsl" }
            .Select(f => Path.Combine(directory, f))
            .Where(File.Exists)];
    }

    /// <summary>Runs the transforms in order on a copy; scripts are off and document() reads only the stylesheet itself.</summary>
    private (XDocument? Result, string? Failure) Transform(XDocument document, List<string> files)
    {
        if (!RuntimeFeature.IsDynamicCodeSupported)
        {
            return (null, "XSL transforms need dynamic code, which this runtime (native AOT) does not have");
        }

        var current = document;
        foreach (var file in files)
        {
            try
            {
                var xslt = new XslCompiledTransform();
                var readerSettings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };
                using (var reader = XmlReader.Create(file, readerSettings))
                {
                    // document('') (the stylesheet itself) is used by Pacemaker's transforms; nothing else may be read.
                    xslt.Load(reader, new XsltSettings(enableDocumentFunction: true, enableScript: false), null);
                }

                var output = new XDocument();
                using (var writer = output.CreateWriter())
                {
                    var arguments = new XsltArgumentList();
                    var name = Path.GetFileName(file);
                    arguments.XsltMessageEncountered += (_, e) => Log.TransformMessage(_options.Logger, name, e);
                    using var input = current.CreateReader();
                    xslt.Transform(input, arguments, writer, new StylesheetOnlyResolver(file));
                }

                if (output.Root is null)
                {
                    return (null, $"{Path.GetFileName(file)} produced no document");
                }

                current = output;
            }
            catch (Exception e) when (e is XsltException or XmlException or IOException or UnauthorizedAccessException)
            {
                return (null, $"{Path.GetFileName(file)} failed: {e.Message}");
            }
        }

        return (current, null);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 6201, Level = LogLevel.Information, Message = "CIB upgraded from {From} to {To}")]
        public static partial void Step(ILogger logger, string from, string to);

        [LoggerMessage(EventId = 6202, Level = LogLevel.Information, Message = "CIB upgrade stops at {Current}: it does not satisfy {Next}: {Reason}")]
        public static partial void Stopped(ILogger logger, string current, string next, RelaxNgValidationError reason);

        [LoggerMessage(EventId = 6203, Level = LogLevel.Debug, Message = "CIB upgrade skips the experimental {Schema}: {Reason}")]
        public static partial void SkippedExperimental(ILogger logger, string schema, RelaxNgValidationError reason);

        [LoggerMessage(EventId = 6204, Level = LogLevel.Information, Message = "CIB upgraded from {From} to {To} through {Count} XSL transform(s)")]
        public static partial void Transformed(ILogger logger, string from, string to, int count);

        [LoggerMessage(EventId = 6206, Level = LogLevel.Debug, Message = "Upgrade transform {File} says: {Text}")]
        public static partial void TransformMessage(ILogger logger, string file, XsltMessageEncounteredEventArgs text);

        [LoggerMessage(EventId = 6205, Level = LogLevel.Debug, Message = "CIB has validate-with=none; nothing to upgrade")]
        public static partial void NotValidated(ILogger logger);
    }

    /// <summary>Lets an XSL transform read itself (<c>document('')</c>) and nothing else.</summary>
    private sealed class StylesheetOnlyResolver(string stylesheet) : XmlResolver
    {
        private readonly Uri _allowed = new(Path.GetFullPath(stylesheet));

        public override object? GetEntity(Uri absoluteUri, string? role, Type? ofObjectToReturn)
        {
            ArgumentNullException.ThrowIfNull(absoluteUri);
            if (absoluteUri != _allowed)
            {
                throw new XmlException($"an upgrade transform may only read itself, not {absoluteUri}");
            }

            return File.OpenRead(_allowed.LocalPath);
        }
    }
}
