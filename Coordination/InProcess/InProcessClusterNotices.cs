namespace ModMesh.Coordination.InProcess;

/// <summary><see cref="IClusterNotices"/> within one process: a publish calls every current handler before it returns.</summary>
public sealed class InProcessClusterNotices : IClusterNotices
{
    private readonly Lock _gate = new();
    private Action<string>[] _handlers = [];

    /// <inheritdoc />
    public Task PublishAsync(string notice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notice);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(notice.Length, ClusterNotices.MaxLength, nameof(notice));
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var handler in Volatile.Read(ref _handlers))
        {
            handler(notice);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IAsyncDisposable> SubscribeAsync(Action<string> handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            _handlers = [.. _handlers, handler];
        }

        return Task.FromResult<IAsyncDisposable>(new Subscription(this, handler));
    }

    private void Remove(Action<string> handler)
    {
        lock (_gate)
        {
            _handlers = [.. _handlers.Where(h => h != handler)];
        }
    }

    private sealed class Subscription(InProcessClusterNotices owner, Action<string> handler) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            owner.Remove(handler);
            return ValueTask.CompletedTask;
        }
    }
}
