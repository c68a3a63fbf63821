namespace Clustering.Cib.Verify;

/// <summary>How serious a finding of <see cref="CibVerifier"/> is.</summary>
public enum CibFindingSeverity
{
    /// <summary>Worth knowing, not a problem: does not make the configuration invalid (<c>crm_verify</c> says nothing).</summary>
    Notice,

    /// <summary>The configuration may not do what is meant (<c>crm_verify</c>: "config may not be valid").</summary>
    Warning,

    /// <summary>The configuration is not valid (<c>crm_verify</c>: "config not valid").</summary>
    Error,
}

/// <summary>One problem found in a CIB.</summary>
/// <param name="Severity">How serious it is.</param>
/// <param name="Code">A stable name for the check (<c>dangling-reference</c>, <c>duplicate-id</c>, <c>no-stonith</c>, ...).</param>
/// <param name="Source">The Pacemaker function whose check this mirrors, printed in parentheses as <c>crm_verify -V</c> does.</param>
/// <param name="Message">The text, worded as Pacemaker words it where it has the same check.</param>
/// <param name="LineNumber">The line of the element concerned, or 0 when unknown.</param>
public sealed record CibFinding(CibFindingSeverity Severity, string Code, string Source, string Message, int LineNumber)
{
    /// <summary>The finding as <c>crm_verify -V</c> prints a log line: <c>(source) \terror: message</c>.</summary>
    public override string ToString() => $"({Source}) \t{Severity switch
    {
        CibFindingSeverity.Error => "error",
        CibFindingSeverity.Warning => "warning",
        _ => "notice",
    }}: {Message}";
}
