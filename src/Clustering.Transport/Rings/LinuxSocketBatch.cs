using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Clustering.Transport.Rings;

/// <summary>
/// The Linux system calls of the batched receive and send (<c>recvmmsg</c>, <c>sendmmsg</c>, and <c>poll</c>, <c>shutdown</c> and an <c>eventfd</c> around them), with the
/// structures they take. Source-generated, blittable <see cref="LibraryImportAttribute"/> stubs: no marshalling and no allocation
/// per call, trimming- and AOT-safe. Only used when <see cref="IsSupported"/>; anything else keeps the portable path.
/// </summary>
internal static unsafe partial class LinuxSocketBatch
{
    /// <summary><c>MSG_WAITFORONE</c>: block for the first datagram only, then take what is already queued.</summary>
    public const int MsgWaitForOne = 0x10000;

    /// <summary><c>MSG_DONTWAIT</c>: do not block.</summary>
    public const int MsgDontWait = 0x40;

    /// <summary><c>MSG_TRUNC</c> in a message's returned flags: the datagram was longer than the buffer.</summary>
    public const int MsgTrunc = 0x20;

    /// <summary><c>POLLIN</c>.</summary>
    public const short PollIn = 0x1;

    /// <summary><c>POLLOUT</c>.</summary>
    public const short PollOut = 0x4;

    /// <summary><c>SHUT_RD</c>.</summary>
    public const int ShutRead = 0;

    /// <summary><c>SOL_UDP</c> (<c>IPPROTO_UDP</c>).</summary>
    public const int SolUdp = 17;

    /// <summary><c>UDP_SEGMENT</c>: the segment size of a send the kernel splits into datagrams (UDP GSO).</summary>
    public const int UdpSegment = 103;

    /// <summary><c>UDP_GRO</c>: receive coalesced datagrams, with their segment size in a control message.</summary>
    public const int UdpGro = 104;

    public const int EIntr = 4;
    public const int EAgain = 11;
    public const int ENoMem = 12;
    public const int EAcces = 13;
    public const int EPerm = 1;
    public const int EMsgSize = 90;
    public const int ENetUnreach = 101;
    public const int ENoBufs = 105;
    public const int EConnReset = 104;
    public const int ENotConn = 107;
    public const int EConnRefused = 111;
    public const int EHostUnreach = 113;

    private const string LibC = "libc";

    private static readonly Lazy<bool> Supported = new(Probe);

    /// <summary>Whether this process can use the batched calls: Linux on a 64-bit process, and libc resolves them.</summary>
    public static bool IsSupported => Supported.Value;

    [LibraryImport(LibC, EntryPoint = "recvmmsg", SetLastError = true)]
    public static partial int RecvMmsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport(LibC, EntryPoint = "sendmmsg", SetLastError = true)]
    public static partial int SendMmsg(int fd, MMsgHdr* messages, uint count, int flags);

    [LibraryImport(LibC, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeout);

    [LibraryImport(LibC, EntryPoint = "shutdown", SetLastError = true)]
    public static partial int Shutdown(int fd, int how);

    /// <summary><c>EFD_NONBLOCK | EFD_CLOEXEC</c>.</summary>
    public const int EventFdFlags = 0x800 | 0x80000;

    [LibraryImport(LibC, EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initialValue, int flags);

    [LibraryImport(LibC, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport(LibC, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, void* buffer, nuint count);

    [LibraryImport(LibC, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>Maps an <c>errno</c> of a receive to the <see cref="SocketError"/> the managed path would report.</summary>
    public static SocketError ToSocketError(int errno) => errno switch
    {
        ENetUnreach => SocketError.NetworkUnreachable,
        EConnReset => SocketError.ConnectionReset,
        EConnRefused => SocketError.ConnectionRefused,
        EHostUnreach => SocketError.HostUnreachable,
        ENotConn => SocketError.NotConnected,
        EAgain => SocketError.WouldBlock,
        EIntr => SocketError.Interrupted,
        ENoBufs or ENoMem => SocketError.NoBufferSpaceAvailable,
        EMsgSize => SocketError.MessageSize,
        EAcces or EPerm => SocketError.AccessDenied,
        _ => SocketError.SocketError,
    };

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess || sizeof(MMsgHdr) != 64)
        {
            return false;
        }

        try
        {
            // Resolves every entry point without side effects: an empty poll returns at once.
            _ = Poll(null, 0, 0);
            _ = RecvMmsg(-1, null, 0, 0, null);
            _ = SendMmsg(-1, null, 0, 0);
            _ = Shutdown(-1, ShutRead);
            _ = Read(-1, null, 0);
            _ = Write(-1, null, 0);
            _ = Close(-1);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary><c>struct iovec</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary><c>struct msghdr</c> (64-bit layout, 56 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary><c>struct mmsghdr</c> (64 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    /// <summary><c>struct cmsghdr</c> (64-bit layout, 16 bytes; the data follows).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct CMsgHdr
    {
        public nuint Length;
        public int Level;
        public int Type;
    }

    /// <summary><c>struct pollfd</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }
}

/// <summary>
/// The native arrays behind one <c>recvmmsg</c> or <c>sendmmsg</c> call: message headers, <c>iovec</c>s, one
/// <c>sockaddr_storage</c> per message and (optionally) control-message space per message, allocated zeroed and freed
/// together. Shared by <see cref="ReceiveBatch"/> and <see cref="SendBatch"/>.
/// </summary>
internal unsafe struct NativeMessageArrays
{
    /// <summary><c>sizeof(struct sockaddr_storage)</c>.</summary>
    public const int AddressSize = 128;

    public LinuxSocketBatch.MMsgHdr* Messages;
    public LinuxSocketBatch.IoVec* IoVecs;
    public byte* Addresses;
    public byte* Controls;

    /// <param name="messages">Message headers (and addresses).</param>
    /// <param name="ioVecs">All <c>iovec</c>s.</param>
    /// <param name="controlSize">Control bytes per message (0: none).</param>
    public static NativeMessageArrays Allocate(int messages, int ioVecs, int controlSize) => new()
    {
        Messages = (LinuxSocketBatch.MMsgHdr*)NativeMemory.AllocZeroed((nuint)messages, (nuint)sizeof(LinuxSocketBatch.MMsgHdr)),
        IoVecs = (LinuxSocketBatch.IoVec*)NativeMemory.AllocZeroed((nuint)ioVecs, (nuint)sizeof(LinuxSocketBatch.IoVec)),
        Addresses = (byte*)NativeMemory.AllocZeroed((nuint)messages, AddressSize),
        Controls = controlSize > 0 ? (byte*)NativeMemory.AllocZeroed((nuint)messages, (nuint)controlSize) : null,
    };

    /// <summary>Whether the arrays are allocated (not yet freed).</summary>
    public readonly bool IsAllocated => Messages is not null;

    /// <summary>The address slot of message <paramref name="index"/>.</summary>
    public readonly byte* Address(int index) => Addresses + ((nint)index * AddressSize);

    /// <summary>Frees every array (once; later calls do nothing).</summary>
    public void Free()
    {
        NativeMemory.Free(Messages);
        NativeMemory.Free(IoVecs);
        NativeMemory.Free(Addresses);
        NativeMemory.Free(Controls);
        this = default;
    }
}

/// <summary>
/// The native memory of one receive thread's <c>recvmmsg</c>: <see cref="Count"/> message headers, each with one
/// <c>iovec</c> over its own slot of a single pinned buffer and room for a source address. Allocated once per thread;
/// every batch only resets the lengths the kernel overwrote.
/// </summary>
internal sealed unsafe class ReceiveBatch : IDisposable
{
    private const int AddressSize = NativeMessageArrays.AddressSize;

    private readonly byte[] _buffer;
    private readonly byte* _base;
    private readonly GCHandle _pin;
    private NativeMessageArrays _native;

    /// <summary><c>CMSG_SPACE(sizeof(int))</c> with room to spare: what a <c>UDP_GRO</c> control message needs.</summary>
    public const int GroControlSize = 64;

    private readonly int _controlSize;

    /// <param name="count">Messages per call.</param>
    /// <param name="slotSize">Bytes per message.</param>
    /// <param name="controlSize">Bytes of control messages per message (0: none; <see cref="GroControlSize"/> to learn GRO segment sizes).</param>
    public ReceiveBatch(int count, int slotSize, int controlSize = 0)
    {
        Count = count;
        SlotSize = slotSize;
        _controlSize = controlSize;
        _buffer = GC.AllocateUninitializedArray<byte>(count * slotSize, pinned: true);
        _pin = GCHandle.Alloc(_buffer, GCHandleType.Pinned);
        _base = (byte*)_pin.AddrOfPinnedObject();
        _native = NativeMessageArrays.Allocate(count, count, controlSize);
        for (var i = 0; i < count; i++)
        {
            _native.IoVecs[i].Base = _base + ((nint)i * slotSize);
            _native.IoVecs[i].Length = (nuint)slotSize;
            _native.Messages[i].Header.Iov = &_native.IoVecs[i];
            _native.Messages[i].Header.IovLength = 1;
            _native.Messages[i].Header.Name = _native.Address(i);
        }
    }

    /// <summary>The number of datagrams one call can take.</summary>
    public int Count { get; }

    /// <summary>The bytes each datagram can hold.</summary>
    public int SlotSize { get; }

    /// <summary>The message headers, for <c>recvmmsg</c>.</summary>
    public LinuxSocketBatch.MMsgHdr* Messages => _native.Messages;

    /// <summary>Restores what the kernel overwrote in the previous call (address lengths, flags, lengths).</summary>
    public void Reset(int used)
    {
        for (var i = 0; i < used; i++)
        {
            _native.Messages[i].Header.NameLength = AddressSize;
            _native.Messages[i].Header.Flags = 0;
            _native.Messages[i].Length = 0;
            if (_native.Controls is not null)
            {
                _native.Messages[i].Header.Control = _native.Controls + ((nint)i * _controlSize);
                _native.Messages[i].Header.ControlLength = (nuint)_controlSize;
            }
        }
    }

    /// <summary>Datagram <paramref name="index"/> of the last call (writable: decryption works in place).</summary>
    public Span<byte> Datagram(int index) => _buffer.AsSpan(index * SlotSize, (int)Math.Min(_native.Messages[index].Length, (uint)SlotSize));

    /// <summary>Whether datagram <paramref name="index"/> was longer than its slot.</summary>
    public bool Truncated(int index) => (_native.Messages[index].Header.Flags & LinuxSocketBatch.MsgTrunc) != 0;

    /// <summary>
    /// The segment size the kernel reported for datagram <paramref name="index"/> (a <c>UDP_GRO</c> control message: the
    /// datagram is several coalesced ones of this size, the last possibly shorter); 0 when it reported none.
    /// </summary>
    public int SegmentSize(int index)
    {
        if (_native.Controls is null)
        {
            return 0;
        }

        var control = (byte*)_native.Messages[index].Header.Control;
        var length = (long)Math.Min(_native.Messages[index].Header.ControlLength, (nuint)_controlSize);
        var header = sizeof(LinuxSocketBatch.CMsgHdr);
        for (long offset = 0; offset + header <= length;)
        {
            var cmsg = (LinuxSocketBatch.CMsgHdr*)(control + offset);
            var size = (long)cmsg->Length;
            if (size < header || offset + size > length)
            {
                break;
            }

            if (cmsg->Level == LinuxSocketBatch.SolUdp && cmsg->Type == LinuxSocketBatch.UdpGro && size >= header + sizeof(int))
            {
                return *(int*)(control + offset + header);
            }

            offset += (size + 7) & ~7L; // CMSG_ALIGN
        }

        return 0;
    }

    /// <summary>The source address of datagram <paramref name="index"/>, in the native <c>sockaddr</c> layout.</summary>
    public ReadOnlySpan<byte> Source(int index) =>
        new(_native.Address(index), (int)Math.Min(_native.Messages[index].Header.NameLength, (uint)AddressSize));

    public void Dispose()
    {
        if (!_native.IsAllocated)
        {
            return;
        }

        _native.Free();
        _pin.Free();
    }
}
