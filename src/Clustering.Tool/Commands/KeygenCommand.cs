using System.Globalization;
using Clustering.Transport.Security;

namespace Clustering.Tool.Commands;

/// <summary>
/// <c>clusterctl keygen [-k FILE] [-l BYTES] [--force]</c>: writes a new authkey, like <c>corosync-keygen</c>.
/// The default file is <c>authkey</c> in the current directory; the key is 128 bytes unless <c>-l</c> says
/// otherwise (128 to 4096); the file is written atomically with mode 0400; an existing file is kept unless
/// <c>--force</c> is given.
/// </summary>
internal sealed class KeygenCommand : ICommand
{
    /// <summary>The file name used when <c>-k</c> is not given.</summary>
    public const string DefaultFileName = "authkey";

    private readonly Func<string> _currentDirectory;

    /// <summary>Creates the command resolving relative paths against the process's current directory.</summary>
    public KeygenCommand()
        : this(() => Environment.CurrentDirectory)
    {
    }

    /// <summary>Creates the command resolving relative paths against <paramref name="currentDirectory"/> (tests use a temporary directory).</summary>
    public KeygenCommand(Func<string> currentDirectory)
    {
        ArgumentNullException.ThrowIfNull(currentDirectory);
        _currentDirectory = currentDirectory;
    }

    /// <inheritdoc />
    public string Name => "keygen";

    /// <inheritdoc />
    public string Synopsis => $"[-k FILE] [-l BYTES] [--force]   (FILE defaults to ./{DefaultFileName}, BYTES to {Authkey.DefaultLength}, {Authkey.MinLength}..{Authkey.MaxLength})";

    /// <inheritdoc />
    public string Summary => "generate an authkey (like corosync-keygen)";

    /// <inheritdoc />
    public async Task<int> RunAsync(CommandLine args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);

        var force = args.Flag("--force", "-f");
        var file = args.Value("-k", "--key-file") ?? DefaultFileName;
        var length = (int)(args.Integer(Authkey.MinLength, Authkey.MaxLength, "-l", "--length") ?? Authkey.DefaultLength);
        args.EnsureConsumed();
        if (file.Length == 0)
        {
            throw new CommandLineException("option -k needs a file name");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var path = Path.GetFullPath(file, _currentDirectory());

        await stdout.WriteLineAsync("Clustering Authentication key generator.").ConfigureAwait(false);
        if (!force && (File.Exists(path) || Directory.Exists(path)))
        {
            await stderr.WriteLineAsync($"clusterctl keygen: {file} already exists; refusing to overwrite it (use --force to replace it).").ConfigureAwait(false);
            return ClusterCtl.Failed;
        }

        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Gathering {length * 8} bits for key from the operating system's random number generator.")).ConfigureAwait(false);
        using var key = Authkey.Generate(length);
        await stdout.WriteLineAsync($"Writing key to {file}.").ConfigureAwait(false);
        try
        {
            key.Save(path, overwrite: force);
        }
        catch (AuthkeyException e)
        {
            await stderr.WriteLineAsync($"clusterctl keygen: {e.Message}").ConfigureAwait(false);
            return ClusterCtl.Failed;
        }

        return ClusterCtl.Ok;
    }
}
