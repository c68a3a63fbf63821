using System.Net;

namespace Clustering.Transport.Rings;

/// <summary>
/// One datagram of a batch send: <see cref="Length"/> bytes at <see cref="Offset"/> of the batch's buffer, to
/// <see cref="Destination"/>, or to every other member of the ring when that is <see langword="null"/>.
/// </summary>
/// <param name="Offset">Where the datagram starts in the buffer.</param>
/// <param name="Length">Its length in bytes.</param>
/// <param name="Destination">One member's address, or <see langword="null"/> for all members.</param>
internal readonly record struct BatchDatagram(int Offset, int Length, IPEndPoint? Destination);

/// <summary>A ring that takes several datagrams in one call (a UDP ring sends them with one <c>sendmmsg</c>).</summary>
internal interface IBatchSendRing : IRing
{
    /// <summary>
    /// Sends every datagram of <paramref name="datagrams"/>, in order, synchronously: the bytes are copied out before
    /// the call returns. Errors of single datagrams are counted and logged as a single send's are, never thrown.
    /// </summary>
    /// <param name="buffer">The bytes the datagrams point into.</param>
    /// <param name="datagrams">The datagrams.</param>
    /// <exception cref="ObjectDisposedException">The ring is disposed.</exception>
    void SendBatch(byte[] buffer, ReadOnlySpan<BatchDatagram> datagrams);
}

/// <summary>
/// The native memory of a ring's <c>sendmmsg</c>: <see cref="Capacity"/> message headers, each with up to
/// <see cref="MaxSegments"/> <c>iovec</c>s, room for a destination address and for one control message (the
/// <c>UDP_SEGMENT</c> size of a segmented send). Allocated once per ring, used under the ring's send lock; the bytes
/// themselves stay in the caller's buffer, pinned for the duration of the call.
/// </summary>
internal sealed unsafe class SendBatch : IDisposable
{
    /// <summary><c>sizeof(struct sockaddr_storage)</c>.</summary>
    public const int AddressSize = NativeMessageArrays.AddressSize;

    /// <summary><c>CMSG_SPACE(sizeof(uint16_t))</c> on a 64-bit system: a 16-byte header and the value, aligned to 8.</summary>
    public const int ControlSize = 24;

    private NativeMessageArrays _native;
    private readonly EndPoint?[] _destinations;
    private readonly object?[] _addressKeys;
    private readonly int[] _segments;
    private readonly int[] _segmentSize;
    private readonly int[] _bytes;

    public SendBatch(int capacity, int maxSegments)
    {
        Capacity = capacity;
        MaxSegments = maxSegments;
        _native = NativeMessageArrays.Allocate(capacity, capacity * maxSegments, ControlSize);
        _destinations = new EndPoint?[capacity];
        _addressKeys = new object?[capacity];
        _segments = new int[capacity];
        _segmentSize = new int[capacity];
        _bytes = new int[capacity];
    }

    /// <summary>The most messages (system-call entries) one call carries.</summary>
    public int Capacity { get; }

    /// <summary>The most datagrams one message carries (1 without segmentation offload).</summary>
    public int MaxSegments { get; }

    /// <summary>The messages filled so far.</summary>
    public int Count { get; private set; }

    /// <summary>Whether no further message fits.</summary>
    public bool IsFull => Count == Capacity;

    /// <summary>The message headers, for <c>sendmmsg</c>.</summary>
    public LinuxSocketBatch.MMsgHdr* Messages => _native.Messages;

    /// <summary>
    /// Adds <paramref name="length"/> bytes at <paramref name="data"/> for <paramref name="address"/>: as a further segment
    /// of the last message when <paramref name="segmentLimit"/> allows it (same destination, the last message's segments all
    /// of this length, and the total within the limit), else as a new message. Returns <see langword="false"/> when the
    /// batch is full (flush it and add again).
    /// </summary>
    public bool Add(SocketAddress address, EndPoint destination, byte* data, int length, int segmentLimit)
    {
        if (Count > 0 && segmentLimit > 0)
        {
            var last = Count - 1;
            var segments = _segments[last];
            if (ReferenceEquals(_addressKeys[last], address)
                && segments < MaxSegments
                && _bytes[last] == segments * _segmentSize[last] // every segment so far is full-sized (none shorter yet)
                && length <= _segmentSize[last]
                && _bytes[last] + length <= segmentLimit)
            {
                var iov = &_native.IoVecs[(last * MaxSegments) + segments];
                iov->Base = data;
                iov->Length = (nuint)length;
                _native.Messages[last].Header.IovLength = (nuint)(segments + 1);
                _segments[last] = segments + 1;
                _bytes[last] += length;
                return true;
            }
        }

        if (IsFull)
        {
            return false;
        }

        var index = Count++;
        var slot = _native.Address(index);
        var size = Math.Min(address.Size, AddressSize);
        address.Buffer.Span[..size].CopyTo(new Span<byte>(slot, AddressSize));
        ref var header = ref _native.Messages[index].Header;
        header.Name = slot;
        header.NameLength = (uint)size;
        header.Iov = &_native.IoVecs[index * MaxSegments];
        header.Iov->Base = data;
        header.Iov->Length = (nuint)length;
        header.IovLength = 1;
        header.Control = null;
        header.ControlLength = 0;
        header.Flags = 0;
        _native.Messages[index].Length = 0;
        _destinations[index] = destination;
        _addressKeys[index] = address;
        _segments[index] = 1;
        _segmentSize[index] = length;
        _bytes[index] = length;
        return true;
    }

    /// <summary>
    /// Attaches the <c>UDP_SEGMENT</c> control message to every message of more than one segment, so the kernel splits it
    /// back into datagrams of the first segment's size. Call once the batch is complete.
    /// </summary>
    public void Seal()
    {
        for (var i = 0; i < Count; i++)
        {
            if (_segments[i] < 2)
            {
                continue;
            }

            var control = _native.Controls + ((nint)i * ControlSize);
            var cmsg = (LinuxSocketBatch.CMsgHdr*)control;
            cmsg->Length = (nuint)(sizeof(LinuxSocketBatch.CMsgHdr) + sizeof(ushort));
            cmsg->Level = LinuxSocketBatch.SolUdp;
            cmsg->Type = LinuxSocketBatch.UdpSegment;
            *(ushort*)(control + sizeof(LinuxSocketBatch.CMsgHdr)) = (ushort)_segmentSize[i];
            _native.Messages[i].Header.Control = control;
            _native.Messages[i].Header.ControlLength = ControlSize;
        }
    }

    /// <summary>The destination of message <paramref name="index"/>, for logs.</summary>
    public EndPoint Destination(int index) => _destinations[index]!;

    /// <summary>The datagrams message <paramref name="index"/> carries.</summary>
    public int Segments(int index) => _segments[index];

    /// <summary>The bytes message <paramref name="index"/> carries.</summary>
    public int Bytes(int index) => _bytes[index];

    /// <summary>Empties the batch (drops the references to destinations).</summary>
    public void Clear()
    {
        Array.Clear(_destinations, 0, Count);
        Array.Clear(_addressKeys, 0, Count);
        Count = 0;
    }

    public void Dispose()
    {
        _native.Free();
    }
}
