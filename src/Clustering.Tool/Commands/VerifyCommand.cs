using Clustering.Cib;
using Clustering.Cib.Validation;
using Clustering.Cib.Verify;

namespace Clustering.Tool.Commands;

/// <summary>
/// <c>clusterctl verify [-V...] (--xml-file FILE | -x FILE | FILE)</c>: checks a CIB file like
/// <c>crm_verify --xml-file</c>: schema validation (schemas from <c>PCMK_schema_directory</c> or
/// <c>/usr/share/pacemaker</c>) and then the semantic checks of <see cref="CibVerifier"/>. Everything goes to
/// stderr, as crm_verify writes it. Exit codes are crm_verify's: 0 clean, 78 (CRM_EX_CONFIG) for errors or
/// warnings, 1 when the file cannot be read or parsed, 64 (CRM_EX_USAGE) for a bad command line.
/// </summary>
internal sealed class VerifyCommand : ICommand
{
    /// <summary>crm_verify's exit code for a configuration with errors or warnings (CRM_EX_CONFIG).</summary>
    public const int ConfigInvalid = 78;

    /// <summary>crm_verify's exit code for an unusable command line (CRM_EX_USAGE).</summary>
    public const int UsageError = 64;

    /// <summary>crm_verify's exit code for an input it cannot read or parse (CRM_EX_ERROR).</summary>
    public const int InputError = 1;

    private const string Tool = "clusterctl verify";

    private readonly Func<string, string?> _environment;

    /// <summary>The command as the tool runs it, with the process environment.</summary>
    public VerifyCommand()
        : this(Environment.GetEnvironmentVariable)
    {
    }

    /// <summary>The command with its environment injected (tests).</summary>
    public VerifyCommand(Func<string, string?> environment) => _environment = environment;

    public string Name => "verify";

    public string Synopsis => "[-V...] (--xml-file FILE | -x FILE | FILE)";

    public string Summary => "check a CIB file for schema and configuration errors like crm_verify --xml-file";

    public async Task<int> RunAsync(CommandLine args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stderr);
        int verbosity;
        string? file;
        try
        {
            verbosity = args.Count("-V", "--verbose") + (2 * args.Count("-VV")) + (3 * args.Count("-VVV")) + (4 * args.Count("-VVVV"));
            file = args.Value("--xml-file", "-x");
            var positionals = args.Positionals();
            if (positionals.Count > 1 || (positionals.Count == 1 && file is not null))
            {
                throw new CommandLineException("only one FILE can be verified at a time");
            }

            file ??= positionals.Count == 1 ? positionals[0] : null;
        }
        catch (CommandLineException e)
        {
            await stderr.WriteLineAsync($"{Tool}: {e.Message}").ConfigureAwait(false);
            await stderr.WriteLineAsync($"usage: {Tool} {Synopsis}").ConfigureAwait(false);
            return UsageError;
        }

        if (file is null)
        {
            await stderr.WriteLineAsync($"{Tool}: No configuration source specified.  Use --help for usage information.").ConfigureAwait(false);
            return InputError;
        }

        CibDocument document;
        try
        {
            document = CibDocument.Load(file);
        }
        catch (Exception e) when (e is CibLoadException or IOException or UnauthorizedAccessException)
        {
            if (verbosity > 0)
            {
                var detail = e is CibLoadException load ? $"{file}:{load.LineNumber}:{load.LinePosition}: {load.Reason}" : e.Message;
                await stderr.WriteLineAsync($"(filename2xml) \terror: Couldn't parse {file}: {detail}").ConfigureAwait(false);
            }

            await stderr.WriteLineAsync($"{Tool}: Couldn't parse input file: {file}").ConfigureAwait(false);
            return InputError;
        }

        var directory = _environment("PCMK_schema_directory");
        CibVerifyResult result;
        try
        {
            result = CibVerifier.Verify(
                document,
                new CibVerifyOptions { SchemaDirectory = string.IsNullOrEmpty(directory) ? CibSchemaSetOptions.DefaultDirectory : directory },
                cancellationToken);
        }
        catch (Exception e) when (e is DirectoryNotFoundException or RelaxNgSchemaException)
        {
            await stderr.WriteLineAsync($"(main) \terror: The schemas cannot be used: {e.Message}").ConfigureAwait(false);
            await stderr.WriteLineAsync($"{Tool}: Errors found during check: config not valid").ConfigureAwait(false);
            return InputError;
        }

        foreach (var error in result.SchemaErrors)
        {
            var element = ElementName(error.Path);
            var kind = error.Message.StartsWith("ID", StringComparison.Ordinal) ? "validity error" : "Relax-NG validity error";
            await stderr.WriteLineAsync($"{file}:{error.LineNumber}: element {element}: {kind} : {error.Message}").ConfigureAwait(false);
        }

        if (result.SchemaValidationDisabled)
        {
            await stderr.WriteLineAsync("Schema validation of configuration is disabled (enabling is encouraged and prevents common misconfigurations)").ConfigureAwait(false);
        }

        foreach (var finding in result.Findings)
        {
            var shownAt = finding.Severity switch
            {
                CibFindingSeverity.Error => 1,
                CibFindingSeverity.Warning => 2,
                _ => 3,
            };
            if (verbosity >= shownAt)
            {
                await stderr.WriteLineAsync(finding.ToString()).ConfigureAwait(false);
            }
        }

        if (result.IsClean)
        {
            return ClusterCtl.Ok;
        }

        await stderr.WriteLineAsync(result.HasErrors
            ? $"{Tool}: Errors found during check: config not valid"
            : $"{Tool}: Warnings found during check: config may not be valid").ConfigureAwait(false);
        if (verbosity == 0)
        {
            await stderr.WriteLineAsync("-V may provide more details").ConfigureAwait(false);
        }

        return ConfigInvalid;
    }

    /// <summary>The last element name of a path such as <c>/cib/configuration/resources/primitive[@id='x']</c>.</summary>
    private static string ElementName(string path)
    {
        var last = path[(path.LastIndexOf('/') + 1)..];
        var bracket = last.IndexOf('[', StringComparison.Ordinal);
        return bracket >= 0 ? last[..bracket] : last.Length == 0 ? "cib" : last;
    }
}
