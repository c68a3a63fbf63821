using System.Text;
using System.Xml;
using System.Xml.Linq;
using Clustering.Cib;
using Clustering.Cib.Diff;
using Clustering.Cib.Operations;
using Clustering.Cib.Upgrade;
using Clustering.Cib.Versions;
using Clustering.Cib.Validation;

namespace Clustering.Tool.Commands;

/// <summary>
/// <c>clusterctl cibadmin</c>: Pacemaker's <c>cibadmin</c> on a CIB file named by the <c>CIB_file</c> environment
/// variable, as the real tool runs offline: the same options, output on stdout, <c>Call failed: MESSAGE</c> on
/// stderr, and <c>crm_exit_t</c> exit codes. The file is rewritten only when an update changed it.
/// </summary>
internal sealed class CibadminCommand : ICommand
{
    private const string Dangerous = "The supplied command is considered dangerous.  To prevent accidental destruction of the cluster, the --force flag is required in order to proceed.";
    private const string Disconnect = "Transport endpoint is not connected";

    private static readonly (string Short, string Long, string Name)[] Operations =
    [
        ("-Q", "--query", "query"), ("-C", "--create", "create"), ("-M", "--modify", "modify"), ("-R", "--replace", "replace"),
        ("-D", "--delete", "delete"), ("-d", "--delete-all", "delete-all"), ("-E", "--erase", "erase"), ("-B", "--bump", "bump"),
        ("-P", "--patch", "patch"), ("-u", "--upgrade", "upgrade"), ("-5", "--md5-sum", "md5-sum"), ("-6", "--md5-sum-versioned", "md5-sum-versioned"),
    ];

    private readonly Func<string, string?> _environment;
    private readonly Func<TextReader> _stdin;
    private readonly ICibValidator? _validator;

    /// <summary>
    /// The command as the tool runs it: the process environment, the console's stdin, and updates validated against
    /// the schema directory in <c>PCMK_schema_directory</c> (Pacemaker's variable) or <c>/usr/share/pacemaker</c>.
    /// </summary>
    public CibadminCommand()
        : this(Environment.GetEnvironmentVariable, () => Console.In, SchemaValidator(Environment.GetEnvironmentVariable))
    {
    }

    /// <summary>The validator over the schema directory the environment names, as the real tool finds it.</summary>
    public static ICibValidator SchemaValidator(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return new CibSchemaValidator(new CibSchemaSetOptions { Directory = SchemaDirectory(environment) });
    }

    private static string SchemaDirectory(Func<string, string?> environment)
    {
        var directory = environment("PCMK_schema_directory");
        return string.IsNullOrEmpty(directory) ? CibSchemaSetOptions.DefaultDirectory : directory;
    }

    /// <summary>The command with its environment, stdin and validator injected (tests).</summary>
    public CibadminCommand(Func<string, string?> environment, Func<TextReader> stdin, ICibValidator? validator)
    {
        _environment = environment;
        _stdin = stdin;
        _validator = validator;
    }

    public string Name => "cibadmin";

    public string Synopsis => "-Q|-C|-M|-R|-D|-d|-E|-B|-P|-u|-5|-6 [-o SCOPE | -A XPATH] [-X XML | -x FILE | -p] [-n] [-c] [-f] [-U USER]  (on the file in CIB_file=)";

    public string Summary => "query and edit a CIB file like Pacemaker's cibadmin (CIB_file=)";

    public async Task<int> RunAsync(CommandLine args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        Request request;
        try
        {
            request = Parse(args);
        }
        catch (CommandLineException e)
        {
            await stderr.WriteLineAsync($"cibadmin: {e.Message}").ConfigureAwait(false);
            await stderr.WriteLineAsync($"Usage: clusterctl cibadmin {Synopsis}").ConfigureAwait(false);
            return (int)CibExitCode.Usage;
        }

        XElement? input = null;
        if (request.XmlText is not null || request.XmlFile is not null || request.XmlPipe)
        {
            try
            {
                input = await ReadInputAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is XmlException or CibLoadException or IOException or UnauthorizedAccessException)
            {
                var from = request.XmlText is not null ? "string" : request.XmlFile is not null ? $"from {request.XmlFile}" : "from stdin";
                await stderr.WriteLineAsync($"Couldn't parse input {from}: {e.Message}").ConfigureAwait(false);
                return (int)CibExitCode.Config;
            }
        }

        if (request.Operation is "md5-sum" or "md5-sum-versioned")
        {
            if (input is null)
            {
                await stderr.WriteLineAsync("Please supply XML to process with -X, -x or -p").ConfigureAwait(false);
                return (int)CibExitCode.Usage;
            }

            if (request.Operation == "md5-sum")
            {
                await stderr.WriteAsync("Digest: ").ConfigureAwait(false);
                await stdout.WriteLineAsync(CibDigest.Md5(input)).ConfigureAwait(false);
            }
            else
            {
                await stderr.WriteAsync($"Versioned ({(string?)input.Attribute("crm_feature_set") ?? "(null)"}) digest: ").ConfigureAwait(false);
                await stdout.WriteLineAsync(CibDigest.Md5Versioned(input)).ConfigureAwait(false);
            }

            return (int)CibExitCode.Ok;
        }

        if (request.Operation is "erase" or "delete-all" or "upgrade" && !request.Force)
        {
            await stderr.WriteLineAsync(Dangerous).ConfigureAwait(false);
            return (int)CibExitCode.Unsafe;
        }

        var file = _environment("CIB_file");
        if (string.IsNullOrEmpty(file))
        {
            return await InitFailedAsync(stderr, Disconnect + " (clusterctl cibadmin works on CIB_file= only)", CibExitCode.Disconnect).ConfigureAwait(false);
        }

        CibDocument document;
        try
        {
            document = CibDocument.Load(file);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return await InitFailedAsync(stderr, CibResults.Describe(CibResultCode.NoSuchDeviceOrAddress), CibExitCode.NoSuch).ConfigureAwait(false);
        }
        catch (Exception e) when (e is CibLoadException or IOException or UnauthorizedAccessException)
        {
            return await InitFailedAsync(stderr, $"{CibResults.Describe(CibResultCode.NoSuchDeviceOrAddress)} ({file}: {e.Message})", CibExitCode.NoSuch).ConfigureAwait(false);
        }

        if (document.Root.Name.LocalName != "cib")
        {
            return await InitFailedAsync(stderr, $"{CibResults.Describe(CibResultCode.NoSuchDeviceOrAddress)} ({file} is not a CIB: its root is <{document.Root.Name.LocalName}>)", CibExitCode.NoSuch).ConfigureAwait(false);
        }

        var store = new CibStore(document, new CibStoreOptions { Validator = _validator });
        var before = store.Version;
        var beforeDigest = store.Md5Digest();
        var beforeConfiguration = store.Document.Root.Element("configuration");
        var options = new CibCallOptions
        {
            Scope = request.Scope,
            XPath = request.XPath,
            NoChildren = request.NoChildren,
            AllowCreate = request.AllowCreate,
            User = request.User,
        };

        if (input is null && request.Operation is "create" or "modify" or "replace" or "patch" || (input is null && request.Operation == "delete" && request.XPath is null))
        {
            await stderr.WriteLineAsync($"Call failed: {CibResults.Describe(CibResultCode.InvalidArgument)}").ConfigureAwait(false);
            return (int)CibResults.ToExitCode(CibResultCode.InvalidArgument);
        }

        var result = request.Operation switch
        {
            "query" => store.Query(options),
            "create" => store.Create(input!, options),
            "modify" => store.Modify(input!, options),
            "replace" => store.Replace(input!, options),
            "delete" => store.Delete(input, options),
            "delete-all" => store.DeleteAll(options),
            "erase" => store.Erase(options),
            "patch" => Patch(store, input!, options),
            "upgrade" => store.Upgrade(new CibUpgrader(CibSchemaSet.OpenCombined(new CibSchemaSetOptions { Directory = SchemaDirectory(_environment) })), options),
            _ => store.Bump(options),
        };

        if (!result.Succeeded)
        {
            if (result.Output is not null)
            {
                await stdout.WriteLineAsync(Format(result.Output)).ConfigureAwait(false);
            }

            await stderr.WriteLineAsync($"Call failed: {result.Message}").ConfigureAwait(false);
            foreach (var error in result.ValidationErrors)
            {
                await stderr.WriteLineAsync(error).ConfigureAwait(false);
            }

            return (int)result.ExitCode;
        }

        if (request.Operation == "query")
        {
            await stdout.WriteLineAsync(Format(result.Output!)).ConfigureAwait(false);
            return (int)CibExitCode.Ok;
        }

        if (store.Version != before || store.Md5Digest() != beforeDigest)
        {
            var written = store.Document;
            if (request.Operation == "upgrade")
            {
                FileBackendUpgradeCounters(written.Root, beforeConfiguration);
            }

            try
            {
                Write(written, file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await stderr.WriteLineAsync($"Could not write the CIB to {file}: {e.Message}").ConfigureAwait(false);
                return (int)CibExitCode.CannotCreate;
            }
        }

        return (int)CibExitCode.Ok;
    }

    /// <summary>
    /// The counters the real <c>cibadmin --upgrade</c> leaves in a <c>CIB_file</c> (Pacemaker 2.1.5, checked by the
    /// conformance tests): the upgrade itself bumps <c>admin_epoch</c> and zeroes <c>epoch</c> and <c>num_updates</c>
    /// (what <see cref="CibStore.Upgrade"/> does), and the file backend's own commit then counts the rewrite as
    /// further updates: <c>epoch</c> 2 and <c>num_updates</c> 0 when the schema transforms changed the configuration
    /// (say a 1.x node <c>type="normal"</c> becoming <c>member</c>), otherwise <c>epoch</c> 1 and <c>num_updates</c> 2.
    /// </summary>
    private static void FileBackendUpgradeCounters(XElement root, XElement? beforeConfiguration)
    {
        var version = CibVersion.Of(root);
        var configurationChanged = !XNode.DeepEquals(beforeConfiguration, root.Element("configuration"));
        (configurationChanged ? version with { Epoch = 2, NumUpdates = 0 } : version with { Epoch = 1, NumUpdates = 2 }).WriteTo(root);
    }

    /// <summary>
    /// <c>--patch</c> as the file backend does it: the v2 patch is applied (the CIB must be at its source version), and
    /// the result then replaces the CIB like any update, so the counters move once more (0.1.0 + a patch to 0.2.0 gives
    /// 0.3.0).
    /// </summary>
    private static CibResult Patch(CibStore store, XElement patch, CibCallOptions options)
    {
        XElement patched;
        try
        {
            patched = CibPatch.Apply(store.Document.Root, patch);
        }
        catch (CibPatchException e)
        {
            return CibResult.Failure(e.Code, e.Message);
        }

        return store.Replace(patched, options with { Scope = null, XPath = null });
    }

    private static async Task<int> InitFailedAsync(TextWriter stderr, string reason, CibExitCode code)
    {
        await stderr.WriteLineAsync($"Could not connect to the CIB: {reason}").ConfigureAwait(false);
        await stderr.WriteLineAsync("Init failed, could not perform requested operations").ConfigureAwait(false);
        return (int)code;
    }

    private sealed record Request(
        string Operation,
        string? Scope,
        string? XPath,
        string? XmlText,
        string? XmlFile,
        bool XmlPipe,
        bool NoChildren,
        bool AllowCreate,
        bool Force,
        string? User);

    private static Request Parse(CommandLine args)
    {
        var chosen = Operations.Where(o => args.Flag(o.Short, o.Long)).Select(o => o.Name).ToList();
        var scope = args.Value("-o", "--scope");
        var xpath = args.Value("-A", "--xpath");
        var text = args.Value("-X", "--xml-text");
        var file = args.Value("-x", "--xml-file");
        var pipe = args.Flag("-p", "--xml-pipe");
        var noChildren = args.Flag("-n", "--no-children");
        var allowCreate = args.Flag("-c", "--allow-create");
        var force = args.Flag("-f", "--force");
        var user = args.Value("-U", "--user");
        _ = args.Flag("-l", "--local", "-s", "--sync-call", "-V", "--verbose");
        _ = args.Value("-t", "--timeout");
        args.EnsureConsumed();

        if (chosen.Count == 0)
        {
            throw new CommandLineException("no command given (one of -Q, -C, -M, -R, -D, -d, -E, -B, -P, -5, -6)");
        }

        // --md5-sum is answered before anything else, as the real tool does; otherwise one command at a time.
        var operation = chosen.Contains("md5-sum") ? "md5-sum" : chosen.Contains("md5-sum-versioned") ? "md5-sum-versioned" : chosen.Count == 1 ? chosen[0] : throw new CommandLineException($"only one command at a time, not {string.Join(" and ", chosen)}");
        if (new[] { text is not null, file is not null, pipe }.Count(b => b) > 1)
        {
            throw new CommandLineException("give the XML once: -X, -x or -p");
        }

        if (operation == "delete-all" && xpath is null)
        {
            throw new CommandLineException("--delete-all needs --xpath");
        }

        return new Request(operation, scope, xpath, text, file, pipe, noChildren, allowCreate, force, user);
    }

    private async Task<XElement> ReadInputAsync(Request request, CancellationToken cancellationToken)
    {
        string text;
        if (request.XmlText is not null)
        {
            text = request.XmlText;
        }
        else if (request.XmlFile is not null)
        {
            text = await File.ReadAllTextAsync(request.XmlFile, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            text = await _stdin().ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        }

        return CibDocument.Parse(text).Root;
    }

    private static string Format(XElement element) => CibText.Format(element);

    private static void Write(CibDocument document, string file)
    {
        var full = Path.GetFullPath(file);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.cibadmin.tmp");
        try
        {
            File.WriteAllText(temp, Format(document.Root) + "\n", new UTF8Encoding(false));
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
