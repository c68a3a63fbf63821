using System.Text.RegularExpressions;
using Clustering.Tool.Commands;

namespace Clustering.Tool.Tests;

public sealed partial class ChaosCommandTests
{
    [GeneratedRegex(@"^runs=(\d+) violations=(\d+) messages=(\d+) configurations=(\d+)$")]
    private static partial Regex SummaryLine();

    private static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await ClusterCtl.RunAsync(args, stdout, stderr, CancellationToken.None);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Test]
    public async Task Clean_runs_end_with_exactly_one_summary_line_and_exit_0()
    {
        var (exit, output, error) = await RunAsync("chaos", "--seeds", "3", "--first-seed", "7", "--nodes", "3", "--loss", "0.1", "--seconds", "3", "--quiet", "8");
        Assert.That(exit, Is.Zero, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1));
        var match = SummaryLine().Match(lines[0]);
        Assert.That(match.Success, Is.True, lines[0]);
        Assert.That(match.Groups[1].Value, Is.EqualTo("3"));
        Assert.That(match.Groups[2].Value, Is.EqualTo("0"));
        Assert.That(long.Parse(match.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(0));
        Assert.That(long.Parse(match.Groups[4].Value, System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(0));
    }

    [Test]
    public async Task The_same_seeds_give_the_same_summary()
    {
        var first = await RunAsync("chaos", "--seeds", "2", "--first-seed", "42", "--seconds", "2", "--quiet", "6");
        var second = await RunAsync("chaos", "--seeds", "2", "--first-seed", "42", "--seconds", "2", "--quiet", "6");
        Assert.That(second.Out, Is.EqualTo(first.Out));
    }

    [Test]
    public async Task A_violation_exits_1_and_prints_the_seed_the_replay_command_and_a_trace()
    {
        var command = new ChaosCommand(o => o with { SabotageDuplicateDelivery = true });
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await command.RunAsync(new CommandLine(["--seeds", "2", "--first-seed", "5", "--nodes", "2", "--seconds", "2", "--quiet", "5"]), stdout, stderr, CancellationToken.None);
        Assert.That(exit, Is.EqualTo(1));
        var summary = SummaryLine().Match(stdout.ToString().Trim());
        Assert.That(summary.Success, Is.True, stdout.ToString());
        Assert.That(summary.Groups[2].Value, Is.Not.EqualTo("0"));
        var error = stderr.ToString();
        Assert.That(error, Does.Contain("seed 5 broke an invariant"));
        Assert.That(error, Does.Contain("twice"));
        Assert.That(error, Does.Contain("replay: clusterctl chaos --first-seed 5 --seeds 1 --nodes 2"));
        Assert.That(error, Does.Contain("->"), "the trace lists frames");
    }

    [TestCase("--loss", "0.5")]
    [TestCase("--loss", "abc")]
    [TestCase("--nodes", "17")]
    [TestCase("--seeds", "0")]
    [TestCase("--bogus", "1")]
    public async Task Bad_options_exit_2_with_usage(string option, string value)
    {
        var (exit, _, error) = await RunAsync("chaos", option, value);
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(error, Does.Contain("usage: clusterctl chaos"));
    }
}
