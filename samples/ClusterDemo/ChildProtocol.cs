using System.Text.Json;

namespace ClusterDemo;

/// <summary>
/// The lines between the demo and its node processes. Parent to child: <c>&lt;id&gt; &lt;verb&gt; [args]</c> with verbs
/// start, join, leave, send &lt;phase&gt; &lt;count&gt;, report, cfgtool, quorumtool, cut &lt;ring&gt; &lt;on|off&gt;, stop. Child to parent:
/// <c>log &lt;line&gt;</c>, <c>reply &lt;id&gt; ok &lt;json&gt;</c> or <c>reply &lt;id&gt; error &lt;message&gt;</c>. The child stops when
/// its stdin closes, so it never outlives the demo.
/// </summary>
internal static class ChildProtocol
{
    public static readonly JsonSerializerOptions Json = new() { IncludeFields = true };
}

/// <summary>The reply to cfgtool.</summary>
/// <param name="Text">What corosync-cfgtool -s prints.</param>
/// <param name="ExitCode">Its exit code.</param>
internal sealed record CfgtoolReply(string Text, int ExitCode);
