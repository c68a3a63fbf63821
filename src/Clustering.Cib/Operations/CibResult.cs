using System.Xml.Linq;

namespace Clustering.Cib.Operations;

/// <summary>
/// What a <see cref="CibStore"/> operation returned: a <see cref="CibResultCode"/>, Pacemaker's message for it, a
/// detail that says what exactly failed, and the output XML of a query (or the <c>&lt;failed&gt;</c> answer of a
/// refused create).
/// </summary>
public sealed class CibResult
{
    private CibResult(CibResultCode code, string? detail, XElement? output, IReadOnlyList<string> errors)
    {
        Code = code;
        Detail = detail;
        Output = output;
        ValidationErrors = errors;
    }

    /// <summary>The result code.</summary>
    public CibResultCode Code { get; }

    /// <summary>Whether the operation succeeded.</summary>
    public bool Succeeded => Code == CibResultCode.Ok;

    /// <summary>Pacemaker's message for <see cref="Code"/>, e.g. "No such device or address".</summary>
    public string Message => CibResults.Describe(Code);

    /// <summary>What exactly went wrong (the missing scope, the refused path, ...), or <see langword="null"/>.</summary>
    public string? Detail { get; }

    /// <summary>The XML answer: the query result, or the <c>&lt;failed&gt;</c> element of a refused create; otherwise <see langword="null"/>.</summary>
    public XElement? Output { get; }

    /// <summary>The validator's messages when <see cref="Code"/> is <see cref="CibResultCode.SchemaValidation"/>; otherwise empty.</summary>
    public IReadOnlyList<string> ValidationErrors { get; }

    /// <summary>The exit code Pacemaker's tools use for <see cref="Code"/>.</summary>
    public CibExitCode ExitCode => CibResults.ToExitCode(Code);

    /// <summary>A success, with an optional answer.</summary>
    public static CibResult Success(XElement? output = null) => new(CibResultCode.Ok, null, output, []);

    /// <summary>A failure with a code and a detail.</summary>
    public static CibResult Failure(CibResultCode code, string? detail, XElement? output = null) => new(code, detail, output, []);

    /// <summary>A schema validation failure with the validator's messages.</summary>
    public static CibResult Invalid(IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return new(CibResultCode.SchemaValidation, errors.Count > 0 ? errors[0] : null, null, errors);
    }

    /// <inheritdoc />
    public override string ToString() => Detail is null ? $"{CibResults.PacemakerName(Code)}: {Message}" : $"{CibResults.PacemakerName(Code)}: {Message} ({Detail})";
}
