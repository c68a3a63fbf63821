using Clustering.Cib.Operations;

namespace Clustering.Cib.Diff;

/// <summary>A patch that cannot be applied: <see cref="Code"/> says why (wrong version, unknown format, a path that does not resolve).</summary>
public sealed class CibPatchException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CibPatchException()
        : this(CibResultCode.DiffFailed, CibResults.Describe(CibResultCode.DiffFailed))
    {
    }

    /// <summary>Creates the exception with a message (code <see cref="CibResultCode.DiffFailed"/>).</summary>
    public CibPatchException(string message)
        : this(CibResultCode.DiffFailed, message)
    {
    }

    /// <summary>Creates the exception with a message and a cause (code <see cref="CibResultCode.DiffFailed"/>).</summary>
    public CibPatchException(string message, Exception innerException)
        : base(message, innerException) => Code = CibResultCode.DiffFailed;

    /// <summary>Creates the exception with a result code and a message.</summary>
    public CibPatchException(CibResultCode code, string message)
        : base(message) => Code = code;

    /// <summary>Why the patch was refused, as Pacemaker's result code.</summary>
    public CibResultCode Code { get; }
}
