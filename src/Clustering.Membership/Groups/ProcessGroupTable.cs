namespace Clustering.Membership.Groups;

/// <summary>
/// Closed process groups (CPG) as a sans-IO state machine on one node. Local requests become messages to send
/// through the total order (<see cref="Join"/>, <see cref="Leave"/>, <see cref="Send"/>, <see cref="ProcessDown"/>);
/// messages delivered in total order and configuration changes become <see cref="GroupEvent"/>s. Every node applies
/// the same deliveries in the same order, so every node's table agrees. Not thread-safe.
/// </summary>
/// <remarks>
/// <para>On a configuration change the members on departed nodes leave with <see cref="GroupChangeReason.NodeDown"/>;
/// every node then sends its join list (its local members), and the members of nodes that were not in this node's
/// previous configuration join with <see cref="GroupChangeReason.NodeUp"/> — CPG's downlist/joinlist sync.</para>
/// <para>Events are produced for groups that have a member on this node before or after the change: those are the
/// groups a local application can observe.</para>
/// </remarks>
public sealed class ProcessGroupTable
{
    private readonly uint _localNodeId;
    private readonly SortedDictionary<string, SortedSet<GroupMember>> _groups = new(StringComparer.Ordinal);
    private readonly List<(string Group, uint ProcessId)> _scratch = [];
    private HashSet<uint> _configuration = [];
    private HashSet<uint> _newNodes = [];
    private HashSet<uint> _newBefore = [];

    /// <summary>Creates the table of node <paramref name="localNodeId"/>, whose first configuration is itself alone.</summary>
    /// <param name="localNodeId">This node's id.</param>
    public ProcessGroupTable(uint localNodeId)
    {
        _localNodeId = localNodeId;
        _configuration.Add(localNodeId);
    }

    /// <summary>Messages that could not be decoded (dropped and counted).</summary>
    public long MalformedMessages { get; private set; }

    /// <summary>The current members of <paramref name="group"/>, ordered.</summary>
    public IReadOnlyList<GroupMember> Members(string group) =>
        _groups.TryGetValue(group, out var members) ? [.. members] : [];

    /// <summary>Every group with at least one member.</summary>
    public IReadOnlyList<string> Groups => [.. _groups.Keys];

    /// <summary>Checks a group name: 1 to 128 bytes of UTF-8, as CPG allows.</summary>
    /// <exception cref="ArgumentException">The name is empty or too long.</exception>
    public static void ValidateGroupName(string group) => GroupCodec.NameBytes(group);

    /// <summary>The message that asks for local process <paramref name="processId"/> to join <paramref name="group"/>.</summary>
    public static byte[] Join(string group, uint processId) => GroupCodec.Member(GroupMessageKind.Join, group, processId);

    /// <summary>The message that asks for local process <paramref name="processId"/> to leave <paramref name="group"/>.</summary>
    public static byte[] Leave(string group, uint processId) => GroupCodec.Member(GroupMessageKind.Leave, group, processId);

    /// <summary>A message from local member <paramref name="processId"/> to <paramref name="group"/>.</summary>
    public static byte[] Send(string group, uint processId, ReadOnlySpan<byte> payload) => GroupCodec.Member(GroupMessageKind.Data, group, processId, payload);

    /// <summary>The message that says local process <paramref name="processId"/> ended without leaving its groups.</summary>
    public static byte[] ProcessDown(uint processId) => GroupCodec.ProcessDown(processId);

    /// <summary>
    /// Applies a new regular configuration: members on departed nodes leave (NODEDOWN). Returns the join list this node
    /// must now send through the total order so that merged nodes learn its members.
    /// </summary>
    public byte[] OnConfiguration(IReadOnlyCollection<uint> members, List<GroupEvent> events)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(events);
        var next = new HashSet<uint>(members) { _localNodeId };
        foreach (var group in _groups.Keys.ToList())
        {
            var set = _groups[group];
            var departed = set.Where(m => !next.Contains(m.NodeId)).ToList();
            if (departed.Count == 0)
            {
                continue;
            }

            var hadLocal = HasLocal(set);
            foreach (var member in departed)
            {
                set.Remove(member);
            }

            Emit(events, group, set, hadLocal, left: [.. departed.Select(m => new GroupMemberChange(m, GroupChangeReason.NodeDown))], joined: []);
        }

        // Nodes new to this node's configuration bring their members in join lists. Lists are applied from nodes new
        // in this configuration or in the one before: when two merges come in quick succession, the list a node made
        // for the first is delivered in the second, possibly after a stale (even empty) list it made earlier.
        _newBefore = _newNodes;
        _newNodes = [.. next.Where(n => !_configuration.Contains(n))];
        _configuration = next;
        var local = new List<(string, uint)>();
        foreach (var (group, set) in _groups)
        {
            foreach (var member in set)
            {
                if (member.NodeId == _localNodeId)
                {
                    local.Add((group, member.ProcessId));
                }
            }
        }

        return GroupCodec.JoinList(local);
    }

    /// <summary>Applies one message delivered in total order from <paramref name="senderNode"/>.</summary>
    public void OnDelivered(uint senderNode, ReadOnlySpan<byte> message, List<GroupEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (message.IsEmpty)
        {
            MalformedMessages++;
            return;
        }

        switch ((GroupMessageKind)message[0])
        {
            case GroupMessageKind.Join when GroupCodec.TryReadMember(message, out var group, out var pid, out var rest) && rest.IsEmpty:
                Change(events, group, new GroupMember(senderNode, pid), GroupChangeReason.Join, add: true);
                break;
            case GroupMessageKind.Leave when GroupCodec.TryReadMember(message, out var group, out var pid, out var rest) && rest.IsEmpty:
                Change(events, group, new GroupMember(senderNode, pid), GroupChangeReason.Leave, add: false);
                break;
            case GroupMessageKind.Data when GroupCodec.TryReadMember(message, out var group, out var pid, out var payload):
                if (_groups.TryGetValue(group, out var members) && HasLocal(members))
                {
                    events.Add(new GroupMessage(group, new GroupMember(senderNode, pid), payload.ToArray()));
                }

                break;
            case GroupMessageKind.ProcessDown when GroupCodec.TryReadProcessDown(message, out var pid):
                foreach (var group in _groups.Keys.ToList())
                {
                    Change(events, group, new GroupMember(senderNode, pid), GroupChangeReason.ProcessDown, add: false);
                }

                break;
            case GroupMessageKind.JoinList when GroupCodec.TryReadJoinList(message, _scratch):
                ApplyJoinList(senderNode, events);
                break;
            default:
                MalformedMessages++;
                break;
        }
    }

    private void ApplyJoinList(uint senderNode, List<GroupEvent> events)
    {
        // Only the lists of nodes that recently joined this node's configuration bring news; the others' members are known.
        if (senderNode == _localNodeId || !(_newNodes.Contains(senderNode) || (_newBefore.Contains(senderNode) && _configuration.Contains(senderNode))))
        {
            return;
        }

        foreach (var grouped in _scratch.GroupBy(e => e.Group, StringComparer.Ordinal))
        {
            var set = GroupSet(grouped.Key);
            var hadLocal = HasLocal(set);
            var joined = new List<GroupMemberChange>();
            foreach (var (_, pid) in grouped)
            {
                var member = new GroupMember(senderNode, pid);
                if (set.Add(member))
                {
                    joined.Add(new GroupMemberChange(member, GroupChangeReason.NodeUp));
                }
            }

            if (joined.Count > 0)
            {
                Emit(events, grouped.Key, set, hadLocal, left: [], joined: joined);
            }

            DropIfEmpty(grouped.Key, set);
        }
    }

    private void Change(List<GroupEvent> events, string group, GroupMember member, GroupChangeReason reason, bool add)
    {
        var set = GroupSet(group);
        var hadLocal = HasLocal(set);
        var changed = add ? set.Add(member) : set.Remove(member);
        if (changed)
        {
            var change = new GroupMemberChange(member, reason);
            Emit(events, group, set, hadLocal, left: add ? [] : [change], joined: add ? [change] : []);
        }

        DropIfEmpty(group, set);
    }

    private void Emit(List<GroupEvent> events, string group, SortedSet<GroupMember> set, bool hadLocal, IReadOnlyList<GroupMemberChange> left, IReadOnlyList<GroupMemberChange> joined)
    {
        if (hadLocal || HasLocal(set) || left.Any(c => c.Member.NodeId == _localNodeId))
        {
            events.Add(new GroupConfigurationChange(group, [.. set], left, joined));
        }
    }

    private SortedSet<GroupMember> GroupSet(string group)
    {
        if (!_groups.TryGetValue(group, out var set))
        {
            set = [];
            _groups.Add(group, set);
        }

        return set;
    }

    private void DropIfEmpty(string group, SortedSet<GroupMember> set)
    {
        if (set.Count == 0)
        {
            _groups.Remove(group);
        }
    }

    private bool HasLocal(SortedSet<GroupMember> set)
    {
        foreach (var member in set)
        {
            if (member.NodeId == _localNodeId)
            {
                return true;
            }
        }

        return false;
    }
}
