using Clustering.Membership.Groups;
using Clustering.Membership.Totem;
using Clustering.Node.Internal;
using Microsoft.Extensions.Logging;

namespace Clustering.Node.Diagnostics;

/// <summary>The node's log lines (event ids 4000–4099), in Corosync's wording where an admin greps for it.</summary>
internal static partial class NodeLog
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Starting node {NodeId} of cluster '{ClusterName}' on {RingCount} ring(s)")]
    public static partial void Starting(ILogger logger, uint nodeId, string clusterName, int ringCount);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "A new membership ({RingId}) was formed. Members joined: {Joined} left: {Left}")]
    public static partial void MembershipFormed(ILogger logger, TotemRingId ringId, NodeIdList joined, NodeIdList left);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Members[{Count}]: {Members}")]
    public static partial void Members(ILogger logger, int count, NodeIdList members);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "This node is within the primary component and will provide service.")]
    public static partial void Primary(ILogger logger);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Quorum lost")]
    public static partial void QuorumLost(ILogger logger);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "This node is within the non-primary component and will NOT provide any services.")]
    public static partial void NonPrimary(ILogger logger);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Information, Message = "Quorum acquired")]
    public static partial void QuorumAcquired(ILogger logger);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Warning, Message = "Node {NodeId} advertises {Votes} vote(s) but this node's configuration gives it {Configured}; the configuration counts")]
    public static partial void VotesMismatch(ILogger logger, uint nodeId, int votes, int configured);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Debug, Message = "Dropped a malformed message of {Length} bytes from node {NodeId}")]
    public static partial void Malformed(ILogger logger, uint nodeId, int length);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Information, Message = "Member {Member} joined group '{Group}'")]
    public static partial void GroupJoined(ILogger logger, string group, GroupMember member);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Information, Message = "Member {Member} left group '{Group}'")]
    public static partial void GroupLeft(ILogger logger, string group, GroupMember member);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Error, Message = "The node's dispatcher stopped on an unexpected error")]
    public static partial void DispatcherFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Information, Message = "Node {NodeId} stopped{How}")]
    public static partial void Stopped(ILogger logger, uint nodeId, string how);

    [LoggerMessage(EventId = 4013, Level = LogLevel.Information, Message = "Expected votes raised to {ExpectedVotes} by node {NodeId}")]
    public static partial void ExpectedRaised(ILogger logger, int expectedVotes, uint nodeId);

    [LoggerMessage(EventId = 4014, Level = LogLevel.Information, Message = "Set {Scheduling} {Priority} for the process ({Threads} thread(s))")]
    public static partial void SchedulingSet(ILogger logger, string scheduling, int priority, int threads);

    [LoggerMessage(EventId = 4015, Level = LogLevel.Warning, Message = "{Problem}")]
    public static partial void SchedulingRefused(ILogger logger, string problem);
}
