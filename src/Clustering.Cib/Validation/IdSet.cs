using System.Text;

namespace Clustering.Cib.Validation;

/// <summary>
/// The IDs of one document: a set of strings whose members may also be ASCII byte ranges of the document being
/// scanned (<see cref="Source"/>), so an <c>id</c> read by the UTF-8 scanner is claimed without ever becoming a
/// string. A string and a byte range with the same characters are the same member. Hashing is the runtime's
/// randomized string hash (over the characters either way), so crafted IDs cannot make the set degenerate.
/// Open addressing with linear probing; removal leaves a tombstone. Not thread-safe.
/// </summary>
internal sealed class IdSet
{
    private const byte Empty = 0;
    private const byte Used = 1;
    private const byte Removed = 2;

    /// <summary>IDs longer than this are hashed from a heap copy rather than a stack one (rare: IDs are short).</summary>
    private const int StackChars = 256;

    private Entry[] _entries = new Entry[64];
    private int _count;
    private int _occupied;

    /// <summary>The bytes byte-range members point into: the buffer of the document being validated.</summary>
    public byte[]? Source { get; set; }

    /// <summary>How many IDs the set holds.</summary>
    public int Count => _count;

    /// <summary>Adds a string; <see langword="false"/> when it is already a member.</summary>
    public bool Add(string id) => Add(id.AsSpan(), id, -1, 0);

    /// <summary>
    /// Adds the ASCII bytes <paramref name="start"/>..+<paramref name="length"/> of <see cref="Source"/>;
    /// <see langword="false"/> when the same characters are already a member.
    /// </summary>
    public bool AddAscii(int start, int length)
    {
        var bytes = Source.AsSpan(start, length);
        if (length <= StackChars)
        {
            Span<char> chars = stackalloc char[length];
            Widen(bytes, chars);
            return Add(chars, null, start, length);
        }

        var copy = new char[length];
        Widen(bytes, copy);
        return Add(copy, null, start, length);
    }

    /// <summary>Whether the string is a member.</summary>
    public bool Contains(string id) => Find(id.AsSpan(), string.GetHashCode(id.AsSpan())) >= 0;

    /// <summary>Removes the string if it is a member.</summary>
    public void Remove(string id) => RemoveAt(Find(id.AsSpan(), string.GetHashCode(id.AsSpan())));

    /// <summary>Removes the ASCII bytes of <see cref="Source"/> if they are a member.</summary>
    public void RemoveAscii(int start, int length)
    {
        var chars = new char[length];
        Widen(Source.AsSpan(start, length), chars);
        RemoveAt(Find(chars, string.GetHashCode(chars)));
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

    private static void Widen(ReadOnlySpan<byte> bytes, Span<char> chars)
    {
        var status = Ascii.ToUtf16(bytes, chars, out _);
        if (status != System.Buffers.OperationStatus.Done)
        {
            throw new ArgumentException("an ID given as bytes must be ASCII", nameof(bytes));
        }
    }

    private bool Add(ReadOnlySpan<char> chars, string? text, int start, int length)
    {
        var hash = string.GetHashCode(chars);
        if (Find(chars, hash) >= 0)
        {
            return false;
        }

        if ((_occupied + 1) * 2 > _entries.Length)
        {
            Grow();
        }

        var mask = _entries.Length - 1;
        var i = hash & mask;
        while (_entries[i].State == Used)
        {
            i = (i + 1) & mask;
        }

        if (_entries[i].State == Empty)
        {
            _occupied++;
        }

        _entries[i] = new Entry(hash, text, start, length, Used);
        _count++;
        return true;
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

    private bool Same(in Entry entry, ReadOnlySpan<char> chars)
        => entry.Text is { } text
            ? chars.SequenceEqual(text)
            : entry.Length == chars.Length && Ascii.Equals(Source.AsSpan(entry.Start, entry.Length), chars);

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
