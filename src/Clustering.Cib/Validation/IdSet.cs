using System.Buffers.Binary;
using Clustering.Cib.Internal;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Clustering.Cib.Validation;

/// <summary>
/// The IDs of one document: a set of strings whose members may also be ASCII byte ranges of the document being
/// scanned (<see cref="Source"/>), so an <c>id</c> read by the UTF-8 scanner is claimed without ever becoming a
/// string. A string and a byte range with the same characters are the same member. Hashing is a cheap seeded hash over
/// the ASCII bytes with seeds drawn at random per set (an ASCII string is narrowed to them; a string with other
/// characters, which no byte range can equal, is hashed as a string by the runtime's randomized hash), so crafted IDs
/// cannot make the set degenerate.
/// Open addressing with linear probing; removal leaves a tombstone. The entries hold no references (a string member is
/// an index into a side list), so the table is 16 bytes a slot, stores need no GC write barrier, and clearing it is a
/// plain memory fill. Not thread-safe.
/// </summary>
internal sealed class IdSet
{
    /// <summary><see cref="Entry.Tag"/> of a slot never used.</summary>
    private const int Empty = 0;

    /// <summary><see cref="Entry.Tag"/> of a removed member (a tombstone).</summary>
    private const int Removed = 1;

    /// <summary><see cref="Entry.Tag"/> of a byte-range member.</summary>
    private const int Bytes = 2;

    /// <summary><see cref="Entry.Tag"/> of a string member: this plus its index in <see cref="_strings"/>.</summary>
    private const int FirstString = 3;

    /// <summary>ASCII strings longer than this are narrowed into a heap copy rather than a stack one (rare: IDs are short).</summary>
    private const int StackBytes = 256;

    private readonly ulong _seed0;
    private readonly ulong _seed1;
    private readonly ulong _seed2;
    private readonly ulong _seed3;
    private Entry[] _entries = new Entry[64];
    private readonly List<string> _strings = [];
    private int _count;
    private int _occupied;

    /// <summary>An empty set with its own random hash seeds.</summary>
    public IdSet()
    {
        Span<ulong> seeds = stackalloc ulong[4];
        RandomNumberGenerator.Fill(MemoryMarshal.AsBytes(seeds));
        (_seed0, _seed1, _seed2, _seed3) = (seeds[0], seeds[1], seeds[2], seeds[3]);
    }

    /// <summary>The bytes byte-range members point into: the buffer of the document being validated.</summary>
    public byte[]? Source { get; set; }

    /// <summary>How many IDs the set holds.</summary>
    public int Count => _count;

    /// <summary>Adds a string; <see langword="false"/> when it is already a member.</summary>
    public bool Add(string id)
    {
        var hash = Hash(id);
        if (Find(id.AsSpan(), hash) >= 0)
        {
            return false;
        }

        _strings.Add(id);
        Insert(new Entry(hash, 0, id.Length, FirstString + _strings.Count - 1));
        return true;
    }

    /// <summary>
    /// Adds the ASCII bytes <paramref name="start"/>..+<paramref name="length"/> of <see cref="Source"/>;
    /// <see langword="false"/> when the same characters are already a member.
    /// </summary>
    public bool AddAscii(int start, int length)
    {
        var bytes = Source.AsSpan(start, length);
        var hash = Hash(bytes);
        if (FindBytes(bytes, hash) >= 0)
        {
            return false;
        }

        Insert(new Entry(hash, start, length, Bytes));
        return true;
    }

    /// <summary>Whether the string is a member.</summary>
    public bool Contains(string id) => Find(id.AsSpan(), Hash(id)) >= 0;

    /// <summary>Removes the string if it is a member.</summary>
    public void Remove(string id) => RemoveAt(Find(id.AsSpan(), Hash(id)));

    /// <summary>Removes the ASCII bytes of <see cref="Source"/> if they are a member.</summary>
    public void RemoveAscii(int start, int length)
    {
        var bytes = Source.AsSpan(start, length);
        var hash = Hash(bytes);
        RemoveAt(FindBytes(bytes, hash));
    }

    /// <summary>Empties the set, keeping its room, and forgets <see cref="Source"/>.</summary>
    public void Clear()
    {
        if (_occupied != 0)
        {
            Array.Clear(_entries);
        }

        _strings.Clear();
        _count = 0;
        _occupied = 0;
        Source = null;
    }

    /// <summary>
    /// A seeded hash of the bytes, in the style of wyhash: each 16 bytes (the last ones read overlapping, the length mixed
    /// in first) go through one 64×64→128-bit multiply whose halves are folded, with secret seeds drawn per set, so
    /// which IDs collide cannot be known from the outside. A 12-byte ID costs two multiplies.
    /// </summary>
    private int Hash(ReadOnlySpan<byte> bytes)
    {
        var length = bytes.Length;
        var n = length;
        var h = _seed0 ^ (ulong)n;
        while (n > 16)
        {
            h = Mum(BinaryPrimitives.ReadUInt64LittleEndian(bytes) ^ _seed1, BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]) ^ h);
            bytes = bytes[16..];
            n -= 16;
        }

        ShortBytes.ReadEnds(bytes[..n], out var a, out var b);
        h = Mum(a ^ _seed1, b ^ h);
        h = Mum(h ^ _seed2, (ulong)length ^ _seed3);
        return (int)(h ^ (h >> 32));
    }

    private static ulong Mum(ulong a, ulong b)
    {
        var high = Math.BigMul(a, b, out var low);
        return high ^ low;
    }

    /// <summary>The hash of a string: that of its bytes when it is ASCII (so it meets an equal byte range), else its own.</summary>
    private int Hash(string id)
    {
        if (!Ascii.IsValid(id))
        {
            return string.GetHashCode(id.AsSpan());
        }

        var bytes = id.Length <= StackBytes ? stackalloc byte[id.Length] : new byte[id.Length];
        Ascii.FromUtf16(id, bytes, out _);
        return Hash(bytes);
    }

    private void Insert(in Entry added)
    {
        if ((_occupied + 1) * 2 > _entries.Length)
        {
            Grow();
        }

        var mask = _entries.Length - 1;
        var i = added.Hash & mask;
        while (_entries[i].Tag >= Bytes)
        {
            i = (i + 1) & mask;
        }

        if (_entries[i].Tag == Empty)
        {
            _occupied++;
        }

        _entries[i] = added;
        _count++;
    }

    private int Find(ReadOnlySpan<char> chars, int hash)
    {
        var entries = _entries;
        var mask = entries.Length - 1;
        for (var i = hash & mask; ; i = (i + 1) & mask)
        {
            ref readonly var entry = ref entries[i];
            if (entry.Tag == Empty)
            {
                return -1;
            }

            if (entry.Hash == hash && entry.Tag >= Bytes && Same(entry, chars))
            {
                return i;
            }
        }
    }

    private int FindBytes(ReadOnlySpan<byte> bytes, int hash)
    {
        var entries = _entries;
        var mask = entries.Length - 1;
        for (var i = hash & mask; ; i = (i + 1) & mask)
        {
            ref readonly var entry = ref entries[i];
            if (entry.Tag == Empty)
            {
                return -1;
            }

            if (entry.Hash == hash && entry.Tag >= Bytes && SameBytes(entry, bytes))
            {
                return i;
            }
        }
    }

    private bool Same(in Entry entry, ReadOnlySpan<char> chars)
        => entry.Length == chars.Length
            && (entry.Tag == Bytes ? Ascii.Equals(Source.AsSpan(entry.Start, entry.Length), chars) : chars.SequenceEqual(_strings[entry.Tag - FirstString]));

    private bool SameBytes(in Entry entry, ReadOnlySpan<byte> bytes)
        => entry.Length == bytes.Length
            && (entry.Tag == Bytes ? bytes.SequenceEqual(Source.AsSpan(entry.Start, entry.Length)) : Ascii.Equals(bytes, _strings[entry.Tag - FirstString]));

    private void RemoveAt(int index)
    {
        if (index >= 0)
        {
            // A removed string stays in the side list until the set is cleared (removals are rare: a claim given back).
            _entries[index].Tag = Removed;
            _count--;
        }
    }

    private void Grow()
    {
        var old = _entries;
        var size = old.Length;
        while (_count * 3 >= size)
        {
            size *= 2;
        }

        _entries = new Entry[size];
        _occupied = 0;
        var mask = size - 1;
        foreach (var entry in old)
        {
            if (entry.Tag < Bytes)
            {
                continue;
            }

            var i = entry.Hash & mask;
            while (_entries[i].Tag != Empty)
            {
                i = (i + 1) & mask;
            }

            _entries[i] = entry;
            _occupied++;
        }
    }

    /// <summary>A slot: the member's hash, its range of <see cref="Source"/> (a string member: only its length), and what the slot holds.</summary>
    private record struct Entry(int Hash, int Start, int Length, int Tag);
}
