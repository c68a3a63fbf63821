namespace Clustering.Tool.Tests;

public sealed class ClusterCtlTests
{
    private static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await ClusterCtl.RunAsync(args, stdout, stderr, CancellationToken.None);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Test]
    public async Task No_arguments_prints_usage_and_exits_2()
    {
        var (exit, _, err) = await RunAsync();
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(err, Does.StartWith("usage: clusterctl COMMAND"));
    }

    [Test]
    public async Task Help_lists_the_commands_and_exits_0()
    {
        var (exit, output, _) = await RunAsync("--help");
        Assert.That(exit, Is.Zero);
        Assert.That(output, Does.StartWith("usage: clusterctl COMMAND"));
    }

    [Test]
    public async Task An_unknown_command_exits_2_and_names_it()
    {
        var (exit, _, err) = await RunAsync("frobnicate");
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(err, Does.Contain("unknown command 'frobnicate'"));
    }
}
