using System.Buffers.Binary;

namespace Clustering.Membership.Totem.Fragmentation;

/// <summary>
/// Restores whole messages from the chunks of <see cref="MessagePacker"/> delivered in total order. Fragments of one
/// sender arrive in order, so one partial message per sender is kept. On a configuration change the partial messages
/// of senders that are no longer members are dropped: every member that moves on together drops the same ones, so
/// whole messages keep the order and virtual synchrony of the chunks. A malformed chunk is counted and dropped (and
/// the sender's partial message with it), never thrown.
/// </summary>
internal sealed class MessageAssembler
{
    private readonly Dictionary<uint, List<byte>> _partial = [];

    /// <summary>Chunks that could not be read.</summary>
    public long MalformedChunks { get; private set; }

    /// <summary>Partial messages dropped because their sender left.</summary>
    public long DroppedPartials { get; private set; }

    /// <summary>Reads a chunk delivered from <paramref name="origin"/>; appends the messages it completes to <paramref name="messages"/>.</summary>
    public void OnChunk(uint origin, ReadOnlySpan<byte> chunk, List<(uint Origin, byte[] Message)> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var found = new List<(uint, byte[])>();
        var at = 0;
        _partial.TryGetValue(origin, out var partial);
        while (at < chunk.Length)
        {
            if (chunk.Length - at < MessagePacker.RecordHeader)
            {
                Malformed(origin);
                return;
            }

            var kind = chunk[at];
            var length = BinaryPrimitives.ReadInt32LittleEndian(chunk[(at + 1)..]);
            at += MessagePacker.RecordHeader;
            if (kind > (byte)RecordKind.Last || length < 0 || length > chunk.Length - at)
            {
                Malformed(origin);
                return;
            }

            var bytes = chunk.Slice(at, length);
            at += length;
            switch ((RecordKind)kind)
            {
                case RecordKind.Whole when partial is null:
                    found.Add((origin, bytes.ToArray()));
                    break;
                case RecordKind.First when partial is null:
                    partial = [.. bytes];
                    break;
                case RecordKind.Middle or RecordKind.Last when partial is not null:
                    if (partial.Count + length > MessagePacker.MaxMessage)
                    {
                        Malformed(origin);
                        return;
                    }

                    partial.AddRange(bytes);
                    if (kind == (byte)RecordKind.Last)
                    {
                        found.Add((origin, [.. partial]));
                        partial = null;
                    }

                    break;
                default:
                    Malformed(origin);
                    return;
            }
        }

        if (partial is null)
        {
            _partial.Remove(origin);
        }
        else
        {
            _partial[origin] = partial;
        }

        messages.AddRange(found);
    }

    /// <summary>A configuration change: partial messages of senders not in <paramref name="members"/> are dropped.</summary>
    public void OnConfiguration(IReadOnlyCollection<uint> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        foreach (var origin in _partial.Keys.ToList())
        {
            if (!members.Contains(origin))
            {
                _partial.Remove(origin);
                DroppedPartials++;
            }
        }
    }

    private void Malformed(uint origin)
    {
        MalformedChunks++;
        _partial.Remove(origin);
    }
}
