using Clustering.Cib.Operations;
using Clustering.Cib.Validation;

namespace Clustering.Cib.Upgrade;

/// <summary>
/// An upgrade that cannot start: the document does not satisfy its own schema, names an unknown one, or the
/// maximum asked for is unknown. <see cref="Code"/> is the result code Pacemaker gives the same failure.
/// </summary>
public sealed class CibUpgradeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CibUpgradeException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public CibUpgradeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public CibUpgradeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with its result code and the validation errors behind it.</summary>
    public CibUpgradeException(CibResultCode code, string message, IReadOnlyList<RelaxNgValidationError>? errors = null)
        : base(message)
    {
        Code = code;
        Errors = errors ?? [];
    }

    /// <summary>The result code, named like Pacemaker's (<see cref="CibResultCode.SchemaValidation"/>, <see cref="CibResultCode.InvalidArgument"/>).</summary>
    public CibResultCode Code { get; } = CibResultCode.GenericError;

    /// <summary>The validation errors, when the document does not satisfy its schema.</summary>
    public IReadOnlyList<RelaxNgValidationError> Errors { get; } = [];
}
