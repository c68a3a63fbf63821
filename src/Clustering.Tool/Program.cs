namespace Clustering.Tool;

internal static class Program
{
    private static Task<int> Main(string[] args) => ClusterCtl.RunAsync(args, Console.Out, Console.Error, CancellationToken.None);
}
