using System.Globalization;
using System.Text.Json;
using Clustering.Transport.Configuration;
using Clustering.Transport.Security;

namespace ClusterDemo;

/// <summary>Child mode: one node in this process, driven by the parent demo over stdin/stdout (<see cref="ChildProtocol"/>).</summary>
internal static class ChildHost
{
    private static readonly Lock Gate = new();

    public static async Task<int> RunAsync(uint nodeId, string configPath, string keyPath)
    {
        var agent = new NodeAgent(nodeId, configPath, keyPath, line => Send($"log {line.ReplaceLineEndings(" ")}"));
        await using (agent.ConfigureAwait(false))
        {
            using var stopping = new CancellationTokenSource();
            while (await Console.In.ReadLineAsync(stopping.Token).ConfigureAwait(false) is { } line)
            {
                var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (words.Length < 2)
                {
                    Send($"reply 0 error malformed request '{line}'");
                    continue;
                }

                var id = words[0];
                try
                {
                    var result = await ExecuteAsync(agent, words[1], words[2..], stopping.Token).ConfigureAwait(false);
                    Send($"reply {id} ok {result}");
                }
                catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or IOException or System.Net.Sockets.SocketException
                    or ConfigurationException or AuthkeyException or OperationCanceledException)
                {
                    Send($"reply {id} error {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
                }

                if (words[1] == "stop")
                {
                    break;
                }
            }
        }

        return 0;
    }

    private static async Task<string> ExecuteAsync(NodeAgent agent, string verb, string[] args, CancellationToken cancellationToken)
    {
        switch (verb, args.Length)
        {
            case ("start", 0):
                await agent.StartAsync(cancellationToken).ConfigureAwait(false);
                return "null";
            case ("join", 0):
                await agent.JoinGroupAsync(cancellationToken).ConfigureAwait(false);
                return "null";
            case ("leave", 0):
                await agent.LeaveGroupAsync(cancellationToken).ConfigureAwait(false);
                return "null";
            case ("send", 2):
                await agent.SendAsync(args[0], int.Parse(args[1], CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
                return "null";
            case ("report", 0):
                return JsonSerializer.Serialize(await agent.ReportAsync(cancellationToken).ConfigureAwait(false), ChildProtocol.Json);
            case ("cfgtool", 0):
                var (text, exit) = await agent.CfgtoolAsync(cancellationToken).ConfigureAwait(false);
                return JsonSerializer.Serialize(new CfgtoolReply(text, exit), ChildProtocol.Json);
            case ("quorumtool", 0):
                return JsonSerializer.Serialize(await agent.QuorumtoolAsync(cancellationToken).ConfigureAwait(false), ChildProtocol.Json);
            case ("cut", 2):
                await agent.CutRingAsync(int.Parse(args[0], CultureInfo.InvariantCulture), args[1] == "on", cancellationToken).ConfigureAwait(false);
                return "null";
            case ("stop", 0):
                await agent.StopAsync(cancellationToken).ConfigureAwait(false);
                return "null";
            default:
                throw new ArgumentException($"unknown request '{verb}' with {args.Length} argument(s)");
        }
    }

    private static void Send(string line)
    {
        lock (Gate)
        {
            Console.Out.WriteLine(line);
            Console.Out.Flush();
        }
    }
}
