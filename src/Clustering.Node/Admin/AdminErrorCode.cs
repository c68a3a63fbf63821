namespace Clustering.Node.Admin;

/// <summary>Why the admin endpoint refused a request (the status byte of an error response), or why a client failed.</summary>
public enum AdminErrorCode
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>The frame could not be read: too short or a wrong layout.</summary>
    MalformedFrame = 1,

    /// <summary>The frame's protocol version is not one the endpoint speaks.</summary>
    UnsupportedVersion = 2,

    /// <summary>The request kind is unknown.</summary>
    UnknownRequest = 3,

    /// <summary>The request's argument is invalid (for example a group name that is empty or too long).</summary>
    InvalidArgument = 4,

    /// <summary>The node is not running (not started yet, or stopping).</summary>
    NotRunning = 5,

    /// <summary>The frame is larger than the endpoint accepts; the connection is closed after this answer.</summary>
    FrameTooLarge = 6,

    /// <summary>The peer's user is neither the node's user nor root; the connection is closed after this answer.</summary>
    PermissionDenied = 7,

    /// <summary>Too many clients are connected; the connection is closed after this answer.</summary>
    Busy = 8,

    /// <summary>The request failed inside the node.</summary>
    Internal = 9,

    /// <summary>Client side: the socket could not be reached (no node, or the path is wrong).</summary>
    CannotConnect = 100,

    /// <summary>Client side: the endpoint closed the connection or answered something the client cannot read.</summary>
    ProtocolError = 101,

    /// <summary>Client side: several sockets exist where a default was looked for.</summary>
    Ambiguous = 102,
}
