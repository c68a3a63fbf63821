using System.Net.Sockets;
using Clustering.Node.Admin;
using Clustering.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clustering.Node.Tests.Admin;

/// <summary>
/// The admin endpoint in process: it answers every request kind with what the node itself reports, refuses bad
/// frames with typed errors (counted, the node unharmed), closes on oversized frames, serves clients concurrently,
/// creates its socket 0600, replaces a stale socket but not a live one, and admits only the allowed users.
/// </summary>
[CancelAfter(60_000)]
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AdminEndpointTests
{
    [Test]
    public async Task Endpoint_answers_every_request_with_what_the_node_reports()
    {
        await using var admin = await AdminNode.StartAsync();
        var node = admin.Node;
        await using var g1 = await node.JoinGroupAsync("alpha");
        await using var g2 = await node.JoinGroupAsync("alpha");
        await using var g3 = await node.JoinGroupAsync("beta");

        await using var client = await ClusterAdminClient.ConnectAsync(admin.SocketPath);
        var rings = await client.GetRingStatusAsync();
        Assert.That(rings.ToCfgtoolText(), Is.EqualTo(node.GetRingStatus().ToCfgtoolText()));
        Assert.That(rings.CfgtoolExitCode, Is.Zero);
        Assert.That(rings.Rings.Single().Address.ToString(), Is.EqualTo("127.0.0.1"));

        var status = await client.GetQuorumStatusAsync();
        Assert.That(status.Quorate, Is.True);
        Assert.That(status.Text, Does.StartWith("Quorum information\n"));
        Assert.That(status.Text, Does.Contain("Quorate:          Yes"));
        Assert.That(status.Text, Does.Contain("         1          1 alpha (local)"));

        var list = await client.GetQuorumListAsync();
        Assert.That(list.Text, Is.EqualTo(node.GetQuorumList()));

        var groups = await client.GetGroupsAsync();
        Assert.That(groups.Keys, Is.EqualTo(new[] { "alpha", "beta" }));
        Assert.That(groups["alpha"], Is.EquivalentTo(new[] { g1.Member, g2.Member }));
        Assert.That(groups["beta"], Is.EqualTo(new[] { g3.Member }));
        Assert.That(await client.GetGroupMembersAsync("alpha"), Is.EquivalentTo(new[] { g1.Member, g2.Member }));
        Assert.That(await client.GetGroupMembersAsync("nobody-here"), Is.Empty);

        var info = await client.GetNodeInfoAsync();
        Assert.That(info.NodeId, Is.EqualTo(1u));
        Assert.That(info.ClusterName, Is.EqualTo("admin-tests"));
        Assert.That(info.ProcessId, Is.EqualTo(Environment.ProcessId));
        Assert.That(info.IsRunning, Is.True);
        Assert.That(info.IsQuorate, Is.True);
        Assert.That(info.Members, Is.EqualTo(new[] { 1u }));
        Assert.That(info.RingId, Is.Not.Null);
        Assert.That(info.Nodes.Single().Addresses, Is.EqualTo(new[] { "127.0.0.1" }));
        Assert.That(info.Nodes.Single().Name, Is.EqualTo("alpha"));

        await client.ReenableRingsAsync();
        Assert.That(node.AdminEndpoint!.Requests, Is.EqualTo(8));
        Assert.That(node.AdminEndpoint.MalformedRequests, Is.Zero);
    }

    [Test]
    public async Task Socket_is_created_mode_0600_and_removed_with_the_node()
    {
        var admin = await AdminNode.StartAsync();
        try
        {
            Assert.That(File.GetUnixFileMode(admin.SocketPath), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
            Assert.That(admin.Node.AdminSocketPath, Is.EqualTo(admin.SocketPath));
            await admin.Node.StopAsync();
            Assert.That(File.Exists(admin.SocketPath), Is.False, "the socket file goes with the node");
            Assert.That(admin.Node.AdminSocketPath, Is.Null);
            var e = Assert.ThrowsAsync<ClusterAdminException>(async () => await ClusterAdminClient.ConnectAsync(admin.SocketPath));
            Assert.That(e!.Code, Is.EqualTo(AdminErrorCode.CannotConnect));
        }
        finally
        {
            await admin.DisposeAsync();
        }
    }

    [Test]
    public async Task Directory_created_for_the_socket_is_private()
    {
        var directory = Path.Combine(Path.GetTempPath(), "clustering-admin-dir-" + Guid.NewGuid().ToString("N")[..8]);
        var path = Path.Combine(directory, "sub", "n.sock");
        try
        {
            await using var node = AdminNode.Build(path);
            await node.StartAsync();
            Assert.That(File.GetUnixFileMode(Path.GetDirectoryName(path)!), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [TestCase(new byte[] { 9, 1 }, AdminErrorCode.UnsupportedVersion, TestName = "Unsupported version")]
    [TestCase(new byte[] { 1, 99 }, AdminErrorCode.UnknownRequest, TestName = "Unknown kind")]
    [TestCase(new byte[] { 1 }, AdminErrorCode.MalformedFrame, TestName = "Body without a kind")]
    [TestCase(new byte[0], AdminErrorCode.MalformedFrame, TestName = "Empty body")]
    [TestCase(new byte[] { 1, 1, 42 }, AdminErrorCode.InvalidArgument, TestName = "Payload on a request that takes none")]
    [TestCase(new byte[] { 1, 6 }, AdminErrorCode.InvalidArgument, TestName = "Group members without a name")]
    [TestCase(new byte[] { 1, 6, 0xff, 0xfe }, AdminErrorCode.InvalidArgument, TestName = "Group name not UTF-8")]
    public async Task Bad_request_gets_a_typed_error_is_counted_and_the_connection_goes_on(byte[] body, AdminErrorCode expected)
    {
        await using var admin = await AdminNode.StartAsync();
        using var socket = await admin.ConnectRawAsync();
        var answer = await AdminNode.ExchangeAsync(socket, AdminNode.Frame(body));
        Assert.That(answer, Is.Not.Null);
        Assert.That(answer!.Value.Version, Is.EqualTo(1));
        Assert.That((AdminErrorCode)answer.Value.Status, Is.EqualTo(expected));
        Assert.That(admin.Node.AdminEndpoint!.MalformedRequests, Is.EqualTo(1));

        // The same connection still answers a good request, and the node runs on.
        var good = await AdminNode.ExchangeAsync(socket, AdminNode.Frame(1, (byte)AdminRequestKind.QuorumList));
        Assert.That(good!.Value.Status, Is.Zero);
        Assert.That(good.Value.Kind, Is.EqualTo((byte)AdminRequestKind.QuorumList));
        Assert.That(admin.Node.IsRunning, Is.True);
    }

    [Test]
    public async Task Group_name_longer_than_128_bytes_is_refused()
    {
        await using var admin = await AdminNode.StartAsync();
        await using var client = await ClusterAdminClient.ConnectAsync(admin.SocketPath);
        var e = Assert.ThrowsAsync<ClusterAdminException>(async () => await client.GetGroupMembersAsync(new string('g', 129)));
        Assert.That(e!.Code, Is.EqualTo(AdminErrorCode.InvalidArgument));
        Assert.That(await client.GetGroupMembersAsync(new string('g', 128)), Is.Empty, "128 bytes is the limit, not beyond it");
        Assert.That(admin.Node.AdminEndpoint!.MalformedRequests, Is.EqualTo(1));
    }

    [Test]
    public async Task Oversized_frame_is_refused_and_the_connection_closed()
    {
        await using var admin = await AdminNode.StartAsync();
        using var socket = await admin.ConnectRawAsync();
        var prefix = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(prefix, 1 << 20);
        var answer = await AdminNode.ExchangeAsync(socket, prefix);
        Assert.That((AdminErrorCode)answer!.Value.Status, Is.EqualTo(AdminErrorCode.FrameTooLarge));
        Assert.That(await AdminNode.ClosedAsync(socket), Is.True, "the endpoint closes: it cannot find the next frame");
        Assert.That(admin.Node.AdminEndpoint!.MalformedRequests, Is.EqualTo(1));

        await using var client = await ClusterAdminClient.ConnectAsync(admin.SocketPath);
        Assert.That((await client.GetQuorumStatusAsync()).Quorate, Is.True, "other clients are served on");
    }

    [Test]
    public async Task Frame_cut_off_by_the_client_is_counted()
    {
        await using var admin = await AdminNode.StartAsync();
        using (var socket = await admin.ConnectRawAsync())
        {
            await socket.SendAsync(new byte[] { 0, 0, 0, 10, 1, 1, 0 });
            socket.Shutdown(SocketShutdown.Send);
            Assert.That(await AdminNode.ClosedAsync(socket), Is.True);
        }

        await NodeCluster.WaitAsync(() => admin.Node.AdminEndpoint!.MalformedRequests == 1, "the truncated frame counted", 10);
    }

    [Test]
    public async Task Several_requests_in_one_write_are_answered_in_order()
    {
        await using var admin = await AdminNode.StartAsync();
        using var socket = await admin.ConnectRawAsync();
        var batch = AdminNode.Frame(1, (byte)AdminRequestKind.RingStatus)
            .Concat(AdminNode.Frame(1, (byte)AdminRequestKind.QuorumList))
            .Concat(AdminNode.Frame(1, 77))
            .ToArray();
        var first = await AdminNode.ExchangeAsync(socket, batch);
        var second = await AdminNode.ExchangeAsync(socket, []);
        var third = await AdminNode.ExchangeAsync(socket, []);
        Assert.That(first!.Value.Kind, Is.EqualTo((byte)AdminRequestKind.RingStatus));
        Assert.That(second!.Value.Kind, Is.EqualTo((byte)AdminRequestKind.QuorumList));
        Assert.That((AdminErrorCode)third!.Value.Status, Is.EqualTo(AdminErrorCode.UnknownRequest));
    }

    [Test]
    public async Task Concurrent_clients_are_all_served()
    {
        await using var admin = await AdminNode.StartAsync();
        var expected = admin.Node.GetQuorumList();
        var clients = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            await using var client = await ClusterAdminClient.ConnectAsync(admin.SocketPath);
            for (var i = 0; i < 25; i++)
            {
                Assert.That((await client.GetQuorumListAsync()).Text, Is.EqualTo(expected));
                Assert.That((await client.GetRingStatusAsync()).Rings, Has.Count.EqualTo(1));
            }
        }));
        await Task.WhenAll(clients);
        Assert.That(admin.Node.AdminEndpoint!.Requests, Is.EqualTo(8 * 25 * 2));
    }

    [Test]
    public async Task Round_trips_are_quick_enough_for_tools_in_a_loop()
    {
        await using var admin = await AdminNode.StartAsync();
        await using var client = await ClusterAdminClient.ConnectAsync(admin.SocketPath);
        for (var i = 0; i < 200; i++)
        {
            await client.GetRingStatusAsync();
        }

        const int Count = 2000;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < Count; i++)
        {
            await client.GetRingStatusAsync();
        }

        var perRequest = clock.Elapsed / Count;
        await TestContext.Out.WriteLineAsync($"admin RingStatus round trip: {perRequest.TotalMicroseconds:F1} us ({Count / clock.Elapsed.TotalSeconds:F0} requests/s on one connection)");
        Assert.That(perRequest, Is.LessThan(TimeSpan.FromMilliseconds(5)), "a request is a local socket round trip, not a wait on the ring");
    }

    [Test]
    public async Task Stale_socket_file_is_replaced_but_a_live_one_is_not()
    {
        var directory = Path.Combine(Path.GetTempPath(), "clustering-admin-stale-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "n.sock");
        try
        {
            // A socket file nobody listens on, as a node killed outright leaves behind. .NET removes the file of a
            // socket it disposes, so a hard link keeps the socket's inode at the path after the dispose.
            var ln = RealTools.Require("ln");
            using (var dead = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
            {
                var original = Path.Combine(directory, "original.sock");
                dead.Bind(new UnixDomainSocketEndPoint(original));
                var linked = RealTools.Run(ln, $"{original} {path}", TimeSpan.FromSeconds(30));
                Assert.That(linked.ExitCode, Is.Zero, linked.StandardError);
            }

            Assert.That(File.Exists(path), Is.True, "a socket file nobody listens on");
            await using var first = AdminNode.Build(path, 1);
            await first.StartAsync();
            await using (var client = await ClusterAdminClient.ConnectAsync(path))
            {
                Assert.That((await client.GetNodeInfoAsync()).NodeId, Is.EqualTo(1u));
            }

            await using var second = AdminNode.Build(path, 2);
            var e = Assert.ThrowsAsync<IOException>(async () => await second.StartAsync());
            Assert.That(e!.Message, Does.Contain("in use"));
            Assert.That(second.IsRunning, Is.False, "a node whose admin socket cannot be created does not run");
            await using (var client = await ClusterAdminClient.ConnectAsync(path))
            {
                Assert.That((await client.GetNodeInfoAsync()).NodeId, Is.EqualTo(1u), "the live node keeps its socket");
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public async Task Peer_whose_user_is_not_admitted_is_refused_with_permission_denied()
    {
        await using var admin = await AdminNode.StartAsync();
        var path = Path.Combine(admin.Directory, "strict.sock");
        uint? seen = null;
        await using var strict = AdminEndpoint.Start(path, admin.Node, NullLogger.Instance, admit: uid =>
        {
            seen = uid;
            return false;
        });
        await using var client = await ClusterAdminClient.ConnectAsync(path);
        var e = Assert.ThrowsAsync<ClusterAdminException>(async () => await client.GetRingStatusAsync());
        Assert.That(e!.Code, Is.EqualTo(AdminErrorCode.PermissionDenied));
        Assert.That(strict.RefusedPeers, Is.EqualTo(1));
        Assert.That(seen, Is.EqualTo(PeerCredentials.EffectiveUserId()), "the rule is asked about the peer's real uid");
    }

    [TestCase(1000u, 1000u, true, TestName = "Same user is admitted")]
    [TestCase(0u, 1000u, true, TestName = "Root is admitted")]
    [TestCase(1001u, 1000u, false, TestName = "Another user is refused")]
    [TestCase(1000u, 0u, false, TestName = "A user is refused by a node running as root")]
    [TestCase(65534u, 1000u, false, TestName = "Nobody is refused")]
    public void Peer_rule(uint peer, uint own, bool admitted) => Assert.That(PeerCredentials.IsAllowed(peer, own), Is.EqualTo(admitted));

    [Test]
    public async Task Peer_credentials_are_this_process()
    {
        var directory = Path.Combine(Path.GetTempPath(), "clustering-peercred-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "p.sock");
        try
        {
            using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen(1);
            using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await client.ConnectAsync(new UnixDomainSocketEndPoint(path));
            using var accepted = await listener.AcceptAsync();
            Assert.That(PeerCredentials.TryGet(accepted, out var pid, out var uid), Is.True);
            Assert.That(pid, Is.EqualTo(Environment.ProcessId));
            Assert.That(uid, Is.EqualTo(PeerCredentials.EffectiveUserId()));
            if (Environment.UserName == "root")
            {
                Assert.That(uid, Is.Zero);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public void Client_reports_a_missing_socket_as_cannot_connect()
    {
        var e = Assert.ThrowsAsync<ClusterAdminException>(async () => await ClusterAdminClient.ConnectAsync("/nonexistent/clustering/none.sock"));
        Assert.That(e!.Code, Is.EqualTo(AdminErrorCode.CannotConnect));
        Assert.That(e.Message, Does.Contain("/nonexistent/clustering/none.sock"));
    }

    [Test]
    public void Default_path_is_in_the_runtime_directory_and_safe()
    {
        var path = AdminSocket.DefaultPath("my cluster/x", 3);
        Assert.That(Path.GetFileName(path), Is.EqualTo("my_cluster_x-3.sock"));
        Assert.That(Path.GetDirectoryName(path), Is.EqualTo(AdminSocket.DefaultDirectory));
        Assert.That(AdminSocket.DefaultPath("", 1), Does.EndWith("/cluster-1.sock"));
    }

    [Test]
    public void Socket_path_too_long_for_sun_path_is_refused_by_the_options()
    {
        var node = () => AdminNode.Build("/tmp/" + new string('x', 120));
        Assert.That(node, Throws.ArgumentException.With.Message.Contains("AdminSocketPath"));
    }
}
