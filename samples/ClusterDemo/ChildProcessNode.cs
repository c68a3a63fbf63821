using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace ClusterDemo;

/// <summary>
/// A node in a child process: this program again in child mode, with the node id and the paths of corosync.conf
/// and the authkey. Requests go to its stdin; its log lines are printed with the node's name in front.
/// </summary>
internal sealed class ChildProcessNode(uint nodeId, DemoSetup setup, DemoConsole console) : IDemoNode
{
    private static readonly TimeSpan RequestLimit = TimeSpan.FromSeconds(20);
    private readonly ConcurrentDictionary<int, TaskCompletionSource<string>> _pending = new();
    private readonly SemaphoreSlim _writer = new(1, 1);
    private Process? _process;
    private Task _readers = Task.CompletedTask;
    private int _nextId;

    public uint NodeId => nodeId;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot find this program's executable to start a node process");
        var start = new ProcessStartInfo(self)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            // Run as 'dotnet ClusterDemo.dll': the child needs the same entry assembly.
            start.ArgumentList.Add(typeof(Story).Assembly.Location);
        }

        foreach (var arg in new[] { "--child", nodeId.ToString(CultureInfo.InvariantCulture), setup.ConfigPath, setup.KeyPath })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException($"node {nodeId}'s process did not start");
        console.Info($"node{nodeId}: process {_process.Id} started");
        _readers = Task.WhenAll(
            Task.Run(() => ReadOutputAsync(_process), CancellationToken.None),
            Task.Run(() => ReadErrorsAsync(_process), CancellationToken.None));
        await RequestAsync("start", cancellationToken).ConfigureAwait(false);
    }

    public Task JoinGroupAsync(CancellationToken cancellationToken) => RequestAsync("join", cancellationToken);

    public Task LeaveGroupAsync(CancellationToken cancellationToken) => RequestAsync("leave", cancellationToken);

    public Task SendAsync(string phase, int count, CancellationToken cancellationToken)
        => RequestAsync(string.Create(CultureInfo.InvariantCulture, $"send {phase} {count}"), cancellationToken);

    public async Task<NodeReport> ReportAsync(CancellationToken cancellationToken)
        => Parse<NodeReport>(await RequestAsync("report", cancellationToken).ConfigureAwait(false));

    public async Task<(string Text, int ExitCode)> CfgtoolAsync(CancellationToken cancellationToken)
    {
        var reply = Parse<CfgtoolReply>(await RequestAsync("cfgtool", cancellationToken).ConfigureAwait(false));
        return (reply.Text, reply.ExitCode);
    }

    public async Task<string> QuorumtoolAsync(CancellationToken cancellationToken)
        => Parse<string>(await RequestAsync("quorumtool", cancellationToken).ConfigureAwait(false));

    public Task CutRingAsync(int ring, bool cut, CancellationToken cancellationToken)
        => RequestAsync(string.Create(CultureInfo.InvariantCulture, $"cut {ring} {(cut ? "on" : "off")}"), cancellationToken);

    public async Task FailAsync(CancellationToken cancellationToken)
    {
        if (_process is { HasExited: false } process)
        {
            console.Info($"$ kill -9 {process.Id}        # node{nodeId}");
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await RequestAsync("stop", cancellationToken).ConfigureAwait(false);
        if (_process is { } process)
        {
            process.StandardInput.Close();
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"node {nodeId}'s process did not exit within 5 s of stopping");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync().ConfigureAwait(false);
            await _readers.ConfigureAwait(false);
            process.Dispose();
            _process = null;
        }

        _writer.Dispose();
    }

    private static T Parse<T>(string json)
        => JsonSerializer.Deserialize<T>(json, ChildProtocol.Json) ?? throw new InvalidOperationException($"empty reply where a {typeof(T).Name} was expected");

    private async Task<string> RequestAsync(string request, CancellationToken cancellationToken)
    {
        var process = _process ?? throw new InvalidOperationException($"node {nodeId}'s process is not running");
        var id = Interlocked.Increment(ref _nextId);
        var reply = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        try
        {
            await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await process.StandardInput.WriteLineAsync($"{id} {request}".AsMemory(), cancellationToken).ConfigureAwait(false);
                await process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _writer.Release();
            }

            return await reply.Task.WaitAsync(RequestLimit, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"node {nodeId} did not answer '{request}' within {RequestLimit.TotalSeconds} s");
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private async Task ReadOutputAsync(Process process)
    {
        while (await process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            if (line.StartsWith("log ", StringComparison.Ordinal))
            {
                console.Log($"node{nodeId}> {line[4..]}");
            }
            else if (line.Split(' ', 4) is ["reply", var id, var outcome, .. var rest]
                && int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                && _pending.TryGetValue(number, out var reply))
            {
                var text = rest.Length > 0 ? rest[0] : "";
                if (outcome == "ok")
                {
                    reply.TrySetResult(text);
                }
                else
                {
                    reply.TrySetException(new InvalidOperationException($"node {nodeId}: {text}"));
                }
            }
            else
            {
                console.Log($"node{nodeId}> {line}");
            }
        }

        // The process is gone: nothing pending will be answered.
        foreach (var pending in _pending.Values)
        {
            pending.TrySetException(new IOException($"node {nodeId}'s process ended"));
        }
    }

    private async Task ReadErrorsAsync(Process process)
    {
        while (await process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            console.Log($"node{nodeId}! {line}");
        }
    }
}
