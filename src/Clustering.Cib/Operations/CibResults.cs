namespace Clustering.Cib.Operations;

/// <summary>Names, messages and exit codes of <see cref="CibResultCode"/> values, worded as Pacemaker 2.1's <c>results.c</c>.</summary>
public static class CibResults
{
    /// <summary>The message Pacemaker prints for <paramref name="code"/> (<c>pcmk_strerror</c>).</summary>
    public static string Describe(CibResultCode code) => code switch
    {
        CibResultCode.Ok => "OK",
        CibResultCode.PermissionDenied => "Permission denied",
        CibResultCode.NoSuchDeviceOrAddress => "No such device or address",
        CibResultCode.AlreadyExists => "File exists",
        CibResultCode.InvalidArgument => "Invalid argument",
        CibResultCode.ProtocolNotSupported => "Protocol not supported",
        CibResultCode.GenericError => "Generic Pacemaker error",
        CibResultCode.SchemaValidation => "Update does not conform to the configured schema",
        CibResultCode.TransformFailed => "Schema transform failed",
        CibResultCode.OldData => "Update was older than existing configuration",
        CibResultCode.DiffFailed => "Application of update diff failed",
        CibResultCode.DiffResync => "Application of update diff failed, requesting full refresh",
        CibResultCode.SchemaUnchanged => "Schema is already the latest available",
        _ => $"Unknown error {(int)code}",
    };

    /// <summary>Pacemaker's symbolic name of <paramref name="code"/>: <c>pcmk_ok</c>, <c>-ENXIO</c>, <c>pcmk_err_old_data</c>, ...</summary>
    public static string PacemakerName(CibResultCode code) => code switch
    {
        CibResultCode.Ok => "pcmk_ok",
        CibResultCode.PermissionDenied => "-EACCES",
        CibResultCode.NoSuchDeviceOrAddress => "-ENXIO",
        CibResultCode.AlreadyExists => "-EEXIST",
        CibResultCode.InvalidArgument => "-EINVAL",
        CibResultCode.ProtocolNotSupported => "-EPROTONOSUPPORT",
        CibResultCode.GenericError => "pcmk_err_generic",
        CibResultCode.SchemaValidation => "pcmk_err_schema_validation",
        CibResultCode.TransformFailed => "pcmk_err_transform_failed",
        CibResultCode.OldData => "pcmk_err_old_data",
        CibResultCode.DiffFailed => "pcmk_err_diff_failed",
        CibResultCode.DiffResync => "pcmk_err_diff_resync",
        CibResultCode.SchemaUnchanged => "pcmk_err_schema_unchanged",
        _ => $"{(int)code}",
    };

    /// <summary>The exit code a Pacemaker tool returns for <paramref name="code"/> (<c>crm_errno2exit</c>).</summary>
    public static CibExitCode ToExitCode(CibResultCode code) => code switch
    {
        CibResultCode.Ok or CibResultCode.SchemaUnchanged => CibExitCode.Ok,
        CibResultCode.PermissionDenied => CibExitCode.InsufficientPrivileges,
        CibResultCode.NoSuchDeviceOrAddress => CibExitCode.NoSuch,
        CibResultCode.AlreadyExists => CibExitCode.Exists,
        CibResultCode.InvalidArgument => CibExitCode.Software,
        CibResultCode.ProtocolNotSupported => CibExitCode.Protocol,
        CibResultCode.SchemaValidation or CibResultCode.TransformFailed => CibExitCode.Config,
        CibResultCode.OldData => CibExitCode.Old,
        _ => CibExitCode.Error,
    };
}
