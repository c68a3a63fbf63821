namespace Clustering.Transport.Configuration;

/// <summary>The <c>debug</c> key of <c>logging</c> and <c>logger_subsys</c>.</summary>
public enum LoggingDebugLevel
{
    /// <summary><c>off</c>: the configured priorities apply. The default.</summary>
    Off = 0,

    /// <summary><c>on</c>: debug messages are logged.</summary>
    On = 1,

    /// <summary><c>trace</c>: debug and trace messages are logged.</summary>
    Trace = 2,
}
