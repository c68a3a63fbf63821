using Clustering.Cib;
using Clustering.Cib.Validation;
using Clustering.Cib.Verify;

namespace Clustering.Tool.Commands;

/// <summary>
/// <c>clusterctl verify [-V...] (--xml-file FILE | -x FILE | FILE | --xml-text XML | -X XML | --xml-pipe | -p)</c>:
/// checks a CIB like <c>crm_verify --xml-file</c> (or <c>--xml-text</c>, <c>--xml-pipe</c>): schema validation (schemas from <c>PCMK_schema_directory</c> or
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
    private readonly Func<TextReader> _stdin;

    /// <summary>The command as the tool runs it, with the process environment and the console's stdin.</summary>
    public VerifyCommand()
        : this(Environment.GetEnvironmentVariable, () => Console.In)
    {
    }

    /// <summary>The command with its environment and stdin injected (tests).</summary>
    public VerifyCommand(Func<string, string?> environment, Func<TextReader> stdin)
    {
        _environment = environment;
        _stdin = stdin;
    }

    public string Name => "verify";

    public string Synopsis => "[-V...] (--xml-file FILE | -x FILE | FILE | --xml-text XML | -X XML | --xml-pipe | -p)";

    public string Summary => "check a CIB file for schema and configuration errors like crm_verify --xml-file";

    public async Task<int> RunAsync(CommandLine args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stderr);
        int verbosity;
        string? file;
        string? text;
        bool pipe;
        try
        {
            verbosity = args.Count("-V", "--verbose") + (2 * args.Count("-VV")) + (3 * args.Count("-VVV")) + (4 * args.Count("-VVVV"));
            file = args.Value("--xml-file", "-x");
            text = args.Value("--xml-text", "-X");
            pipe = args.Flag("--xml-pipe", "-p");
            var positionals = args.Positionals();
            if (positionals.Count + (file is null ? 0 : 1) + (text is null ? 0 : 1) + (pipe ? 1 : 0) > 1)
            {
                throw new CommandLineException("give one configuration source: a FILE, --xml-text or --xml-pipe");
            }

            file ??= positionals.Count == 1 ? positionals[0] : null;
        }
        catch (CommandLineException e)
        {
            await stderr.WriteLineAsync($"{Tool}: {e.Message}").ConfigureAwait(false);
            await stderr.WriteLineAsync($"usage: {Tool} {Synopsis}").ConfigureAwait(false);
            return UsageError;
        }

        if (file is null && text is null && !pipe)
        {
            await stderr.WriteLineAsync($"{Tool}: No configuration source specified.  Use --help for usage information.").ConfigureAwait(false);
            return InputError;
        }

        CibDocument document;
        try
        {
            document = file is not null ? CibDocument.Load(file)
                : text is not null ? CibDocument.Parse(text)
                : CibDocument.Load(_stdin());
        }
        catch (Exception e) when (e is CibLoadException or IOException or UnauthorizedAccessException)
        {
            var source = file ?? (text is not null ? "input string" : "STDIN");
            if (verbosity > 0)
            {
                var detail = e is CibLoadException load ? $"{source}:{load.LineNumber}:{load.LinePosition}: {load.Reason}" : e.Message;
                await stderr.WriteLineAsync($"(filename2xml) \terror: Couldn't parse {source}: {detail}").ConfigureAwait(false);
            }

            await stderr.WriteLineAsync(file is not null ? $"{Tool}: Couldn't parse input file: {file}"
                : text is not null ? $"{Tool}: Couldn't parse input string: {text}"
                : $"{Tool}: Couldn't parse input from STDIN.").ConfigureAwait(false);
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
            var where = file is null ? "" : $"{file}:{error.LineNumber}: ";
            await stderr.WriteLineAsync($"{where}element {element}: {kind} : {error.Message}").ConfigureAwait(false);
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
