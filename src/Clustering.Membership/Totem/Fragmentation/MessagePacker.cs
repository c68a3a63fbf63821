using System.Buffers.Binary;

namespace Clustering.Membership.Totem.Fragmentation;

/// <summary>
/// Packs application messages (0 B to 1 MiB) into chunks that fit one frame: several small messages share a chunk,
/// a large one is cut into fragments. Each chunk is a run of records — kind (u8: whole, first, middle, last fragment),
/// length (u32, little-endian), bytes — and goes through the total order as one Totem message; a
/// <see cref="MessageAssembler"/> at every node restores the messages in the same order.
/// </summary>
internal sealed class MessagePacker
{
    /// <summary>The largest application message.</summary>
    public const int MaxMessage = 1 << 20;

    /// <summary>Bytes of one record's header.</summary>
    public const int RecordHeader = 5;

    /// <summary>Frame bytes left for Totem's own headers and the transport's (crypto header, tag) out of <c>netmtu</c>.</summary>
    public const int FrameOverhead = 200;

    private readonly int _chunkSize;

    /// <summary>Creates a packer for frames of <paramref name="netmtu"/> bytes (Corosync's <c>netmtu</c>, 1500 by default).</summary>
    public MessagePacker(int netmtu = 1500)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(netmtu, FrameOverhead + RecordHeader + 1, nameof(netmtu));
        _chunkSize = netmtu - FrameOverhead;
    }

    /// <summary>The largest chunk this packer makes.</summary>
    public int ChunkSize => _chunkSize;

    /// <summary>Packs <paramref name="messages"/>, in order, into chunks appended to <paramref name="chunks"/>.</summary>
    public void Pack(IEnumerable<ReadOnlyMemory<byte>> messages, List<byte[]> chunks)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(chunks);
        var current = new byte[_chunkSize];
        var used = 0;
        foreach (var message in messages)
        {
            if (message.Length > MaxMessage)
            {
                throw new ArgumentException($"A message may have at most {MaxMessage} bytes, not {message.Length}.", nameof(messages));
            }

            var span = message.Span;
            var first = true;
            do
            {
                if (_chunkSize - used < RecordHeader + (span.Length == 0 ? 0 : 1))
                {
                    chunks.Add(current[..used]);
                    used = 0;
                }

                var room = _chunkSize - used - RecordHeader;
                var take = Math.Min(room, span.Length);
                var last = take == span.Length;
                var kind = (first, last) switch
                {
                    (true, true) => RecordKind.Whole,
                    (true, false) => RecordKind.First,
                    (false, false) => RecordKind.Middle,
                    _ => RecordKind.Last,
                };
                current[used] = (byte)kind;
                BinaryPrimitives.WriteInt32LittleEndian(current.AsSpan(used + 1), take);
                span[..take].CopyTo(current.AsSpan(used + RecordHeader));
                used += RecordHeader + take;
                span = span[take..];
                first = false;
                if (last)
                {
                    break;
                }
            }
            while (true);
        }

        if (used > 0)
        {
            chunks.Add(current[..used]);
        }
    }
}
