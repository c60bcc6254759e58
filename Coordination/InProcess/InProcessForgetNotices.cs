namespace ModMesh.Coordination.InProcess;

/// <summary><see cref="IForgetNotices"/> within one process: a notice reaches the subscribers of this process at once.</summary>
public sealed class InProcessForgetNotices : IForgetNotices
{
    private readonly Lock _gate = new();
    private Action<string>[] _subscribers = [];

    /// <inheritdoc />
    public Task PublishAsync(string storeKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(storeKey);
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber(storeKey);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public IDisposable Subscribe(Action<string> onForget)
    {
        ArgumentNullException.ThrowIfNull(onForget);
        lock (_gate)
        {
            _subscribers = [.. _subscribers, onForget];
        }

        return new Subscription(this, onForget);
    }

    private void Unsubscribe(Action<string> onForget)
    {
        lock (_gate)
        {
            _subscribers = _subscribers.Where(s => s != onForget).ToArray();
        }
    }

    private sealed class Subscription(InProcessForgetNotices owner, Action<string> onForget) : IDisposable
    {
        public void Dispose() => owner.Unsubscribe(onForget);
    }
}
