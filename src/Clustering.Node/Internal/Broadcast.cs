using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Clustering.Node.Internal;

/// <summary>
/// A value that changes, with any number of watchers: each gets the current value, then every change. A slow
/// watcher loses the oldest changes it has not read (it always ends on the latest value).
/// </summary>
internal sealed class Broadcast<T>
    where T : class
{
    private const int WatcherCapacity = 64;
    private readonly Lock _gate = new();
    private readonly List<Channel<T>> _watchers = [];
    private T? _current;
    private bool _completed;

    public T? Current => Volatile.Read(ref _current);

    public void Publish(T value)
    {
        lock (_gate)
        {
            Volatile.Write(ref _current, value);
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryWrite(value);
            }
        }
    }

    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryComplete();
            }

            _watchers.Clear();
        }
    }

    public async IAsyncEnumerable<T> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<T>(new BoundedChannelOptions(WatcherCapacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        lock (_gate)
        {
            if (_current is not null)
            {
                channel.Writer.TryWrite(_current);
            }

            if (_completed)
            {
                channel.Writer.TryComplete();
            }
            else
            {
                _watchers.Add(channel);
            }
        }

        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var value))
                {
                    yield return value;
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                _watchers.Remove(channel);
            }
        }
    }
}
