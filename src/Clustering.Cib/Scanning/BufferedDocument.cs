using System.Buffers;

namespace Clustering.Cib.Scanning;

/// <summary>
/// A document read whole into a pooled buffer for <see cref="Utf8XmlScanner"/>, or as much of it as the size limit
/// allows; <see cref="Replay"/> gives the same bytes again as a stream (what was buffered, then the unread rest) for
/// the <see cref="System.Xml.XmlReader"/> fallback. Dispose returns the buffer.
/// </summary>
internal sealed class BufferedDocument : IDisposable
{
    /// <summary>Documents are buffered up to this many bytes when the load options set no size limit.</summary>
    private const long UnlimitedCap = 256L * 1024 * 1024;

    private readonly Stream _rest;
    private byte[]? _buffer;

    private BufferedDocument(Stream rest, byte[] buffer, int length, bool complete)
    {
        _rest = rest;
        _buffer = buffer;
        Length = length;
        Complete = complete;
    }

    /// <summary>The buffered bytes (valid up to <see cref="Length"/>).</summary>
    public byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(BufferedDocument));

    /// <summary>How many bytes were buffered.</summary>
    public int Length { get; }

    /// <summary>Whether the whole document is in the buffer (otherwise it is over the size limit, or the cap).</summary>
    public bool Complete { get; }

    /// <summary>Reads <paramref name="stream"/> to its end, or until more than <paramref name="maxBytes"/> (0: no limit) have come.</summary>
    public static BufferedDocument Read(Stream stream, long maxBytes)
    {
        var cap = maxBytes <= 0 ? UnlimitedCap : Math.Min(maxBytes, UnlimitedCap);
        var initial = 64 * 1024;
        if (stream.CanSeek)
        {
            var remaining = stream.Length - stream.Position;
            if (remaining > cap)
            {
                return new BufferedDocument(stream, [], 0, complete: false);
            }

            initial = (int)Math.Max(remaining + 1, 1);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(initial);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > cap)
                    {
                        return new BufferedDocument(stream, buffer, length, complete: false);
                    }

                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, cap + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = stream.Read(buffer, length, buffer.Length - length);
                if (read == 0)
                {
                    return new BufferedDocument(stream, buffer, length, complete: length <= cap);
                }

                length += read;
                if (length > cap)
                {
                    return new BufferedDocument(stream, buffer, length, complete: false);
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>The whole document again: the buffered bytes, then what was left unread. Not to be used after Dispose.</summary>
    public Stream Replay() => new ReplayStream(this);

    /// <inheritdoc/>
    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is { Length: > 0 })
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private sealed class ReplayStream(BufferedDocument document) : Stream
    {
        private int _offset;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_offset < document.Length)
            {
                var n = Math.Min(buffer.Length, document.Length - _offset);
                document.Buffer.AsSpan(_offset, n).CopyTo(buffer);
                _offset += n;
                return n;
            }

            return document.Complete ? 0 : document._rest.Read(buffer);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
