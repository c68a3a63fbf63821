namespace ClusterDemo;

/// <summary>
/// One node of the story, seen from the orchestrator: a <see cref="NodeAgent"/> in this process, or a
/// <see cref="ChildProcessNode"/> that drives an agent in a child process over stdin/stdout.
/// </summary>
internal interface IDemoNode : IAsyncDisposable
{
    uint NodeId { get; }

    /// <summary>Builds the node from corosync.conf and the authkey, with its rings behind switches, and starts it.</summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Joins process group "demo" and records everything the group delivers.</summary>
    Task JoinGroupAsync(CancellationToken cancellationToken);

    /// <summary>Leaves process group "demo" (cpg_leave): the other members see reason 2 LEAVE.</summary>
    Task LeaveGroupAsync(CancellationToken cancellationToken);

    /// <summary>Sends <paramref name="count"/> numbered messages of <paramref name="phase"/> to the group (every fifth in safe order).</summary>
    Task SendAsync(string phase, int count, CancellationToken cancellationToken);

    Task<NodeReport> ReportAsync(CancellationToken cancellationToken);

    /// <summary>What <c>corosync-cfgtool -s</c> prints, then its exit code.</summary>
    Task<(string Text, int ExitCode)> CfgtoolAsync(CancellationToken cancellationToken);

    /// <summary>What <c>corosync-quorumtool -s</c> prints.</summary>
    Task<string> QuorumtoolAsync(CancellationToken cancellationToken);

    /// <summary>Pulls (<paramref name="cut"/>) or plugs back the cable of one ring.</summary>
    Task CutRingAsync(int ring, bool cut, CancellationToken cancellationToken);

    /// <summary>Ends the node at once, as a crash would: the others see NODEDOWN.</summary>
    Task FailAsync(CancellationToken cancellationToken);

    /// <summary>Leaves the group and stops the node gracefully.</summary>
    Task StopAsync(CancellationToken cancellationToken);
}
