namespace Clustering.Transport.Tests.Security;

public sealed class AllocationProbeTests
{
    [Test]
    public void The_probe_sees_an_allocation_made_every_round()
    {
        object? sink = null;
        var bytes = AllocationProbe.SteadyStateBytes(() => sink = new byte[1000]);
        Assert.That(bytes, Is.GreaterThanOrEqualTo(1000));
        Assert.That(sink, Is.Not.Null);
    }
}
