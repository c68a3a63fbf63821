namespace Clustering.Membership.Totem;

/// <summary>
/// A join message (Totem's <c>memb_join</c>), multicast while gathering: the sender's view of the nodes it can hear
/// (<see cref="Proc"/>) and those it has given up on (<see cref="Failed"/>), both sorted, and its highest ring sequence.
/// </summary>
/// <param name="Proc">The processor set, sorted ascending.</param>
/// <param name="Failed">The failed set, sorted ascending.</param>
/// <param name="RingSeq">The highest ring sequence number the sender has seen or used.</param>
internal sealed record JoinMessage(uint[] Proc, uint[] Failed, ulong RingSeq);
