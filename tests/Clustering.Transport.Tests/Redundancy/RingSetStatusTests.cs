using System.Net;
using Clustering.Transport.Redundancy;

namespace Clustering.Transport.Tests.Redundancy;

public sealed class RingSetStatusTests
{
    [Test]
    public void Healthy_rings_print_like_corosync_cfgtool()
    {
        var status = new RingSetStatus(1097041162,
        [
            new RingStatus(0, IPAddress.Parse("10.0.0.0"), RingHealth.Active, 0, 10, RingStatusKind.NoFaults, 0),
        ]);

        // The seed's output, byte for byte (tabs included).
        Assert.That(status.ToCfgtoolText(), Is.EqualTo(
            "Printing ring status.\nLocal node ID 1097041162\nRING ID 0\n\tid\t= 10.0.0.0\n\tstatus\t= ring 0 active with no faults\n"));
        Assert.That(status.CfgtoolExitCode, Is.Zero);
    }

    [Test]
    public void A_faulty_ring_prints_corosyncs_wording_and_exits_one()
    {
        var status = new RingSetStatus(2,
        [
            new RingStatus(0, IPAddress.Parse("10.10.10.42"), RingHealth.Active, 0, 10, RingStatusKind.NoFaults, 0),
            new RingStatus(1, IPAddress.Parse("20.20.20.42"), RingHealth.Faulty, 10, 10, RingStatusKind.Faulty, 1234),
        ]);

        Assert.That(status.ToCfgtoolText(), Does.EndWith("RING ID 1\n\tid\t= 20.20.20.42\n\tstatus\t= Marking ringid 1 interface 20.20.20.42 FAULTY\n"));
        Assert.That(status.HasFaults, Is.True);
        Assert.That(status.CfgtoolExitCode, Is.EqualTo(1));
    }

    [Test]
    public void Problem_counter_statuses_use_corosyncs_wording()
    {
        var address = IPAddress.Parse("10.0.0.1");
        Assert.That(new RingStatus(0, address, RingHealth.Degraded, 1, 10, RingStatusKind.ProblemIncremented, 1234).StatusText,
            Is.EqualTo("Incrementing problem counter for seqid 1234 iface 10.0.0.1 to [1 of 10]"));
        Assert.That(new RingStatus(0, address, RingHealth.Degraded, 3, 10, RingStatusKind.ProblemDecremented, 0).StatusText,
            Is.EqualTo("Decrementing problem counter for iface 10.0.0.1 to [3 of 10]"));
    }
}
