using System.Text;

namespace Clustering.Cib.Validation;

/// <summary>
/// The IDs of one document: a set of strings whose members may also be ASCII byte ranges of the document being
/// scanned (<see cref="Source"/>), so an <c>id</c> read by the UTF-8 scanner is claimed without ever becoming a
/// string. A string and a byte range with the same characters are the same member. Hashing is the runtime's
/// randomized <see cref="HashCode"/> over the ASCII bytes (an ASCII string is narrowed to them; a string with other
/// characters, which no byte range can equal, is hashed as a string), so crafted IDs cannot make the set degenerate.
/// Open addressing with linear probing; removal leaves a tombstone. Not thread-safe.
/// </summary>
internal sealed class IdSet
{
    private const byte Empty = 0;
    private const byte Used = 1;
    private const byte Removed = 2;

    /// <summary>ASCII strings longer than this are narrowed into a heap copy rather than a stack one (rare: IDs are short).</summary>
    private const int StackBytes = 256;

    private Entry[] _entries = new Entry[64];
    private int _count;
    private int _occupied;

    /// <summary>The bytes byte-range members point into: the buffer of the document being validated.</summary>
    public byte[]? Source { get; set; }

    /// <summary>How many IDs the set holds.</summary>
    public int Count => _count;

    /// <summary>Adds a string; <see langword="false"/> when it is already a member.</summary>
    public bool Add(string id) => Add(id.AsSpan(), Hash(id), id, -1, 0);

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

        Insert(new Entry(hash, null, start, length, Used));
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

        _count = 0;
        _occupied = 0;
        Source = null;
    }

    private static int Hash(ReadOnlySpan<byte> bytes)
    {
        var hash = default(HashCode);
        hash.AddBytes(bytes);
        return hash.ToHashCode();
    }

    /// <summary>The hash of a string: that of its bytes when it is ASCII (so it meets an equal byte range), else its own.</summary>
    private static int Hash(string id)
    {
        if (!Ascii.IsValid(id))
        {
            return string.GetHashCode(id.AsSpan());
        }

        var bytes = id.Length <= StackBytes ? stackalloc byte[id.Length] : new byte[id.Length];
        Ascii.FromUtf16(id, bytes, out _);
        return Hash(bytes);
    }

    private bool Add(ReadOnlySpan<char> chars, int hash, string text, int start, int length)
    {
        if (Find(chars, hash) >= 0)
        {
            return false;
        }

        Insert(new Entry(hash, text, start, length, Used));
        return true;
    }

    private void Insert(in Entry added)
    {
        if ((_occupied + 1) * 2 > _entries.Length)
        {
            Grow();
        }

        var mask = _entries.Length - 1;
        var i = added.Hash & mask;
        while (_entries[i].State == Used)
        {
            i = (i + 1) & mask;
        }

        if (_entries[i].State == Empty)
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
            if (entry.State == Empty)
            {
                return -1;
            }

            if (entry.State == Used && entry.Hash == hash && Same(entry, chars))
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
            if (entry.State == Empty)
            {
                return -1;
            }

            if (entry.State == Used && entry.Hash == hash && SameBytes(entry, bytes))
            {
                return i;
            }
        }
    }

    private bool Same(in Entry entry, ReadOnlySpan<char> chars)
        => entry.Text is { } text
            ? chars.SequenceEqual(text)
            : entry.Length == chars.Length && Ascii.Equals(Source.AsSpan(entry.Start, entry.Length), chars);

    private bool SameBytes(in Entry entry, ReadOnlySpan<byte> bytes)
        => entry.Text is { } text
            ? text.Length == bytes.Length && Ascii.Equals(bytes, text)
            : bytes.SequenceEqual(Source.AsSpan(entry.Start, entry.Length));

    private void RemoveAt(int index)
    {
        if (index >= 0)
        {
            _entries[index] = _entries[index] with { Text = null, State = Removed };
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
            if (entry.State != Used)
            {
                continue;
            }

            var i = entry.Hash & mask;
            while (_entries[i].State != Empty)
            {
                i = (i + 1) & mask;
            }

            _entries[i] = entry;
            _occupied++;
        }
    }

    private readonly record struct Entry(int Hash, string? Text, int Start, int Length, byte State);
}
