namespace Clustering.Membership.Totem;

/// <summary>A ring id store in memory: for tests and simulations (a "restart with the state directory kept" reuses the instance).</summary>
internal sealed class InMemoryRingIdStore : IRingIdStore
{
    private ulong _sequence;

    /// <inheritdoc />
    public ulong Load() => _sequence;

    /// <inheritdoc />
    public void Save(ulong sequence) => _sequence = sequence;
}
