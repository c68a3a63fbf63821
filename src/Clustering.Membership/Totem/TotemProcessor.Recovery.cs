namespace Clustering.Membership.Totem;

/// <summary>Recovery: old-ring messages retransmitted on the new ring, then the transitional and regular configurations.</summary>
internal sealed partial class TotemProcessor
{
    private readonly Queue<McastMessage> _retrans = new();
    private RingState? _newRing;
    private uint[] _transitional = [];

    private void EnterRecovery(CommitTokenMessage token)
    {
        _commit = token;
        var members = new uint[token.Entries.Length];
        var lowAru = uint.MaxValue;
        var transitional = new List<uint>();
        for (var i = 0; i < members.Length; i++)
        {
            var entry = token.Entries[i];
            members[i] = entry.Node;
            if (entry.OldRing == _ring.Id)
            {
                transitional.Add(entry.Node);
                lowAru = Math.Min(lowAru, entry.Aru);
            }
        }

        _transitional = [.. transitional];
        _newRing = new RingState(token.Ring, members, pseudo: false);
        _retrans.Clear();
        var held = new List<uint>();
        foreach (var seq in _ring.Messages.Keys)
        {
            if (seq > lowAru)
            {
                held.Add(seq);
            }
        }

        held.Sort();
        foreach (var seq in held)
        {
            _retrans.Enqueue(_ring.Messages[seq]);
        }

        _ring.Frozen = true;
        State = TotemState.Recovery;
        TotemLog.EnterRecovery(_logger, token.Ring, _retrans.Count);
    }

    private void RevertRecovery()
    {
        _newRing = null;
        _retrans.Clear();
        _ring.Frozen = false;
    }

    private void Install(uint installSeq)
    {
        var old = _ring;
        var ring = _newRing!;
        if (!old.Pseudo)
        {
            // What the old regular configuration can still deliver, then the transitional configuration with the rest
            // (gaps skipped: no survivor has those messages; safe ones are safe among the transitional members now).
            Deliver(old);
            Configuration(ConfigurationKind.Transitional, ring.Id, _transitional, [], Except(old.Members, _transitional));
            var rest = new List<uint>();
            foreach (var seq in old.Messages.Keys)
            {
                if (seq > old.Delivered)
                {
                    rest.Add(seq);
                }
            }

            rest.Sort();
            foreach (var seq in rest)
            {
                var message = old.Messages[seq];
                old.Delivered = seq;
                DeliverChunk(old.Id, message);
            }
        }

        Configuration(ConfigurationKind.Regular, ring.Id, ring.Members, Except(ring.Members, _transitional), []);

        // Whole messages only: a message whose fragments did not all reach the old configuration is dropped by every
        // member here, and its sender (if it survived) sends it again, whole, on the new ring.
        _assembler.Reset();
        _packer.Restart();
        ring.Delivered = installSeq;
        _ring = ring;
        _newRing = null;
        _retrans.Clear();
        _commit = null;
        _proc.Clear();
        _proc.UnionWith(ring.Members);
        _failed.Clear();
        _consensus.Clear();
        State = TotemState.Operational;
        TotemLog.EnterOperational(_logger, ring.Id, ring.Members.Length);
        if (ring.Members[0] == _me)
        {
            Arm(TotemTimer.Merge, _timings.Merge);
        }
    }

    private void Configuration(ConfigurationKind kind, RingId ring, uint[] members, uint[] joined, uint[] left) =>
        Output.Events.Add(new TotemEvent(TotemEventKind.Configuration, ring, 0, 0, DeliveryOrder.Agreed, ReadOnlyMemory<byte>.Empty,
            new TotemConfiguration(kind, ring, members, joined, left)));

    private static uint[] Except(uint[] all, uint[] minus)
    {
        var result = new List<uint>(all.Length);
        foreach (var node in all)
        {
            if (Array.IndexOf(minus, node) < 0)
            {
                result.Add(node);
            }
        }

        return [.. result];
    }
}
