using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Clustering.Node.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Clustering.Node.Admin;

/// <summary>
/// The node's local admin endpoint: a Unix domain socket (mode 0600, peers checked with <c>SO_PEERCRED</c>) served
/// with System.IO.Pipelines, speaking the versioned frame protocol of docs/admin-protocol.md. Each client is served
/// on its own task; a bad frame gets a typed error answer and is counted, never more.
/// </summary>
internal sealed class AdminEndpoint : IAsyncDisposable
{
    /// <summary>How many clients may be connected at once.</summary>
    public const int DefaultMaxConnections = 32;

    private static readonly byte[] EmptyObject = "{}"u8.ToArray();

    /// <summary>How long a refused client's leftover bytes are read before its connection is closed.</summary>
    private static readonly TimeSpan DrainTime = TimeSpan.FromSeconds(1);

    /// <summary>How many leftover bytes are read at most before the connection is closed.</summary>
    private const long MaxDrained = 1 << 20;

    private readonly ClusterNode _node;
    private readonly Socket _listener;
    private readonly ILogger _logger;
    private readonly NodeMetrics? _metrics;
    private readonly Func<uint, bool> _admit;
    private readonly int _maxConnections;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly HashSet<Socket> _clients = [];
    private readonly HashSet<Task> _serving = [];
    private Task _accepting = Task.CompletedTask;
    private long _malformed;
    private long _refusedPeers;
    private long _requests;
    private int _disposed;

    private AdminEndpoint(string path, Socket listener, ClusterNode node, ILogger logger, NodeMetrics? metrics, Func<uint, bool> admit, int maxConnections)
    {
        Path = path;
        _listener = listener;
        _node = node;
        _logger = logger;
        _metrics = metrics;
        _admit = admit;
        _maxConnections = maxConnections;
    }

    /// <summary>The socket's path.</summary>
    public string Path { get; }

    /// <summary>Requests refused as malformed: bad frames, versions, kinds or arguments, oversized or truncated frames.</summary>
    public long MalformedRequests => Interlocked.Read(ref _malformed);

    /// <summary>Connections refused because the peer's user is not allowed.</summary>
    public long RefusedPeers => Interlocked.Read(ref _refusedPeers);

    /// <summary>Requests answered (successfully or not).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>
    /// Creates the socket at <paramref name="path"/> (its directory with mode 0700 when it must be created), makes it
    /// mode 0600 and starts serving. A socket file nobody answers on is replaced; a live one is an error.
    /// </summary>
    /// <param name="path">The socket path.</param>
    /// <param name="node">The node whose state is served.</param>
    /// <param name="logger">Where the endpoint logs.</param>
    /// <param name="metrics">The node's instruments, if any.</param>
    /// <param name="admit">Decides on a peer's uid; <see langword="null"/> admits this process's user and root.</param>
    /// <param name="maxConnections">How many clients may be connected at once.</param>
    /// <exception cref="IOException">The path is taken by a live endpoint or by something that is not a socket, or cannot be created.</exception>
    public static AdminEndpoint Start(string path, ClusterNode node, ILogger logger, NodeMetrics? metrics = null, Func<uint, bool>? admit = null, int maxConnections = DefaultMaxConnections)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConnections, 1);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the admin endpoint needs Unix domain sockets with peer credentials (Linux)");
        }

        if (admit is null)
        {
            var own = PeerCredentials.EffectiveUserId();
            admit = uid => own is { } o && PeerCredentials.IsAllowed(uid, o);
        }

        var full = System.IO.Path.GetFullPath(path);
        var directory = System.IO.Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        RemoveStale(full, logger);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(full));
            File.SetUnixFileMode(full, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            listener.Listen(16);
        }
        catch (SocketException e)
        {
            listener.Dispose();
            throw new IOException($"cannot listen on admin socket {full}: {e.Message}", e);
        }

        var endpoint = new AdminEndpoint(full, listener, node, logger, metrics, admit, maxConnections);
        endpoint._accepting = Task.Run(endpoint.AcceptAsync, CancellationToken.None);
        AdminLog.Listening(logger, full);
        return endpoint;
    }

    /// <summary>Stops accepting, closes every client, waits for them and removes the socket file.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        Task[] serving;
        lock (_gate)
        {
            foreach (var client in _clients)
            {
                client.Dispose();
            }

            serving = [.. _serving];
        }

        try
        {
            await Task.WhenAll(serving.Append(_accepting)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException or IOException)
        {
            // Closing the sockets ends the loops with these.
        }

        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
            // Someone replaced or removed it meanwhile.
        }

        _stop.Dispose();
        AdminLog.Closed(_logger, Path);
    }

    private static void RemoveStale(string path, ILogger logger)
    {
        if (!File.Exists(path))
        {
            return;
        }

        // A socket file has no length; a file with content is someone else's.
        if (new FileInfo(path).Length > 0)
        {
            throw new IOException($"admin socket path {path} is taken by something that is not a socket");
        }

        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw new IOException($"admin socket {path} is in use by a running node");
            }
            catch (SocketException)
            {
                // Nobody answers: a node that died without cleaning up.
            }
        }

        File.Delete(path);
        AdminLog.StaleSocketRemoved(logger, path);
    }

    private async Task AcceptAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            lock (_gate)
            {
                if (token.IsCancellationRequested)
                {
                    client.Dispose();
                    return;
                }

                _clients.Add(client);
                Task serve = null!;
                serve = Task.Run(async () =>
                {
                    try
                    {
                        await ServeAsync(client, token).ConfigureAwait(false);
                    }
                    finally
                    {
                        lock (_gate)
                        {
                            _clients.Remove(client);
                            _serving.Remove(serve);
                        }

                        client.Dispose();
                    }
                }, CancellationToken.None);
                _serving.Add(serve);
            }
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken token)
    {
        var stream = new NetworkStream(client, ownsSocket: false);
        await using (stream.ConfigureAwait(false))
        {
            var reader = PipeReader.Create(stream);
            var writer = PipeWriter.Create(stream);
            try
            {
                if (Refusal(client) is { } refusal)
                {
                    WriteError(writer, refusal.Code, 0, refusal.Message);
                    await writer.FlushAsync(token).ConfigureAwait(false);
                    await DrainAsync(client, reader, token).ConfigureAwait(false);
                    return;
                }

                if (!await ServeFramesAsync(reader, writer, token).ConfigureAwait(false))
                {
                    await DrainAsync(client, reader, token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException or IOException)
            {
                // The client went away, or the endpoint is closing.
            }
            catch (Exception e)
            {
                AdminLog.ConnectionFailed(_logger, e);
            }
            finally
            {
                await reader.CompleteAsync().ConfigureAwait(false);
                await writer.CompleteAsync().ConfigureAwait(false);
            }
        }
    }

    private (AdminErrorCode Code, string Message)? Refusal(Socket client)
    {
        if (!PeerCredentials.TryGet(client, out var pid, out var uid) || !_admit(uid))
        {
            Interlocked.Increment(ref _refusedPeers);
            AdminLog.PeerRefused(_logger, pid, uid == uint.MaxValue ? -1 : uid);
            return (AdminErrorCode.PermissionDenied, "permission denied: only the node's user or root may use its admin socket");
        }

        lock (_gate)
        {
            if (_clients.Count > _maxConnections)
            {
                AdminLog.Busy(_logger, _maxConnections);
                return (AdminErrorCode.Busy, $"too many admin clients (at most {_maxConnections})");
            }
        }

        return null;
    }

    /// <summary>
    /// Before closing a connection the endpoint gave up on: says it will send no more, then reads and drops what the
    /// client still sends for a moment. Closing a Unix socket with unread data resets the peer, which could lose the
    /// error answer the client has not read yet.
    /// </summary>
    private async Task DrainAsync(Socket client, PipeReader reader, CancellationToken token)
    {
        client.Shutdown(SocketShutdown.Send);
        using var timeout = new CancellationTokenSource(DrainTime, _node.Time);
        using var drain = CancellationTokenSource.CreateLinkedTokenSource(token, timeout.Token);
        long drained = 0;
        try
        {
            while (drained < MaxDrained)
            {
                var result = await reader.ReadAsync(drain.Token).ConfigureAwait(false);
                drained += result.Buffer.Length;
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            // The client kept the connection open: close it anyway.
        }
    }

    /// <returns><see langword="false"/> when the endpoint closes the connection itself (an oversized frame).</returns>
    private async Task<bool> ServeFramesAsync(PipeReader reader, PipeWriter writer, CancellationToken token)
    {
        while (true)
        {
            var result = await reader.ReadAsync(token).ConfigureAwait(false);
            var buffer = result.Buffer;
            var close = false;
            while (true)
            {
                var read = AdminFrame.TryRead(ref buffer, AdminFrame.MaxRequestLength, out var body, out var announced);
                if (read == AdminFrame.ReadResult.Incomplete)
                {
                    break;
                }

                if (read == AdminFrame.ReadResult.TooLarge)
                {
                    Refuse(writer, AdminErrorCode.FrameTooLarge, 0, $"frame of {announced} bytes is larger than the {AdminFrame.MaxRequestLength} bytes accepted");
                    close = true;
                    break;
                }

                Handle(body, writer);
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            await writer.FlushAsync(token).ConfigureAwait(false);
            if (close)
            {
                return false;
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                if (!buffer.IsEmpty)
                {
                    // The client closed in the middle of a frame: nobody is left to answer.
                    Interlocked.Increment(ref _malformed);
                    _metrics?.AdminMalformed.Add(1);
                    AdminLog.TruncatedFrame(_logger, buffer.Length);
                }

                return true;
            }
        }
    }

    private void Handle(ReadOnlySequence<byte> body, PipeWriter writer)
    {
        Interlocked.Increment(ref _requests);
        if (body.Length < 2)
        {
            Refuse(writer, AdminErrorCode.MalformedFrame, 0, $"a request needs a version and a kind byte, got {body.Length} byte(s)");
            return;
        }

        var head = body.Slice(0, 2).ToArray();
        var kindByte = head[1];
        if (head[0] != AdminFrame.Version)
        {
            Refuse(writer, AdminErrorCode.UnsupportedVersion, kindByte, $"protocol version {head[0]} is not supported (this node speaks {AdminFrame.Version})");
            return;
        }

        var kind = (AdminRequestKind)kindByte;
        var payload = body.Slice(2);
        if (!Enum.IsDefined(kind))
        {
            Refuse(writer, AdminErrorCode.UnknownRequest, kindByte, $"unknown request kind {kindByte}");
            return;
        }

        string? group = null;
        if (kind == AdminRequestKind.GroupMembers)
        {
            if (GroupName(payload) is not { } name)
            {
                Refuse(writer, AdminErrorCode.InvalidArgument, kindByte, "the group name must be 1 to 128 bytes of valid UTF-8");
                return;
            }

            group = name;
        }
        else if (!payload.IsEmpty)
        {
            Refuse(writer, AdminErrorCode.InvalidArgument, kindByte, $"request {kind} takes no payload, got {payload.Length} byte(s)");
            return;
        }

        try
        {
            var answer = Answer(kind, group);
            AdminFrame.WriteResponse(writer, AdminErrorCode.None, kindByte, answer);
        }
        catch (InvalidOperationException e) when (!_node.IsRunning)
        {
            AdminLog.RequestRefused(_logger, AdminErrorCode.NotRunning, e.Message);
            WriteError(writer, AdminErrorCode.NotRunning, kindByte, "the node is not running");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            AdminLog.RequestFailed(_logger, kind, e);
            WriteError(writer, AdminErrorCode.Internal, kindByte, $"the request failed inside the node: {e.Message}");
        }
    }

    private byte[] Answer(AdminRequestKind kind, string? group)
    {
        switch (kind)
        {
            case AdminRequestKind.RingStatus:
                var status = _node.GetRingStatus();
                return JsonSerializer.SerializeToUtf8Bytes(
                    new WireRingStatus(status.LocalNodeId, [.. status.Rings.Select(r => new WireRing(r.RingNumber, r.Address.ToString(), r.Health.ToString(), r.ProblemCount, r.ProblemThreshold, r.Status.ToString(), r.StatusSequence))]),
                    AdminJson.Default.WireRingStatus);
            case AdminRequestKind.ReenableRings:
                _node.ReenableFailedRings();
                return EmptyObject;
            case AdminRequestKind.QuorumStatus:
                _node.EnsureRunning();
                return JsonSerializer.SerializeToUtf8Bytes(new WireQuorum(_node.IsQuorate, _node.GetQuorumReport()), AdminJson.Default.WireQuorum);
            case AdminRequestKind.QuorumList:
                _node.EnsureRunning();
                return JsonSerializer.SerializeToUtf8Bytes(new WireQuorum(_node.IsQuorate, _node.GetQuorumList()), AdminJson.Default.WireQuorum);
            case AdminRequestKind.GroupList:
                _node.EnsureRunning();
                return JsonSerializer.SerializeToUtf8Bytes(
                    new WireGroups([.. _node.GetProcessGroups().Select(g => new WireGroup(g.Key, [.. g.Value.Select(m => new WireMember(m.NodeId, m.ProcessId))]))]),
                    AdminJson.Default.WireGroups);
            case AdminRequestKind.GroupMembers:
                _node.EnsureRunning();
                var members = _node.GetProcessGroups().TryGetValue(group!, out var list) ? list : [];
                return JsonSerializer.SerializeToUtf8Bytes(new WireGroup(group!, [.. members.Select(m => new WireMember(m.NodeId, m.ProcessId))]), AdminJson.Default.WireGroup);
            case AdminRequestKind.NodeInfo:
                return JsonSerializer.SerializeToUtf8Bytes(_node.GetAdminInfo(), AdminJson.Default.WireNodeInfo);
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown request kind");
        }
    }

    /// <summary>The group name of a <see cref="AdminRequestKind.GroupMembers"/> request, or <see langword="null"/> when it is not valid.</summary>
    private static string? GroupName(ReadOnlySequence<byte> payload)
    {
        if (payload.IsEmpty || payload.Length > 128)
        {
            return null;
        }

        try
        {
            var name = new UTF8Encoding(false, true).GetString(payload.ToArray());
            Membership.Groups.ProcessGroupTable.ValidateGroupName(name);
            return name;
        }
        catch (ArgumentException)
        {
            // DecoderFallbackException is an ArgumentException too.
            return null;
        }
    }

    private void Refuse(PipeWriter writer, AdminErrorCode code, byte kind, string message)
    {
        Interlocked.Increment(ref _malformed);
        _metrics?.AdminMalformed.Add(1);
        AdminLog.RequestRefused(_logger, code, message);
        WriteError(writer, code, kind, message);
    }

    private static void WriteError(PipeWriter writer, AdminErrorCode code, byte kind, string message) =>
        AdminFrame.WriteResponse(writer, code, kind, JsonSerializer.SerializeToUtf8Bytes(new WireError(message), AdminJson.Default.WireError));
}
