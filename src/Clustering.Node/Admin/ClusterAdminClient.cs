using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Clustering.Membership.Groups;
using Clustering.Transport.Redundancy;

namespace Clustering.Node.Admin;

/// <summary>
/// A client of a node's local admin endpoint (docs/admin-protocol.md): what <c>clusterctl cfgtool</c>,
/// <c>quorumtool</c> and <c>cpgtool</c> use. One request is in flight at a time per client; the methods may be
/// called from several threads.
/// </summary>
public sealed class ClusterAdminClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _reader;
    private readonly PipeWriter _writer;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private int _disposed;

    private ClusterAdminClient(Socket socket, string path)
    {
        _socket = socket;
        Path = path;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = PipeReader.Create(_stream);
        _writer = PipeWriter.Create(_stream);
    }

    /// <summary>The socket this client talks to.</summary>
    public string Path { get; }

    /// <summary>Connects to the admin socket at <paramref name="path"/>.</summary>
    /// <param name="path">The node's admin socket.</param>
    /// <param name="cancellationToken">Cancels the connection attempt.</param>
    /// <returns>The connected client.</returns>
    /// <exception cref="ClusterAdminException">No node answers there (<see cref="AdminErrorCode.CannotConnect"/>).</exception>
    public static async Task<ClusterAdminClient> ConnectAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new ClusterAdminException(AdminErrorCode.CannotConnect, $"cannot connect to the node's admin socket {path}: no such socket; is the node running?");
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
            return new ClusterAdminClient(socket, path);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new ClusterAdminException(AdminErrorCode.CannotConnect, $"cannot connect to the node's admin socket {path}: {e.Message}", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The rings' status (<c>cfgtool -s</c>: <see cref="RingSetStatus.ToCfgtoolText"/>, <see cref="RingSetStatus.CfgtoolExitCode"/>).</summary>
    /// <param name="cancellationToken">Cancels the request; the connection is then unusable.</param>
    /// <exception cref="ClusterAdminException">The node refused or the connection failed.</exception>
    public async Task<RingSetStatus> GetRingStatusAsync(CancellationToken cancellationToken = default)
    {
        var wire = Deserialize(await RequestAsync(AdminRequestKind.RingStatus, [], cancellationToken).ConfigureAwait(false), AdminJson.Default.WireRingStatus);
        var rings = new List<RingStatus>();
        foreach (var r in wire.Rings ?? [])
        {
            if (!IPAddress.TryParse(r.Address, out var address) || !Enum.TryParse<RingHealth>(r.Health, out var health) || !Enum.TryParse<RingStatusKind>(r.Status, out var kind))
            {
                throw new ClusterAdminException(AdminErrorCode.ProtocolError, $"the node sent an unreadable ring status for ring {r.Ring}");
            }

            rings.Add(new RingStatus(r.Ring, address, health, r.ProblemCount, r.ProblemThreshold, kind, r.StatusSequence));
        }

        return new RingSetStatus(wire.NodeId, rings);
    }

    /// <summary>Re-enables the rings marked FAULTY (<c>cfgtool -r</c>).</summary>
    /// <param name="cancellationToken">Cancels the request; the connection is then unusable.</param>
    /// <exception cref="ClusterAdminException">The node refused or the connection failed.</exception>
    public async Task ReenableRingsAsync(CancellationToken cancellationToken = default) =>
        await RequestAsync(AdminRequestKind.ReenableRings, [], cancellationToken).ConfigureAwait(false);

    /// <summary>The <c>corosync-quorumtool -s</c> report of the node.</summary>
    /// <param name="cancellationToken">Cancels the request; the connection is then unusable.</param>
    /// <exception cref="ClusterAdminException">The node refused or the connection failed.</exception>
    public async Task<AdminQuorumReport> GetQuorumStatusAsync(CancellationToken cancellationToken = default)
    {
        var wire = Deserialize(await RequestAsync(AdminRequestKind.QuorumStatus, [], cancellationToken).ConfigureAwait(false), AdminJson.Default.WireQuorum);
        return new AdminQuorumReport(wire.Quorate, wire.Text ?? string.Empty);
    }

    /// <summary>The <c>corosync-quorumtool -l</c> membership table of the node.</summary>
    /// <param name="cancellationToken">Cancels the request; the connection is then unusable.</param>
    /// <exception cref="ClusterAdminException">The node refused or the connection failed.</exception>
    public async Task<AdminQuorumReport> GetQuorumListAsync(CancellationToken cancellationToken = default)
    {
        var wire = Deserialize(await RequestAsync(AdminRequestKind.QuorumList, [], cancellationToken).ConfigureAwait(false), AdminJson.Default.WireQuorum);
        return new AdminQuorumReport(wire.Quorate, wire.Text ?? string.Empty);
    }

    /// <summary>Every process group of the node's partition with its members, ordered by name (<c>cpgtool</c>).</summary>
    /// <param name="cancellationToken">Cancels the request; the connection is then unusable.</param>
    /// <exception cref="ClusterAdminException">The node refused or the connection failed.</exception>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<GroupMember>>> GetGroupsAsync(CancellationToken cancellationToken = default)
    {
        var wire = Deserialize(await RequestAsync(AdminRequestKind.GroupList, [], cancellationToken).ConfigureAwait(false), AdminJson.Default.WireGroups);
        var groups = new SortedDictionary<string, IReadOnlyList<GroupMember>>(StringComparer.Ordinal);
        foreach (var group in wire.Groups ?? [])
        {
            groups[group.Name ?? string.Empty] = Members(group);
        }

        return groups;
    }

    /// <summary>The members of process group <paramref name="name"/>; empty when it has none.</summary>
    /// <param name="name">The group: 1 to 128 bytes of UTF-8.</param>
    /// <param name="cancellationToken">Cancels the request; the connection is then unusable.</param>
    /// <exception cref="ClusterAdminException">The node refused (an invalid name: <see cref="AdminErrorCode.InvalidArgument"/>) or the connection failed.</exception>
    public async Task<IReadOnlyList<GroupMember>> GetGroupMembersAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        var wire = Deserialize(await RequestAsync(AdminRequestKind.GroupMembers, Encoding.UTF8.GetBytes(name), cancellationToken).ConfigureAwait(false), AdminJson.Default.WireGroup);
        return Members(wire);
    }

    /// <summary>The node's identity, membership and known addresses.</summary>
    /// <param name="cancellationToken">Cancels the request; the connection is then unusable.</param>
    /// <exception cref="ClusterAdminException">The node refused or the connection failed.</exception>
    public async Task<AdminNodeInfo> GetNodeInfoAsync(CancellationToken cancellationToken = default)
    {
        var w = Deserialize(await RequestAsync(AdminRequestKind.NodeInfo, [], cancellationToken).ConfigureAwait(false), AdminJson.Default.WireNodeInfo);
        return new AdminNodeInfo(
            w.NodeId,
            w.ClusterName ?? string.Empty,
            w.Version ?? string.Empty,
            w.ProcessId,
            w.Running,
            w.RingId,
            w.Members ?? [],
            w.Quorate,
            TimeSpan.FromSeconds(w.UptimeSeconds),
            [.. (w.Nodes ?? []).Select(n => new AdminNodeAddresses(n.NodeId, n.Name, n.Addresses ?? []))]);
    }

    /// <summary>Closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await _reader.CompleteAsync().ConfigureAwait(false);
            await _writer.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // The connection is already broken; closing it is all that is left.
        }

        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
        _gate.Dispose();
    }

    private static IReadOnlyList<GroupMember> Members(WireGroup group) => [.. (group.Members ?? []).Select(m => new GroupMember(m.NodeId, m.Pid))];

    private static T Deserialize<T>(byte[] payload, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(payload, type) ?? throw new ClusterAdminException(AdminErrorCode.ProtocolError, "the node sent an empty answer");
        }
        catch (JsonException e)
        {
            throw new ClusterAdminException(AdminErrorCode.ProtocolError, $"the node sent an unreadable answer: {e.Message}", e);
        }
    }

    /// <summary>Sends one request and returns the payload of its successful answer.</summary>
    private async Task<byte[]> RequestAsync(AdminRequestKind kind, byte[] payload, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            AdminFrame.WriteRequest(_writer, kind, payload);
            Exception? writeFailure = null;
            try
            {
                await _writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                // The endpoint may have refused the connection (permission, busy) and closed it: its answer can
                // still be waiting to be read, and says why.
                writeFailure = e;
            }

            while (true)
            {
                var result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                var read = AdminFrame.TryRead(ref buffer, AdminFrame.MaxResponseLength, out var body, out var announced);
                if (read == AdminFrame.ReadResult.TooLarge)
                {
                    throw new ClusterAdminException(AdminErrorCode.ProtocolError, $"the node announced an answer of {announced} bytes, more than {AdminFrame.MaxResponseLength}");
                }

                if (read == AdminFrame.ReadResult.Complete)
                {
                    var answer = body.ToArray();
                    _reader.AdvanceTo(buffer.Start);
                    return Open(kind, answer);
                }

                _reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    throw new ClusterAdminException(AdminErrorCode.ProtocolError,
                        writeFailure is null ? "the node closed the admin connection without answering" : $"the admin connection failed: {writeFailure.Message}",
                        writeFailure);
                }
            }
        }
        catch (IOException e)
        {
            throw new ClusterAdminException(AdminErrorCode.ProtocolError, $"the admin connection failed: {e.Message}", e);
        }
        catch (SocketException e)
        {
            throw new ClusterAdminException(AdminErrorCode.ProtocolError, $"the admin connection failed: {e.Message}", e);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static byte[] Open(AdminRequestKind kind, byte[] answer)
    {
        if (answer.Length < 3 || answer[0] != AdminFrame.Version)
        {
            throw new ClusterAdminException(AdminErrorCode.ProtocolError, "the node answered in a protocol this client does not speak");
        }

        var status = (AdminErrorCode)answer[1];
        var payload = answer[3..];
        if (status != AdminErrorCode.None)
        {
            string message;
            try
            {
                message = JsonSerializer.Deserialize(payload, AdminJson.Default.WireError)?.Message ?? status.ToString();
            }
            catch (JsonException)
            {
                message = status.ToString();
            }

            throw new ClusterAdminException(status, message);
        }

        if (answer[2] != (byte)kind)
        {
            throw new ClusterAdminException(AdminErrorCode.ProtocolError, $"the node answered request {answer[2]} to request {(byte)kind}");
        }

        return payload;
    }
}
