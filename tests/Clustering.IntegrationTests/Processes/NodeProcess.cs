using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Clustering.TestSupport;

namespace Clustering.IntegrationTests.Processes;

/// <summary>
/// One <c>Clustering.NodeHost</c> process: started with <c>dotnet</c> (inside a network namespace with
/// <c>ip netns exec</c> when asked), its JSON event lines collected, its commands written to its standard input.
/// Every wait is bounded; <see cref="DisposeAsync"/> always ends the process.
/// </summary>
internal sealed class NodeProcess : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private const int SigKill = 9;
    private const int SigTerm = 15;
    private const int StderrLines = 60;

    private readonly Process _process;
    private readonly List<HostLine> _lines = [];
    private readonly Queue<string> _stderr = new();
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _disposed;

    private NodeProcess(uint nodeId, Process process)
    {
        NodeId = nodeId;
        _process = process;
    }

    public uint NodeId { get; }

    /// <summary>What the other processes of the cluster reported, appended to this one's failure messages.</summary>
    public Func<string>? Peers { get; set; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>How many event lines have arrived: pass it as <c>since</c> to wait only for later ones.</summary>
    public int Mark
    {
        get
        {
            lock (_gate)
            {
                return _lines.Count;
            }
        }
    }

    /// <summary>The node host assembly built next to this test project (<c>CLUSTERING_NODEHOST</c> overrides it).</summary>
    public static string HostAssembly
    {
        get
        {
            var path = Environment.GetEnvironmentVariable("CLUSTERING_NODEHOST")
                ?? typeof(NodeProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "NodeHostPath").Value!;
            if (!File.Exists(path))
            {
                Assert.Fail($"the node host is not built at {path} (build tests/Clustering.NodeHost, or set CLUSTERING_NODEHOST)");
            }

            return path;
        }
    }

    /// <summary>The <c>dotnet</c> that runs the tests, so the host runs on the same runtime.</summary>
    public static string DotnetPath =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
            ? host
            : RealTools.Find("dotnet") ?? Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "../../../dotnet");

    /// <summary>Starts a host for node <paramref name="nodeId"/> with <paramref name="hostArguments"/>, in <paramref name="networkNamespace"/> when given.</summary>
    public static NodeProcess Start(uint nodeId, IEnumerable<string> hostArguments, string? networkNamespace = null)
    {
        var info = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        if (networkNamespace is not null)
        {
            // ip netns exec execs the program, so the process id is the host's own and signals reach it.
            info.FileName = RealTools.Require("ip");
            foreach (var a in (string[])["netns", "exec", networkNamespace])
            {
                info.ArgumentList.Add(a);
            }

            info.ArgumentList.Add(DotnetPath);
        }
        else
        {
            info.FileName = DotnetPath;
        }

        info.ArgumentList.Add(HostAssembly);
        foreach (var a in hostArguments)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var node = new NodeProcess(nodeId, process);
        process.OutputDataReceived += (_, e) => node.OnStdout(e.Data);
        process.ErrorDataReceived += (_, e) => node.OnStderr(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"could not start the node host for node {nodeId}");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    /// <summary>Every event line so far.</summary>
    public IReadOnlyList<HostLine> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>The last line of <paramref name="kind"/>, or <see langword="null"/>.</summary>
    public HostLine? Latest(string kind)
    {
        lock (_gate)
        {
            return _lines.LastOrDefault(l => l.Kind == kind);
        }
    }

    /// <summary>Writes one command line to the host.</summary>
    public void Command(string line)
    {
        lock (_gate)
        {
            _process.StandardInput.WriteLine(line);
            _process.StandardInput.Flush();
        }
    }

    /// <summary>Closes the host's standard input (end of file: the host stops cleanly).</summary>
    public void EndInput()
    {
        lock (_gate)
        {
            _process.StandardInput.Close();
        }
    }

    /// <summary>Waits for a line of <paramref name="kind"/> at or after <paramref name="since"/> that <paramref name="match"/> accepts; fails the test with the host's recent output otherwise.</summary>
    public async Task<HostLine> WaitForAsync(string kind, Func<HostLine, bool> match, string what, int since = 0, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        var limit = timeout ?? DefaultTimeout;
        while (true)
        {
            lock (_gate)
            {
                for (var i = since; i < _lines.Count; i++)
                {
                    if (_lines[i].Kind == kind && match(_lines[i]))
                    {
                        return _lines[i];
                    }
                }
            }

            if (clock.Elapsed > limit)
            {
                Assert.Fail($"node {NodeId}: no '{kind}' line {what} within {limit.TotalSeconds:0} s\n{DescribeAll()}");
            }

            if (_stdoutClosed.Task.IsCompleted && Mark <= since && _process.HasExited)
            {
                Assert.Fail($"node {NodeId}: the host exited ({_process.ExitCode}) before a '{kind}' line {what}\n{DescribeAll()}");
            }

            await Task.Delay(25);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds for the latest line of <paramref name="kind"/>.</summary>
    public async Task<HostLine> WaitForLatestAsync(string kind, Func<HostLine, bool> condition, string what, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        var limit = timeout ?? DefaultTimeout;
        while (true)
        {
            if (Latest(kind) is { } line && condition(line))
            {
                return line;
            }

            if (clock.Elapsed > limit)
            {
                Assert.Fail($"node {NodeId}: the latest '{kind}' line is not {what} within {limit.TotalSeconds:0} s\n{DescribeAll()}");
            }

            await Task.Delay(25);
        }
    }

    /// <summary>Asks for the delivery statistics and returns the answer.</summary>
    public Task<HostLine> StatsAsync() => AskAsync("stats", "stats");

    /// <summary>Clears the delivery statistics and returns the (empty) answer.</summary>
    public Task<HostLine> ResetAsync() => AskAsync("reset", "stats");

    /// <summary>Asks for the ring status and returns the answer.</summary>
    public Task<HostLine> RingsAsync() => AskAsync("rings", "rings");

    /// <summary>Sends SIGTERM (a graceful stop).</summary>
    public void Terminate() => Signal(SigTerm);

    /// <summary>Sends SIGKILL (a crash: nothing is sent on the way out).</summary>
    public void KillHard() => Signal(SigKill);

    /// <summary>Waits for the process to exit and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        using var bounded = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            await _process.WaitForExitAsync(bounded.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"node {NodeId}: the host did not exit within {(timeout ?? DefaultTimeout).TotalSeconds:0} s\n{DescribeAll()}");
        }

        return _process.ExitCode;
    }

    /// <summary>The host's last event lines and log lines, for failure messages.</summary>
    public string Describe()
    {
        lock (_gate)
        {
            return $"--- node {NodeId} (pid {_process.Id}) events ---\n{string.Join('\n', _lines.TakeLast(25).Select(l => l.Text))}\n" +
                $"--- node {NodeId} stderr ---\n{string.Join('\n', _stderr)}";
        }
    }

    private string DescribeAll()
    {
        var peers = Peers?.Invoke();
        return peers is null ? Describe() : Describe() + "\n" + peers;
    }

    /// <summary>Ends the process: closes its input (it stops cleanly), then kills it if it has not exited in time.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            if (!_process.HasExited)
            {
                try
                {
                    lock (_gate)
                    {
                        _process.StandardInput.Close();
                    }
                }
                catch (IOException)
                {
                    // The pipe is already broken: the process is going anyway.
                }

                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                try
                {
                    await _process.WaitForExitAsync(grace.Token);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                    using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    try
                    {
                        await _process.WaitForExitAsync(bounded.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        // Nothing more can be done from here; the test reports its own outcome.
                    }
                }
            }
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private async Task<HostLine> AskAsync(string command, string kind)
    {
        var mark = Mark;
        Command(command);
        return await WaitForAsync(kind, _ => true, $"answering '{command}'", mark, TimeSpan.FromSeconds(10));
    }

    private void Signal(int signal)
    {
        if (NativeMethods.kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    private void OnStdout(string? text)
    {
        if (text is null)
        {
            _stdoutClosed.TrySetResult();
            return;
        }

        var line = HostLine.TryParse(text);
        lock (_gate)
        {
            if (line is not null)
            {
                _lines.Add(line);
            }
            else
            {
                Remember("stdout (not an event): " + text);
            }
        }
    }

    private void OnStderr(string? text)
    {
        if (text is null)
        {
            return;
        }

        lock (_gate)
        {
            Remember(text);
        }
    }

    private void Remember(string text)
    {
        _stderr.Enqueue(text);
        while (_stderr.Count > StderrLines)
        {
            _stderr.Dequeue();
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
#pragma warning disable SYSLIB1054, CA5392 // A single blittable call; no marshalling to generate.
        internal static extern int kill(int pid, int sig);
#pragma warning restore SYSLIB1054, CA5392
    }
}
