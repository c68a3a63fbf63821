using Clustering.Transport.Framing;

namespace Clustering.Transport.Tests.Framing;

public sealed class FrameLayoutTests
{
    [Test]
    public void The_header_fields_are_contiguous_and_fill_32_bytes()
    {
        (int Offset, int Size)[] fields =
        [
            (FrameLayout.VersionOffset, 1),
            (FrameLayout.TypeOffset, 1),
            (FrameLayout.HashOffset, 1),
            (FrameLayout.CipherOffset, 1),
            (FrameLayout.ClusterIdOffset, 4),
            (FrameLayout.NodeIdOffset, 4),
            (FrameLayout.IncarnationOffset, 8),
            (FrameLayout.RingOffset, 1),
            (FrameLayout.FlagsOffset, 1),
            (FrameLayout.BodyLengthOffset, 2),
            (FrameLayout.SequenceOffset, 8),
        ];

        var next = 0;
        foreach (var (offset, size) in fields)
        {
            Assert.That(offset, Is.EqualTo(next));
            next += size;
        }

        Assert.That(next, Is.EqualTo(FrameLayout.HeaderSize).And.EqualTo(32));
    }

    [Test]
    public void The_largest_body_fits_the_16_bit_length_field()
    {
        Assert.That(FrameLayout.MaxFrameSize - FrameLayout.HeaderSize, Is.LessThanOrEqualTo(ushort.MaxValue));
        Assert.That(FrameLayout.MaxFrameSize, Is.EqualTo(65535 - 20 - 8));
        Assert.That(FrameLayout.Version, Is.EqualTo(2));
    }

    [Test]
    public void Only_ring_probes_and_their_replies_are_bound_to_one_ring()
    {
        var bound = Enum.GetValues<FrameType>().Where(FrameLayout.IsRingBound);
        Assert.That(bound, Is.EquivalentTo(new[] { FrameType.RingProbe, FrameType.RingProbeReply }));
    }

    [Test]
    public void Frame_type_and_drop_reason_values_are_stable_on_the_wire_and_in_metrics()
    {
        Assert.That(Enum.GetValues<FrameType>().Select(t => (int)t), Is.EqualTo(Enumerable.Range(1, 8)));
        Assert.That(Enum.GetValues<FrameDropReason>().Select(t => (int)t), Is.EqualTo(Enumerable.Range(1, 11)));
    }

    [Test]
    public void Frame_headers_compare_by_value()
    {
        var a = new FrameHeader(FrameType.Join, 1, 2, 3, 4);
        Assert.That(a, Is.EqualTo(new FrameHeader(FrameType.Join, 1, 2, 3, 4)));
        Assert.That(a, Is.Not.EqualTo(a with { Sequence = 5 }));
    }
}
