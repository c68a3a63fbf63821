using Clustering.TestSupport;

namespace Clustering.Tool.Tests.Admin;

/// <summary>
/// A real other user (nobody, through <c>setpriv</c>) running <c>clusterctl cfgtool -s</c> against a node: the socket's
/// mode 0600 keeps them out, and when the mode is opened the node refuses them by their peer credentials.
/// </summary>
[CancelAfter(120_000)]
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class OtherUserTests
{
    private const int Nobody = 65534;

    [Test]
    public async Task Another_user_is_stopped_by_the_file_mode_and_then_by_peer_credentials()
    {
        RealTools.RequireRoot();
        var setpriv = RealTools.Require("setpriv");
        var dotnet = RealTools.Require("dotnet");
        await using var cluster = await ToolCluster.StartAsync(1, expectedVotes: 1, rings: 1);
        File.SetUnixFileMode(cluster.Directory, (UnixFileMode)0x1ED); // 0755: others may reach the socket's directory

        // The other user runs its own copy of the tool: the build output may sit in a directory only root can enter
        // (a clone under a 0700 temporary directory, say).
        var tool = Path.Combine(cluster.Directory, "tool");
        Directory.CreateDirectory(tool);
        foreach (var file in Directory.EnumerateFiles(AppContext.BaseDirectory))
        {
            var name = Path.GetFileName(file);
            if (name.StartsWith("clusterctl.", StringComparison.Ordinal) || name.StartsWith("Clustering.", StringComparison.Ordinal)
                || name.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal) || name.StartsWith("BouncyCastle", StringComparison.Ordinal))
            {
                File.Copy(file, Path.Combine(tool, name));
            }
        }

        var clusterctl = Path.Combine(tool, "clusterctl.dll");
        var socket = cluster.SocketOf(1);
        var home = Path.Combine(cluster.Directory, "home");
        Directory.CreateDirectory(home);
        File.SetUnixFileMode(home, (UnixFileMode)0x1FF); // 0777: the other user's dotnet home

        ProcessResult AsNobody() => RealTools.Run(
            setpriv,
            $"--reuid={Nobody} --regid={Nobody} --clear-groups {dotnet} {clusterctl} cfgtool -s --admin-socket {socket}",
            TimeSpan.FromSeconds(60),
            environment: new Dictionary<string, string> { ["HOME"] = home, ["DOTNET_CLI_HOME"] = home });

        var closed = AsNobody();
        Assert.That(closed.ExitCode, Is.EqualTo(1), closed.StandardOutput);
        Assert.That(closed.StandardError, Does.StartWith("Could not initialize corosync configuration API error 2"));
        Assert.That(closed.StandardError, Does.Contain("ermission denied"), "mode 0600: the connection itself is refused");

        File.SetUnixFileMode(socket, (UnixFileMode)0x1B6); // 0666
        var refused = AsNobody();
        Assert.That(refused.ExitCode, Is.EqualTo(1), refused.StandardOutput);
        Assert.That(refused.StandardOutput, Is.Empty);
        Assert.That(refused.StandardError, Does.Contain("only the node's user or root may use its admin socket"), "SO_PEERCRED: the node refuses the user");

        var own = await ToolCluster.RunAsync("cfgtool", "-s", "--admin-socket", socket);
        Assert.That(own.Exit, Is.Zero, "the node's own user is still served");
    }
}
