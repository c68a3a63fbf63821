namespace Clustering.Cib.Operations;

/// <summary>Process exit codes of Pacemaker's tools (<c>crm_exit_t</c> in <c>include/crm/common/results.h</c>).</summary>
public enum CibExitCode
{
    /// <summary><c>CRM_EX_OK</c>.</summary>
    Ok = 0,

    /// <summary><c>CRM_EX_ERROR</c>: a generic failure.</summary>
    Error = 1,

    /// <summary><c>CRM_EX_INVALID_PARAM</c>.</summary>
    InvalidParameter = 2,

    /// <summary><c>CRM_EX_INSUFFICIENT_PRIV</c>: access denied.</summary>
    InsufficientPrivileges = 4,

    /// <summary><c>CRM_EX_USAGE</c>: a command line that cannot be used.</summary>
    Usage = 64,

    /// <summary><c>CRM_EX_DATAERR</c>: the input data is wrong.</summary>
    DataError = 65,

    /// <summary><c>CRM_EX_NOINPUT</c>: an input file cannot be read.</summary>
    NoInput = 66,

    /// <summary><c>CRM_EX_SOFTWARE</c>: an internal error (Pacemaker maps <c>EINVAL</c> here).</summary>
    Software = 70,

    /// <summary><c>CRM_EX_CANTCREAT</c>: an output file cannot be written.</summary>
    CannotCreate = 73,

    /// <summary><c>CRM_EX_PROTOCOL</c>: a message or format is not understood.</summary>
    Protocol = 76,

    /// <summary><c>CRM_EX_CONFIG</c>: the configuration is invalid.</summary>
    Config = 78,

    /// <summary><c>CRM_EX_DISCONNECT</c>: the CIB manager cannot be reached.</summary>
    Disconnect = 102,

    /// <summary><c>CRM_EX_OLD</c>: the update is older than what exists.</summary>
    Old = 103,

    /// <summary><c>CRM_EX_NOSUCH</c>: the object does not exist.</summary>
    NoSuch = 105,

    /// <summary><c>CRM_EX_UNSAFE</c>: a dangerous command without <c>--force</c>.</summary>
    Unsafe = 107,

    /// <summary><c>CRM_EX_EXISTS</c>: the object exists already.</summary>
    Exists = 108,
}
