using System.Diagnostics;

namespace Clustering.TestSupport;

/// <summary>
/// Gates tests that need a real tool (xmllint, crm_simulate, corosync, ip) or root. On a developer's
/// machine without the tool the test is skipped with the reason; with <c>CLUSTERING_REQUIRE_TOOLS=1</c>
/// (set by .ci/run) a missing tool fails the test instead, so CI never passes by skipping.
/// </summary>
public static class RealTools
{
    /// <summary>The environment variable that makes real tools mandatory.</summary>
    public const string RequireVariable = "CLUSTERING_REQUIRE_TOOLS";

    /// <summary>Whether real tools are mandatory in this run.</summary>
    public static bool Required => Environment.GetEnvironmentVariable(RequireVariable) is "1" or "true" or "yes";

    /// <summary>Finds <paramref name="tool"/> on PATH, or skips (fails when required) the current test.</summary>
    public static string Require(string tool)
    {
        var path = Find(tool);
        if (path is null)
        {
            Unavailable($"'{tool}' is not installed (apt-get install the package .ci/run installs)");
        }

        return path!;
    }

    /// <summary>Skips (fails when required) the current test unless the process runs as root, for network namespaces.</summary>
    public static void RequireRoot()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            Unavailable("network namespaces need Linux and root");
        }

        Require("ip");
        var probe = Run("ip", "netns list", TimeSpan.FromSeconds(10));
        if (probe.ExitCode != 0)
        {
            Unavailable($"'ip netns' does not work here: {probe.StandardError.Trim()}");
        }
    }

    /// <summary>Skips or fails the current test with <paramref name="reason"/>.</summary>
    public static void Unavailable(string reason)
    {
        if (Required)
        {
            Assert.Fail($"{reason}; {RequireVariable} is set, so this is a failure, not a skip");
        }

        Assert.Ignore(reason);
    }

    /// <summary>Returns the full path of <paramref name="tool"/> on PATH, or <see langword="null"/>.</summary>
    public static string? Find(string tool)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                     .Concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"]))
        {
            var candidate = Path.Combine(dir, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Runs a command to completion within <paramref name="timeout"/> and returns its exit code and output.</summary>
    public static ProcessResult Run(string fileName, string arguments, TimeSpan timeout, string? standardInput = null, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(Find(fileName) ?? fileName, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            UseShellExecute = false,
        };
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            process.StandardInput.Write(standardInput);
            process.StandardInput.Close();
        }

        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {arguments} did not finish within {timeout}");
        }

        process.WaitForExit();
        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>The outcome of <see cref="RealTools.Run"/>.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError);
