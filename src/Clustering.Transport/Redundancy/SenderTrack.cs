namespace Clustering.Transport.Redundancy;

/// <summary>Active mode: the newest sequence seen from one sender on each ring.</summary>
internal sealed class SenderTrack(int ringCount)
{
    public ulong Incarnation { get; set; }

    public ulong[] LastSequence { get; } = new ulong[ringCount];

    /// <summary>When a frame of this sender last passed authentication on each ring (<see cref="TimeSpan.MinValue"/>: never).</summary>
    public TimeSpan[] LastAuthenticated { get; } = Fill(ringCount);

    /// <summary>The best sequence over all rings at the previous check: every healthy ring had a full period to deliver it.</summary>
    public ulong BestAtLastCheck { get; set; }

    public TimeSpan LastHeard { get; set; }

    public void Reset(ulong incarnation)
    {
        Incarnation = incarnation;
        Array.Clear(LastSequence);
        Array.Fill(LastAuthenticated, TimeSpan.MinValue);
        BestAtLastCheck = 0;
    }

    private static TimeSpan[] Fill(int ringCount)
    {
        var times = new TimeSpan[ringCount];
        Array.Fill(times, TimeSpan.MinValue);
        return times;
    }
}
