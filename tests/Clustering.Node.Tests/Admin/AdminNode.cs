using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Clustering.Membership.Quorum;
using Clustering.Transport.Rings;

namespace Clustering.Node.Tests.Admin;

/// <summary>One node alone on an in-memory network (quorate with expected votes 1) serving an admin socket in a temporary directory.</summary>
internal sealed class AdminNode : IAsyncDisposable
{
    private AdminNode(string directory, ClusterNode node)
    {
        Directory = directory;
        Node = node;
    }

    public string Directory { get; }

    public ClusterNode Node { get; }

    public string SocketPath => Path.Combine(Directory, "node.sock");

    public static async Task<AdminNode> StartAsync(string? socketPath = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "clustering-admin-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        var node = Build(socketPath ?? Path.Combine(directory, "node.sock"));
        var admin = new AdminNode(directory, node);
        await node.StartAsync();
        await NodeCluster.WaitAsync(() => node.IsQuorate && node.Membership is not null, "the node alone is quorate");
        return admin;
    }

    public static ClusterNode Build(string socketPath, uint nodeId = 1)
    {
        var network = new InMemoryNetwork(TimeProvider.System, 7);
        var options = new ClusterNodeOptions
        {
            NodeId = nodeId,
            ClusterName = "admin-tests",
            Timings = NodeCluster.FastTimings,
            Quorum = new VoteQuorumOptions { ExpectedVotes = 1 },
            AdminSocketPath = socketPath,
            NodeNames = new Dictionary<uint, string> { [nodeId] = "alpha" },
            NodeAddresses = new Dictionary<uint, IReadOnlyList<IPAddress>> { [nodeId] = [IPAddress.Parse("127.0.0.1")] },
        };
        options.Rings.Add(() => network.CreateRing(0, new IPEndPoint(IPAddress.Parse("127.0.0.1"), 5405)));
        return ClusterNodeBuilder.FromOptions(options).Build();
    }

    public async ValueTask DisposeAsync()
    {
        await Node.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A raw connection for writing frames by hand.</summary>
    public async Task<Socket> ConnectRawAsync()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath));
        return socket;
    }

    /// <summary>Sends bytes and reads one answer frame: (version, status, kind), or <see langword="null"/> when the endpoint closed first.</summary>
    public static async Task<(byte Version, byte Status, byte Kind)?> ExchangeAsync(Socket socket, byte[] bytes)
    {
        await socket.SendAsync(bytes);
        var prefix = new byte[4];
        if (!await ReadExactlyAsync(socket, prefix))
        {
            return null;
        }

        var body = new byte[BinaryPrimitives.ReadUInt32BigEndian(prefix)];
        Assert.That(await ReadExactlyAsync(socket, body), Is.True, "a whole answer");
        return (body[0], body[1], body[2]);
    }

    public static byte[] Frame(params byte[] body)
    {
        var frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)body.Length);
        body.CopyTo(frame, 4);
        return frame;
    }

    /// <summary>Whether the endpoint has closed the connection (a read returns end of stream within 5 s).</summary>
    public static async Task<bool> ClosedAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var buffer = new byte[16];
        try
        {
            return await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) == 0;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    private static async Task<bool> ReadExactlyAsync(Socket socket, byte[] buffer)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, timeout.Token);
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }
}
