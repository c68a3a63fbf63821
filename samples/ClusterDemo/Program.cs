using ClusterDemo;

// Three Corosync-compatible cluster nodes on loopback: udpu, two rings in rrp_mode active, secauth with a generated
// authkey. By default the nodes run in this process; with --processes each runs in a child process of its own (this
// program again, in child mode), driven over its stdin/stdout. The story and its checks are the same: see Story.cs.

var output = new DemoConsole(Console.Out);
if (args is ["--child", var id, var config, var key])
{
    return await ChildHost.RunAsync(uint.Parse(id, System.Globalization.CultureInfo.InvariantCulture), config, key);
}

if (args.Length > 1 || (args.Length == 1 && args[0] != "--processes"))
{
    Console.Error.WriteLine("usage: ClusterDemo [--processes]");
    Console.Error.WriteLine("  three cluster nodes on loopback form a ring, exchange ordered messages, lose a node, lose a ring, and recover;");
    Console.Error.WriteLine("  --processes runs each node in a process of its own. Exit code 0 when every check holds, 1 otherwise.");
    return 2;
}

var processes = args is ["--processes"];
using var setup = DemoSetup.Create();
output.Write($"ClusterDemo: 3 nodes {(processes ? "as 3 processes" : "in this process")}; corosync.conf and a 128-byte authkey (mode 0400) in {setup.Directory}");
output.Block($"$ cat {setup.ConfigPath}", File.ReadAllText(setup.ConfigPath));

using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
ConsoleCancelEventHandler onCancel = (_, e) =>
{
    e.Cancel = true;
    output.Write("\nCtrl+C: stopping the nodes");
    stop.Cancel();
};
Console.CancelKeyPress += onCancel;
var story = new Story(
    setup,
    processes
        ? id => new ChildProcessNode(id, setup, output)
        : id => new NodeAgent(id, setup.ConfigPath, setup.KeyPath, output.Log),
    output,
    processes ? "its process is killed" : "the node is torn down at once, as if its process were killed");
try
{
    await story.RunAsync(stop.Token);
    output.Write("\ndemo finished: one quorate ring of 3, one message order at every node, quorum kept with 2 of 3, no message lost while ring 0 was down, the intruder's frames dropped, node 3 back in the ring and the group");
    return 0;
}
catch (DemoCheckException e)
{
    output.Write($"\nDEMO FAILED: {e.Message}");
    return 1;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    output.Write("\nDEMO FAILED: stopped before the end (Ctrl+C, or the 60 s limit passed)");
    return 1;
}
catch (Exception e) when (e is InvalidOperationException or IOException or TimeoutException or ArgumentException or System.Net.Sockets.SocketException
    or System.Text.Json.JsonException or Clustering.Transport.Configuration.ConfigurationException or Clustering.Transport.Security.AuthkeyException)
{
    output.Write($"\nDEMO FAILED: {e.GetType().Name}: {e.Message}");
    return 1;
}
finally
{
    Console.CancelKeyPress -= onCancel;
    await story.CleanUpAsync();
}
