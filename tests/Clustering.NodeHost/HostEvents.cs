using System.Text.Json.Serialization;

namespace Clustering.NodeHost;

/// <summary>One line of the host's standard output; its <c>event</c> property names its kind.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "event")]
[JsonDerivedType(typeof(ReadyEvent), "ready")]
[JsonDerivedType(typeof(MembershipEvent), "membership")]
[JsonDerivedType(typeof(QuorumEvent), "quorum")]
[JsonDerivedType(typeof(GroupChangeEvent), "group")]
[JsonDerivedType(typeof(StatsEvent), "stats")]
[JsonDerivedType(typeof(RingsEvent), "rings")]
[JsonDerivedType(typeof(SentEvent), "sent")]
[JsonDerivedType(typeof(LeftEvent), "left")]
[JsonDerivedType(typeof(ErrorEvent), "error")]
[JsonDerivedType(typeof(StoppedEvent), "stopped")]
internal abstract record HostEvent;

/// <summary>The node runs and its member has joined the group.</summary>
internal sealed record ReadyEvent(uint Node, int Pid, string Group, uint Member) : HostEvent;

/// <summary>A new regular configuration: the ring (representative and sequence) and its members.</summary>
internal sealed record MembershipEvent(uint Node, uint Representative, ulong Sequence, IReadOnlyList<uint> Members) : HostEvent;

/// <summary>A quorum change.</summary>
internal sealed record QuorumEvent(uint Node, bool Quorate, int ExpectedVotes, int TotalVotes, int Quorum, IReadOnlyList<uint> Members, string Flags) : HostEvent;

/// <summary>A group membership change, with the reason of each join and leave (Join, Leave, NodeDown, NodeUp, ProcessDown).</summary>
internal sealed record GroupChangeEvent(uint Node, IReadOnlyList<MemberRef> Members, IReadOnlyList<MemberChange> Joined, IReadOnlyList<MemberChange> Left) : HostEvent;

/// <summary>A group member: its node and its member id there.</summary>
internal sealed record MemberRef(uint Node, uint Pid);

/// <summary>A member that joined or left, and why.</summary>
internal sealed record MemberChange(uint Node, uint Pid, string Reason);

/// <summary>Delivery statistics (the <c>stats</c> command).</summary>
internal sealed record StatsEvent(uint Node, long Delivered, long Malformed, string OrderDigest, IReadOnlyList<SenderStats> Senders) : HostEvent;

/// <summary>What one sender's messages looked like at this receiver.</summary>
internal sealed record SenderStats(uint Sender, long Count, ulong First, ulong Last, long Gaps, long OutOfOrder);

/// <summary>The ring status (the <c>rings</c> command): each ring and the numbers of those marked FAULTY.</summary>
internal sealed record RingsEvent(uint Node, IReadOnlyList<int> Faulty, IReadOnlyList<RingInfo> Rings) : HostEvent;

/// <summary>One ring's state as <c>corosync-cfgtool -s</c> shows it.</summary>
internal sealed record RingInfo(int Ring, string Address, string Health, bool Faulty, int ProblemCount, string Status);

/// <summary>A <c>send</c> command finished: how many messages, their sequence range and how long it took.</summary>
internal sealed record SentEvent(uint Node, int Count, ulong FirstSeq, ulong LastSeq, long ElapsedMs) : HostEvent;

/// <summary>The host's member left the group (the <c>leave</c> command).</summary>
internal sealed record LeftEvent(uint Node) : HostEvent;

/// <summary>A command or the node failed; the host keeps running unless the node stopped.</summary>
internal sealed record ErrorEvent(uint Node, string Message) : HostEvent;

/// <summary>The node stopped; the last line before the process exits. <see cref="Reason"/>: quit, eof, signal or failure.</summary>
internal sealed record StoppedEvent(uint Node, string Reason) : HostEvent;

/// <summary>The serializer for <see cref="HostEvent"/> lines (camelCase, no indentation).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false)]
[JsonSerializable(typeof(HostEvent))]
internal sealed partial class HostEventJson : JsonSerializerContext;
