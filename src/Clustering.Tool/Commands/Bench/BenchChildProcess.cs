using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;

namespace Clustering.Tool.Commands.Bench;

/// <summary>
/// One child process of a run (clusterctl re-running itself with <c>bench --child</c>): its standard output lines
/// go to a channel shared by all children, its standard error is kept (the last lines) for error reports, and
/// disposing it asks it to exit and kills it (with its process tree) if it does not.
/// </summary>
internal sealed class BenchChildProcess : IAsyncDisposable
{
    private const int StderrLines = 20;
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(3);

    private readonly Process _process;
    private readonly Queue<string> _stderr = new();
    private readonly Task _stdoutPump;
    private readonly Task _stderrPump;

    private BenchChildProcess(int index, Process process, ChannelWriter<(int Index, string? Line)> lines)
    {
        Index = index;
        _process = process;
        _stdoutPump = PumpStdoutAsync(lines);
        _stderrPump = PumpStderrAsync();
    }

    /// <summary>The child's position (node id − 1).</summary>
    public int Index { get; }

    /// <summary>The last lines the child wrote to standard error.</summary>
    public string StandardErrorTail
    {
        get
        {
            lock (_stderr)
            {
                return string.Join(Environment.NewLine, _stderr);
            }
        }
    }

    /// <summary>Starts <c>clusterctl</c> with <paramref name="arguments"/>; its output lines are written to <paramref name="lines"/> (null at its end).</summary>
    public static BenchChildProcess Start(int index, IEnumerable<string> arguments, ChannelWriter<(int Index, string? Line)> lines)
    {
        var (fileName, prefix) = Launcher();
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in prefix.Concat(arguments))
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new BenchFailedException($"could not start {fileName}");
        return new BenchChildProcess(index, process, lines);
    }

    /// <summary>Sends one line to the child's standard input; a child that has gone is ignored (its end is reported on the channel).</summary>
    public async Task SendAsync(string line)
    {
        try
        {
            await _process.StandardInput.WriteLineAsync(line).ConfigureAwait(false);
            await _process.StandardInput.FlushAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
        }
        catch (InvalidOperationException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await SendAsync("EXIT").ConfigureAwait(false);
            try
            {
                _process.StandardInput.Close();
            }
            catch (IOException)
            {
            }

            using var grace = new CancellationTokenSource(ExitGrace);
            try
            {
                await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                try
                {
                    _process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // It exited meanwhile.
                }

                await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }

        await Task.WhenAll(_stdoutPump, _stderrPump).ConfigureAwait(false);
        _process.Dispose();
    }

    /// <summary>
    /// How to run clusterctl again: the native executable itself when published with Native AOT, else its apphost
    /// next to it, else the dotnet host with its assembly.
    /// </summary>
    private static (string FileName, string[] Prefix) Launcher()
    {
        var directory = AppContext.BaseDirectory;
        var apphost = Path.Combine(directory, OperatingSystem.IsWindows() ? "clusterctl.exe" : "clusterctl");
        if (File.Exists(apphost))
        {
            return (apphost, []);
        }

        var assembly = Path.Combine(directory, "clusterctl.dll");

        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (string.IsNullOrEmpty(host))
        {
            var current = Environment.ProcessPath;
            host = current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
        }

        return (host, ["exec", assembly]);
    }

    private async Task PumpStdoutAsync(ChannelWriter<(int Index, string? Line)> lines)
    {
        try
        {
            while (await _process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                await lines.WriteAsync((Index, line)).ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
        }

        lines.TryWrite((Index, null));
    }

    private async Task PumpStderrAsync()
    {
        try
        {
            while (await _process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                if (line.Contains(" totem: ", StringComparison.Ordinal))
                {
                    // The child's Totem counts at its report: shown on the parent's standard error (not in --json).
                    await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"node {Index + 1}: {line}")).ConfigureAwait(false);
                }

                lock (_stderr)
                {
                    _stderr.Enqueue(line);
                    if (_stderr.Count > StderrLines)
                    {
                        _stderr.Dequeue();
                    }
                }
            }
        }
        catch (IOException)
        {
        }
    }
}
