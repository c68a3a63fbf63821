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
internal sealed class GroupEventReader : ChannelReader<GroupEvent>
{
    private readonly ChannelReader<object> inner;
    private readonly Action onRead;
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private GroupEventBatch? _current;
    private int _next;
    private bool _innerDone;

    public GroupEventReader(ChannelReader<object> inner, Action onRead)
    {
        this.inner = inner;
        this.onRead = onRead;
        inner.Completion.ContinueWith(static (_, state) => ((GroupEventReader)state!).OnInnerCompleted(), this,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Completes once the queue is completed and empty and the batch being read, if any, is read to its end.</summary>
    public override Task Completion => _completion.Task;

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
                            CompleteIfDone();
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

    private void OnInnerCompleted()
    {
        lock (_lock)
        {
            _innerDone = true;
            CompleteIfDone();
        }
    }

    private void CompleteIfDone()
    {
        if (!_innerDone || _current is not null)
        {
            return;
        }

        var inner = this.inner.Completion;
        if (inner.IsFaulted)
        {
            _completion.TrySetException(inner.Exception!.InnerExceptions);
        }
        else if (inner.IsCanceled)
        {
            _completion.TrySetCanceled();
        }
        else
        {
            _completion.TrySetResult();
        }
    }
}
