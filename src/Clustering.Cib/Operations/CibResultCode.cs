namespace Clustering.Cib.Operations;

/// <summary>
/// The outcome of a CIB operation, numbered like Pacemaker's legacy return codes (a negated <c>errno</c> or a
/// negated <c>pcmk_err_*</c> value). <see cref="CibResults.PacemakerName(CibResultCode)"/> gives Pacemaker's name
/// and <see cref="CibResults.Describe(CibResultCode)"/> its message.
/// </summary>
public enum CibResultCode
{
    /// <summary><c>pcmk_ok</c>: the operation succeeded.</summary>
    Ok = 0,

    /// <summary><c>-EACCES</c>, "Permission denied": an ACL refused the read or write.</summary>
    PermissionDenied = -13,

    /// <summary><c>-ENXIO</c>, "No such device or address": the scope, XPath or object does not exist.</summary>
    NoSuchDeviceOrAddress = -6,

    /// <summary><c>-EEXIST</c>, "File exists": a create found an object with the same tag and id.</summary>
    AlreadyExists = -17,

    /// <summary><c>-EINVAL</c>, "Invalid argument": the request itself is malformed.</summary>
    InvalidArgument = -22,

    /// <summary><c>-EPROTONOSUPPORT</c>, "Protocol not supported": a patch format this engine does not read.</summary>
    ProtocolNotSupported = -93,

    /// <summary><c>-pcmk_err_generic</c>, "Generic Pacemaker error".</summary>
    GenericError = -201,

    /// <summary><c>-pcmk_err_schema_validation</c>, "Update does not conform to the configured schema".</summary>
    SchemaValidation = -203,

    /// <summary><c>-pcmk_err_transform_failed</c>, "Schema transform failed".</summary>
    TransformFailed = -204,

    /// <summary><c>-pcmk_err_old_data</c>, "Update was older than existing configuration".</summary>
    OldData = -205,

    /// <summary><c>-pcmk_err_diff_failed</c>, "Application of update diff failed".</summary>
    DiffFailed = -206,

    /// <summary><c>-pcmk_err_diff_resync</c>, "Application of update diff failed, requesting full refresh": the CIB is older than the patch's source.</summary>
    DiffResync = -207,

    /// <summary><c>-pcmk_err_schema_unchanged</c>, "Schema is already the latest available".</summary>
    SchemaUnchanged = -211,
}
