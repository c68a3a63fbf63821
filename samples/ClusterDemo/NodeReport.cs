namespace ClusterDemo;

/// <summary>What one node knows at one moment, as the orchestrator checks it (also sent as JSON by a child process).</summary>
/// <param name="NodeId">The node.</param>
/// <param name="Members">Its membership, ascending; empty before the first ring forms.</param>
/// <param name="RingId">The ring id of that membership (representative.sequence).</param>
/// <param name="Quorate">Whether its partition is quorate.</param>
/// <param name="TotalVotes">Votes present.</param>
/// <param name="ExpectedVotes">Expected votes.</param>
/// <param name="Quorum">Votes needed.</param>
/// <param name="FaultyRings">Ring numbers marked FAULTY.</param>
/// <param name="GroupMembers">Members of group "demo" as its member here sees them (node/pid), empty before joining.</param>
/// <param name="Phases">Per phase of the story: messages delivered and a digest of their sequence.</param>
/// <param name="GroupChanges">Group membership changes in delivery order, e.g. <c>left 3/4242 NODEDOWN</c>.</param>
/// <param name="Dropped">Frames the transport dropped, by reason; <c>unlisted_source</c> counts datagrams from outside the nodelist.</param>
internal sealed record NodeReport(
    uint NodeId,
    uint[] Members,
    string RingId,
    bool Quorate,
    int TotalVotes,
    int ExpectedVotes,
    int Quorum,
    int[] FaultyRings,
    string[] GroupMembers,
    Dictionary<string, PhaseDigest> Phases,
    string[] GroupChanges,
    Dictionary<string, long> Dropped)
{
    public PhaseDigest Phase(string name) => Phases.TryGetValue(name, out var phase) ? phase : new PhaseDigest(0, "-", true);
}

/// <summary>The messages of one phase as one node delivered them.</summary>
/// <param name="Count">How many.</param>
/// <param name="Digest">SHA-256 over the sequence (sender and payload, in delivery order), first 16 hex digits.</param>
/// <param name="SenderOrderKept">Whether each sender's messages came in the order it sent them, none missing in between.</param>
internal sealed record PhaseDigest(int Count, string Digest, bool SenderOrderKept);
