using System.Buffers.Binary;
using System.Net;
using Clustering.Transport.Rings;
using Clustering.Transport.Tests.Security;

namespace Clustering.Transport.Tests.Rings;

/// <summary>
/// The UDP rings' batch send over real loopback sockets, with batched I/O (<c>sendmmsg</c> on Linux) and without (one
/// send per datagram): a batch longer than one system call, of mixed sizes and destinations, arrives complete and in
/// order at every member; counters count each datagram; sending a batch allocates nothing; a disposed ring refuses a batch.
/// </summary>
[TestFixture("udp", true, true)]
[TestFixture("udp", true, false)]
[TestFixture("udp", false, false)]
[TestFixture("udpu", true, true)]
[TestFixture("udpu", true, false)]
[TestFixture("udpu", false, false)]
[CancelAfter(60_000)]
public sealed class UdpBatchSendTests(string transport, bool batchedIo, bool segmentationOffload)
{
    [Test]
    public async Task Segmentation_offload_is_on_exactly_when_asked_for_and_the_kernel_passes_the_probe()
    {
        var rings = Create(2);
        await using var a = rings[0];
        await using var b = rings[1];
        var expected = segmentationOffload && batchedIo && LinuxSocketBatch.IsSupported;
        Assert.That(SegmentationOf(a), Is.EqualTo(expected), "the kernel here (Linux 6.x) passes the probe");
        Assert.That(SegmentationProbe.Run(IPAddress.Loopback), LinuxSocketBatch.IsSupported ? Is.Null : Is.Not.Null);
    }

    [Test]
    public async Task A_long_batch_of_mixed_sizes_and_destinations_arrives_complete_and_in_order()
    {
        var rings = Create(3);
        await using var sender = rings[0];
        await using var first = rings[1];
        await using var second = rings[2];

        // 150 datagrams (more than one sendmmsg carries): runs of one size broken by other sizes, and every seventh
        // addressed to the first receiver only.
        const int Count = 150;
        var buffer = new byte[Count * 1500];
        var datagrams = new BatchDatagram[Count];
        var offset = 0;
        for (var i = 0; i < Count; i++)
        {
            var length = Size(i);
            Write(buffer.AsSpan(offset, length), i);
            datagrams[i] = new BatchDatagram(offset, length, i % 7 == 3 ? first.LocalEndPoint : null);
            offset += length;
        }

        ((IBatchSendRing)sender).SendBatch(buffer, datagrams);

        var toAll = Enumerable.Range(0, Count).Where(i => i % 7 != 3).ToArray();
        var atFirst = await ReadIndicesAsync(first, Count);
        if (transport == "udp")
        {
            // Multicasts and unicasts reach a member on different sockets: each stream keeps its order.
            Assert.That(atFirst.Where(i => i % 7 != 3), Is.EqualTo(toAll), "the first receiver: the multicasts, in order");
            Assert.That(atFirst.Where(i => i % 7 == 3), Is.EqualTo(Enumerable.Range(0, Count).Where(i => i % 7 == 3)), "the first receiver: the unicasts, in order");
        }
        else
        {
            Assert.That(atFirst, Is.EqualTo(Enumerable.Range(0, Count).ToArray()), "the first receiver: everything, in order");
        }

        Assert.That(await ReadIndicesAsync(second, toAll.Length), Is.EqualTo(toAll), "the second receiver: what went to all, in order");
        var members = transport == "udp" ? 1 : 2; // a multicast is one datagram; udpu sends one per other member
        Assert.Multiple(() =>
        {
            Assert.That(sender.Counters.DatagramsSent, Is.EqualTo((toAll.Length * members) + (Count - toAll.Length)));
            Assert.That(sender.Counters.BytesSent, Is.EqualTo(toAll.Sum(i => (long)Size(i)) * members + Enumerable.Range(0, Count).Where(i => i % 7 == 3).Sum(i => (long)Size(i))));
            Assert.That(sender.Counters.SendErrors, Is.Zero);
            Assert.That(first.Counters.ReceiveErrors + second.Counters.ReceiveErrors, Is.Zero);
        });
    }

    [Test]
    public async Task A_refused_segmented_send_turns_offload_off_and_its_datagrams_still_go_out()
    {
        Assume.That(transport == "udpu" && segmentationOffload && batchedIo && LinuxSocketBatch.IsSupported, "udpu with offload on Linux");
        var rings = Create(2);
        await using var sender = rings[0];
        await using var receiving = rings[1];
        Assert.That(SegmentationOf(sender), Is.True);

        // SO_NO_CHECK (no UDP checksum) makes the kernel refuse segmented sends (EINVAL), as a device without checksum
        // offload does (EIO); plain datagrams still go.
        const int SoNoCheck = 11;
        ((UdpUnicastRing)sender).Socket.SetRawSocketOption(1, SoNoCheck, BitConverter.GetBytes(1));
        const int Count = 10;
        var buffer = new byte[Count * 1200];
        var datagrams = new BatchDatagram[Count];
        for (var i = 0; i < Count; i++)
        {
            Write(buffer.AsSpan(i * 1200, 1200), i * 25); // Size(i * 25) == 1200
            datagrams[i] = new BatchDatagram(i * 1200, 1200, null);
        }

        ((IBatchSendRing)sender).SendBatch(buffer, datagrams);

        Assert.That(await ReadIndicesAsync(receiving, Count), Is.EqualTo(Enumerable.Range(0, Count).Select(i => i * 25)));
        Assert.That(SegmentationOf(sender), Is.False, "offload turned off after the refusal");
        Assert.That(sender.Counters.SendErrors, Is.Zero);
        Assert.That(sender.Counters.DatagramsSent, Is.EqualTo(Count));
    }

    [Test]
    public async Task Sending_a_batch_allocates_nothing()
    {
        var rings = Create(2);
        await using var sender = rings[0];
        await using var receiving = rings[1];
        ((IPushRing)receiving).Attach(new DiscardingReceiver());
        var buffer = new byte[17 * 1200];
        var datagrams = Enumerable.Range(0, 17).Select(i => new BatchDatagram(i * 1200, 1200, i == 16 ? receiving.LocalEndPoint : null)).ToArray();
        var batching = (IBatchSendRing)sender;

        var bytes = AllocationProbe.SteadyStateBytes(() =>
        {
            for (var i = 0; i < 20; i++)
            {
                batching.SendBatch(buffer, datagrams);
            }
        });

        Assert.That(bytes, Is.Zero, "bytes allocated for 20 batches of 17 datagrams");
        Assert.That(sender.Counters.SendErrors, Is.Zero);
    }

    [Test]
    public async Task A_disposed_ring_refuses_a_batch()
    {
        var rings = Create(2);
        await using var other = rings[1];
        var sender = rings[0];
        await sender.DisposeAsync();
        var buffer = new byte[100];
        Assert.Throws<ObjectDisposedException>(() => ((IBatchSendRing)sender).SendBatch(buffer, [new BatchDatagram(0, 100, null)]));
    }

    private static int Size(int index) => (index % 25) switch
    {
        < 12 => 1200, // a run of full frames
        12 => 700, // a shorter one ends the run
        < 20 => 1200,
        20 => 64,
        _ => 300 + index,
    };

    private static void Write(Span<byte> datagram, int index)
    {
        BinaryPrimitives.WriteInt32BigEndian(datagram, index);
        datagram[4..].Fill((byte)index);
    }

    private static async Task<int[]> ReadIndicesAsync(IRing ring, int count)
    {
        var indices = new List<int>(count);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (indices.Count < count)
        {
            RingDatagram datagram;
            try
            {
                datagram = await ring.Received.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"received {indices.Count} of {count} datagrams");
                throw;
            }

            using (datagram)
            {
                var data = datagram.Data;
                var index = BinaryPrimitives.ReadInt32BigEndian(data);
                Assert.That(data.Length, Is.EqualTo(Size(index)), $"datagram {index}'s length");
                Assert.That(data[4..].ContainsAnyExcept((byte)index), Is.False, $"datagram {index}'s content");
                indices.Add(index);
            }
        }

        return [.. indices];
    }

    private IRing[] Create(int count) => transport == "udp"
        ? LoopbackRings.Multicast(count, batchedIo: batchedIo, segmentationOffload: segmentationOffload)
        : LoopbackRings.Unicast(count, batchedIo: batchedIo, segmentationOffload: segmentationOffload);

    private static bool SegmentationOf(IRing ring) => ring switch
    {
        UdpMulticastRing m => m.SegmentationOffloadActive,
        UdpUnicastRing u => u.SegmentationOffloadActive,
        _ => false,
    };

    private sealed class DiscardingReceiver : IRingReceiver
    {
        public void OnReceived(int ringNumber, int lane, IPEndPoint source, Span<byte> datagram)
        {
        }

        public void OnBatchEnd(int ringNumber, int lane)
        {
        }
    }
}
