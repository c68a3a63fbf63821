namespace ClusterDemo;

/// <summary>The demo's output: steps, checks, command output blocks and node log lines, one writer at a time.</summary>
internal sealed class DemoConsole(TextWriter output)
{
    private readonly Lock _gate = new();

    public void Step(string title) => Write($"\n{title}");

    public void Ok(string what) => Write($"   ok: {what}");

    public void Info(string text) => Write($"   {text}");

    public void Log(string line) => Write($"   {line}");

    /// <summary>A command and its output, kept together even while nodes log.</summary>
    public void Block(string command, string text) => Write($"{command}\n{text.TrimEnd('\n')}");

    public void Write(string text)
    {
        lock (_gate)
        {
            output.WriteLine(text);
            output.Flush();
        }
    }
}
