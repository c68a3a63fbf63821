using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using Clustering.Membership.Groups;

namespace Clustering.Node.Internal;

/// <summary>
/// A member's event stream as its readers see it: the items of the member's bounded queue, each a
/// <see cref="GroupEvent"/> or a <see cref="GroupEventBatch"/> of messages, read out one event at a time. A batch is
/// one item of the queue (one wake-up of a waiting reader for all its messages); readers still read events. Safe for
/// several readers at once (a lock around the batch being read). <c>onRead</c> runs once per event read.
/// </summary>
internal sealed class GroupEventReader(ChannelReader<object> inner, Action onRead) : ChannelReader<GroupEvent>
{
    private readonly Lock _lock = new();
    private GroupEventBatch? _current;
    private int _next;

    /// <inheritdoc/>
    public override Task Completion => inner.Completion;

    /// <inheritdoc/>
    public override bool TryRead([MaybeNullWhen(false)] out GroupEvent item)
    {
        lock (_lock)
        {
            while (true)
            {
                if (_current is { } batch)
                {
                    if (_next < batch.Count)
                    {
                        item = batch[_next++];
                        if (_next == batch.Count)
                        {
                            _current = null;
                            batch.Return();
                        }

                        onRead();
                        return true;
                    }

                    _current = null;
                    batch.Return();
                }

                if (!inner.TryRead(out var next))
                {
                    item = null;
                    return false;
                }

                if (next is GroupEventBatch nextBatch)
                {
                    _current = nextBatch;
                    _next = 0;
                    continue;
                }

                item = (GroupEvent)next;
                onRead();
                return true;
            }
        }
    }

    /// <inheritdoc/>
    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) =>
        Volatile.Read(ref _current) is not null ? new ValueTask<bool>(true) : inner.WaitToReadAsync(cancellationToken);
}
