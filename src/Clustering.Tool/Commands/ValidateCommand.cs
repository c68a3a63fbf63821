using Clustering.Cib;
using Clustering.Cib.Validation;

namespace Clustering.Tool.Commands;

/// <summary>
/// <c>clusterctl validate [--schema NAME] [--schema-dir DIR] FILE</c>: validates a CIB with our RELAX NG engine
/// against a schema of the directory (Pacemaker's by default), named by <c>--schema</c> or by the document's
/// <c>validate-with</c>; <c>--schema</c> may also be the path of an <c>.rng</c> file. Errors are printed as
/// <c>FILE:LINE:COL: message</c>. Exit 0 valid, 1 invalid, 2 unusable input or unknown schema.
/// </summary>
internal sealed class ValidateCommand : ICommand
{
    public string Name => "validate";

    public string Synopsis => "[--schema NAME|FILE.rng] [--schema-dir DIR] FILE";

    public string Summary => "check a CIB against a Pacemaker RELAX NG schema (like xmllint --relaxng)";

    public async Task<int> RunAsync(CommandLine args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var schemaName = args.Value("--schema", "-s");
        var schemaDir = args.Value("--schema-dir", "-d") ?? CibSchemaSetOptions.DefaultDirectory;
        var positionals = args.Positionals();
        if (positionals.Count != 1)
        {
            throw new CommandLineException(positionals.Count == 0 ? "a FILE to validate is needed" : "only one FILE can be validated at a time");
        }

        var file = positionals[0];
        FileStream stream;
        try
        {
            stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync($"clusterctl validate: cannot read {file}: {e.Message}").ConfigureAwait(false);
            return ClusterCtl.Usage;
        }

        await using var _ = stream.ConfigureAwait(false);
        string label;
        RelaxNgValidationResult result;
        try
        {
            // Straight from the file, without building a tree: only the verdict and the errors are wanted.
            if (schemaName is not null && schemaName.EndsWith(".rng", StringComparison.Ordinal) && File.Exists(schemaName))
            {
                label = schemaName;
                var schema = RelaxNgSchema.Load(schemaName, cancellationToken);
                result = ValidateWithFile(schema, stream, cancellationToken);
            }
            else
            {
                var set = CibSchemaSet.Open(new CibSchemaSetOptions { Directory = schemaDir });
                result = set.ValidateStream(stream, schemaName, null, null, cancellationToken);
                label = result.SchemaName ?? "";
                if (label == CibSchemaSet.None)
                {
                    await stdout.WriteLineAsync($"{file}: validate-with is none, nothing to check").ConfigureAwait(false);
                    return ClusterCtl.Ok;
                }
            }
        }
        catch (CibLoadException e)
        {
            await stderr.WriteLineAsync($"{file}:{e.LineNumber}:{e.LinePosition}: {e.Reason}").ConfigureAwait(false);
            return ClusterCtl.Usage;
        }
        catch (IOException e) when (e is not DirectoryNotFoundException)
        {
            await stderr.WriteLineAsync($"clusterctl validate: cannot read {file}: {e.Message}").ConfigureAwait(false);
            return ClusterCtl.Usage;
        }
        catch (CibSchemaNotFoundException e)
        {
            await stderr.WriteLineAsync($"clusterctl validate: {e.Message}").ConfigureAwait(false);
            return ClusterCtl.Usage;
        }
        catch (DirectoryNotFoundException e)
        {
            await stderr.WriteLineAsync($"clusterctl validate: {e.Message}").ConfigureAwait(false);
            return ClusterCtl.Usage;
        }
        catch (RelaxNgSchemaException e)
        {
            await stderr.WriteLineAsync($"clusterctl validate: the schema cannot be used: {e.Message}").ConfigureAwait(false);
            return ClusterCtl.Usage;
        }

        if (result.IsValid)
        {
            await stdout.WriteLineAsync($"{file}: valid against {label}").ConfigureAwait(false);
            return ClusterCtl.Ok;
        }

        foreach (var error in result.Errors)
        {
            await stderr.WriteLineAsync($"{file}:{error.LineNumber}:{error.LinePosition}: {error.Message} (at {error.Path})").ConfigureAwait(false);
        }

        await stderr.WriteLineAsync($"{file}: fails to validate against {label} ({result.Errors.Count} error{(result.Errors.Count == 1 ? "" : "s")})").ConfigureAwait(false);
        return ClusterCtl.Failed;
    }

    /// <summary>Validates against a schema given as a file: straight from the stream (hardened), as with a named schema.</summary>
    private static RelaxNgValidationResult ValidateWithFile(RelaxNgSchema schema, Stream stream, CancellationToken cancellationToken)
        => schema.ValidateStream(stream, null, null, cancellationToken);
}
