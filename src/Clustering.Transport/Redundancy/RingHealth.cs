namespace Clustering.Transport.Redundancy;

/// <summary>What the redundant ring protocol thinks of one ring.</summary>
public enum RingHealth
{
    /// <summary>Carrying traffic; problem counter at zero.</summary>
    Active = 0,

    /// <summary>Carrying traffic, but recent problems were counted.</summary>
    Degraded = 1,

    /// <summary>Marked FAULTY: no traffic is sent on it until a probe or an administrator re-enables it.</summary>
    Faulty = 2,
}
