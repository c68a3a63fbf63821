using System.Runtime.InteropServices;

namespace Clustering.Tool;

internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        // Ctrl+C (SIGINT) and SIGTERM cancel the running command, which then stops cleanly (clusterctl node leaves
        // the cluster). A second signal while stopping is left to the default handler and ends the process.
        using var stop = new CancellationTokenSource();
        void OnSignal(PosixSignalContext context)
        {
            if (stop.IsCancellationRequested)
            {
                return;
            }

            context.Cancel = true;
            stop.Cancel();
        }

        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        ClusterCtl.OwnsProcess = true;
        try
        {
            return await ClusterCtl.RunAsync(args, Console.Out, Console.Error, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // A command without its own answer to a signal ends here rather than as an unhandled exception.
            await Console.Error.WriteLineAsync("clusterctl: interrupted").ConfigureAwait(false);
            return ClusterCtl.Failed;
        }
    }
}
