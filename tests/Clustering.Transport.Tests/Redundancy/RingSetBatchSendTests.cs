using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Clustering.Transport.Framing;
using Clustering.Transport.Redundancy;
using Clustering.Transport.Rings;
using Clustering.Transport.Security;
using Clustering.Transport.Tests.Security;

namespace Clustering.Transport.Tests.Redundancy;

/// <summary>
/// <see cref="RingSet.SendBatchAsync"/> over real loopback rings (UDP multicast and udpu, two active rings, secauth
/// on): a token visit's worth of frames and more arrives once each and in order, with the statistics and ring counters
/// that sending them one by one gives; a frame to a node not heard from yet is skipped; a batch allocates nothing;
/// bad frames are refused before anything is sent. Also with each node's rings on one shared receive thread.
/// </summary>
[TestFixture("udp", true, false)]
[TestFixture("udp", false, false)]
[TestFixture("udpu", true, false)]
[TestFixture("udpu", false, false)]
[TestFixture("udp", true, true)]
[TestFixture("udpu", true, true)]
[CancelAfter(60_000)]
[NonParallelizable]
public sealed class RingSetBatchSendTests(string transport, bool segmentationOffload, bool sharedLoop)
{
    [Test]
    public async Task A_forged_segment_in_a_coalesced_datagram_is_dropped_and_counted_and_its_neighbours_are_delivered()
    {
        Assume.That(LinuxSocketBatch.IsSupported && segmentationOffload, "UDP GSO/GRO is Linux's");
        await using var cluster = await CreateAsync(nodes: 1);
        var node = cluster.Nodes[0];
        using var sealer = new FrameProtector(cluster.Key, RingSetTests.Cluster.Protection(secauth: true, "push-path-tests"));
        var target = cluster.LocalEndPoints[0][0];

        // Five frames of one size from node 7, the third forged, sent as one segmented message: the receiving socket has
        // UDP_GRO on, so they arrive as one datagram of five segments.
        const int Frames = 5;
        var length = sealer.GetSealedLength(600);
        var buffer = new byte[Frames * length];
        for (var i = 0; i < Frames; i++)
        {
            var header = new FrameHeader(FrameType.Multicast, 7, 1, 0, (ulong)(i + 1));
            Assert.That(sealer.Seal(header, Payload(i, 600), buffer.AsSpan(i * length)), Is.EqualTo(length));
        }

        buffer[(3 * length) - 1] ^= 0xFF; // the third frame's tag
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(target.Address, 0)); // a listed address, for udpu
        SendSegmented(socket, target, buffer, length);

        var delivered = await ReadAsync(node, Frames - 1);
        Assert.That(delivered.Select(f => f.Index), Is.EqualTo(new[] { 0, 1, 3, 4 }), "the forged frame's neighbours, in order");
        await RingSetTests.Cluster.WaitUntilAsync(() => node.Statistics.Dropped(FrameDropReason.BadTag) == 1);
        Assert.That(node.Statistics.TotalDropped, Is.EqualTo(1), "only the forged frame");
    }

    [Test]
    public async Task A_batch_arrives_once_and_in_order_and_counts_as_single_sends_do()
    {
        await using var cluster = await CreateAsync(nodes: 3);
        var (a, b, c) = (cluster.Nodes[0], cluster.Nodes[1], cluster.Nodes[2]);

        // b speaks first, so a knows its address on both rings and can send it a frame of its own.
        await b.SendToAllAsync(FrameType.Multicast, Payload(1000, 64));
        Assert.That(await ReadAsync(a, 1), Has.Count.EqualTo(1));
        Assert.That(await ReadAsync(c, 1), Has.Count.EqualTo(1));

        // a learns b's address on a ring from b's frame on that ring: wait for the second ring's copy too, or the token
        // to b could go out on one ring only.
        await RingSetTests.Cluster.WaitUntilAsync(() => a.Statistics.RedundantCopies == 1);

        // 150 frames (more than one step of the batch): runs of full frames, shorter ones between, and a token to b at the end.
        const int Count = 150;
        var frames = new OutgoingFrame[Count + 1];
        for (var i = 0; i < Count; i++)
        {
            frames[i] = new OutgoingFrame(FrameType.Multicast, Payload(i, i % 13 == 12 ? 200 + i : 1100));
        }

        frames[Count] = new OutgoingFrame(FrameType.Token, Payload(Count, 80), b.NodeId);
        var ringsSentBefore = cluster.Nodes[0].Statistics.DatagramsSent;

        var sent = await a.SendBatchAsync(frames);

        Assert.That(sent, Is.EqualTo(Count + 1));
        var atB = await ReadAsync(b, Count + 1);
        var atC = await ReadAsync(c, Count);
        await RingSetTests.Cluster.WaitUntilAsync(() => c.Statistics.RedundantCopies == Count + 1);

        // With udp the token (a unicast) and the multicasts reach b on different sockets, so only each stream keeps its order.
        var multicastAtB = atB.Where(f => f.Type == FrameType.Multicast).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(multicastAtB.Select(f => f.Index), Is.EqualTo(Enumerable.Range(0, Count)), "b: every multicast once, in order");
            Assert.That(atB.Where(f => f.Type == FrameType.Token).Select(f => f.Index), Is.EqualTo(new[] { Count }), "b: the token, once");
            Assert.That(atC.Select(f => f.Index), Is.EqualTo(Enumerable.Range(0, Count)), "c: every multicast once, in order");
            Assert.That(atB.Select(f => f.Sequence).Order(), Is.EqualTo(Enumerable.Range(1, Count + 1).Select(i => (ulong)i)), "one sequence number per frame, in the batch's order");
            Assert.That(multicastAtB.Select(f => f.Sequence), Is.Ordered.Ascending);
            Assert.That(a.Statistics.FramesSent, Is.EqualTo(Count + 1));
            Assert.That(a.Statistics.DatagramsSent - ringsSentBefore, Is.EqualTo(2 * (Count + 1)), "each frame on both rings");
            Assert.That(c.Statistics.RedundantCopies, Is.EqualTo(Count + 1), "the second ring's copies (and b's first frame's)");
            Assert.That(b.Statistics.TotalDropped + c.Statistics.TotalDropped, Is.Zero);
        });
        await RingSetTests.Cluster.AssertNothingMoreAsync(cluster.Nodes);
    }

    [Test]
    public async Task A_frame_to_a_node_not_heard_from_is_skipped_and_the_rest_goes_out()
    {
        await using var cluster = await CreateAsync(nodes: 2);
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);
        OutgoingFrame[] frames =
        [
            new(FrameType.Multicast, Payload(0, 100)),
            new(FrameType.Token, Payload(1, 100), Destination: 77),
            new(FrameType.Multicast, Payload(2, 100)),
        ];

        Assert.That(await a.SendBatchAsync(frames), Is.EqualTo(2));
        var atB = await ReadAsync(b, 2);
        Assert.That(atB.Select(f => f.Index), Is.EqualTo(new[] { 0, 2 }));
        Assert.That(atB.Select(f => f.Sequence), Is.EqualTo(new ulong[] { 1, 2 }), "the skipped frame took no sequence number");
        Assert.That(a.Statistics.FramesSent, Is.EqualTo(2));
    }

    [Test]
    public async Task Sending_a_batch_allocates_nothing()
    {
        await using var cluster = await CreateAsync(nodes: 2);
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);
        b.SetFramesAvailableCallback(() =>
        {
            while (b.Received.TryRead(out var frame))
            {
                frame.Dispose();
            }
        });
        var frames = Enumerable.Range(0, 17).Select(i => new OutgoingFrame(FrameType.Multicast, new byte[1024])).ToArray();
        var memory = new ReadOnlyMemory<OutgoingFrame>(frames);

        var bytes = AllocationProbe.SteadyStateBytes(() =>
        {
            for (var i = 0; i < 10; i++)
            {
                var pending = a.SendBatchAsync(memory);
                if (!pending.IsCompletedSuccessfully)
                {
                    throw new AssertionException("a batch on UDP rings completes on the calling thread");
                }

                _ = pending.Result;
            }
        });

        Assert.That(bytes, Is.Zero, "bytes allocated for 10 batches of 17 frames sealed and sent on two rings");
    }

    [Test]
    public async Task Receiving_batches_allocates_nothing_on_the_receive_threads()
    {
        const int Rounds = 5;
        const int BatchesPerRound = 60;
        const int PerBatch = 17;
        await using var cluster = await CreateAsync(nodes: 2);
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);

        var allocations = new ReceiveThreadAllocations(b, Rounds, BatchesPerRound * PerBatch);

        // Full frames, as a busy visit sends them: with offload they travel as segmented messages and arrive coalesced.
        var frames = Enumerable.Range(0, PerBatch).Select(_ => new OutgoingFrame(FrameType.Multicast, new byte[1100])).ToArray();
        for (var i = 1; i <= Rounds * BatchesPerRound; i++)
        {
            await a.SendBatchAsync(frames);
            var sent = i * PerBatch;
            await RingSetTests.Cluster.WaitUntilAsync(() => allocations.Received >= sent);
        }

        await RingSetTests.Cluster.WaitUntilAsync(() => b.Statistics.RedundantCopies == Rounds * BatchesPerRound * PerBatch);
        Assert.That(b.Statistics.FramesAccepted, Is.EqualTo(Rounds * BatchesPerRound * PerBatch));
        var perRound = allocations.PerRoundAfterTheFirst();
        Assert.That(perRound.Min(), Is.Zero, $"bytes allocated on b's receive threads per round of {BatchesPerRound * PerBatch} frames (two copies each): {string.Join(", ", perRound)}");
    }

    [Test]
    public async Task Bad_frames_are_refused_before_anything_is_sent()
    {
        await using var cluster = await CreateAsync(nodes: 2);
        var a = cluster.Nodes[0];
        var tooLong = new OutgoingFrame(FrameType.Multicast, new byte[a.MaxPayloadLength + 1]);
        var probe = new OutgoingFrame(FrameType.RingProbe, new byte[4]);
        var fine = new OutgoingFrame(FrameType.Multicast, new byte[10]);

        Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await a.SendBatchAsync(new[] { fine, tooLong }));
        Assert.ThrowsAsync<ArgumentException>(async () => await a.SendBatchAsync(new[] { fine, probe }));
        Assert.That(a.Statistics.FramesSent, Is.Zero);
        Assert.That(await a.SendBatchAsync(ReadOnlyMemory<OutgoingFrame>.Empty), Is.Zero);

        await a.DisposeAsync();
        Assert.ThrowsAsync<ObjectDisposedException>(async () => await a.SendBatchAsync(new[] { fine }));
    }

    private Task<RingSetPushPathTests.UdpCluster> CreateAsync(int nodes) =>
        RingSetPushPathTests.UdpCluster.CreateAsync(transport, nodes, segmentationOffload: segmentationOffload, sharedLoop: sharedLoop);

    /// <summary>Sends <paramref name="buffer"/> as one UDP_SEGMENT message of <paramref name="segment"/>-byte datagrams.</summary>
    private static unsafe void SendSegmented(Socket socket, IPEndPoint destination, byte[] buffer, int segment)
    {
        using var batch = new SendBatch(1, buffer.Length / segment);
        var address = destination.Serialize();
        fixed (byte* data = buffer)
        {
            for (var offset = 0; offset < buffer.Length; offset += segment)
            {
                Assert.That(batch.Add(address, destination, data + offset, segment, UdpRingCore.MaxSegmentedBytes), Is.True);
            }

            Assert.That(batch.Count, Is.EqualTo(1), "one segmented message");
            batch.Seal();
            Assert.That(LinuxSocketBatch.SendMmsg((int)socket.SafeHandle.DangerousGetHandle(), batch.Messages, 1, 0), Is.EqualTo(1));
        }
    }

    /// <summary>A payload of <paramref name="length"/> bytes: <paramref name="index"/>, then that byte repeated.</summary>
    private static byte[] Payload(int index, int length)
    {
        var bytes = new byte[length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, index);
        bytes.AsSpan(4).Fill((byte)index);
        return bytes;
    }

    private static async Task<List<(int Index, ulong Sequence, FrameType Type)>> ReadAsync(RingSet node, int count)
    {
        var frames = new List<(int, ulong, FrameType)>(count);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (frames.Count < count)
        {
            try
            {
                using var frame = await node.Received.ReadAsync(timeout.Token);
                var payload = frame.Payload.Span;
                var index = BinaryPrimitives.ReadInt32BigEndian(payload);
                Assert.That(payload[4..].ContainsAnyExcept((byte)index), Is.False, $"frame {index}'s content");
                frames.Add((index, frame.Header.Sequence, frame.Header.Type));
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"node {node.NodeId} received {frames.Count} of {count} frames");
            }
        }

        return frames;
    }
}
