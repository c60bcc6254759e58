using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("ModMesh.Coordination.Tests")]

namespace ModMesh.Coordination.InProcess;

/// <summary>
/// <see cref="IFillEvents"/> for the single-process embedded mode. A subscription is registered before
/// <see cref="SubscribeAsync"/> returns; a publish completes every waiter registered at that moment (each waiter hears
/// only the first outcome published after it subscribed). Timeouts run on the injected <see cref="TimeProvider"/>.
/// </summary>
public sealed class InProcessFillEvents : IFillEvents
{
    private readonly Dictionary<string, HashSet<Waiter>> _waiters = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the event hub with the given clock.</summary>
    public InProcessFillEvents(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
    }

    /// <summary>Keys with at least one registered waiter (for tests: no entry outlives its waiters).</summary>
    internal int KeyCount
    {
        get
        {
            lock (_gate)
            {
                return _waiters.Count;
            }
        }
    }

    /// <inheritdoc />
    public Task<IFillWaiter> SubscribeAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();

        var waiter = new Waiter(this, key);
        lock (_gate)
        {
            if (!_waiters.TryGetValue(key, out var set))
            {
                set = [];
                _waiters.Add(key, set);
            }

            set.Add(waiter);
        }

        return Task.FromResult<IFillWaiter>(waiter);
    }

    /// <inheritdoc />
    public Task PublishAsync(string key, Outcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(outcome);
        cancellationToken.ThrowIfCancellationRequested();

        HashSet<Waiter>? set;
        lock (_gate)
        {
            // Every current waiter gets this outcome and is then done: they all leave the key together.
            _waiters.Remove(key, out set);
        }

        if (set is not null)
        {
            foreach (var waiter in set)
            {
                waiter.Complete(outcome);
            }
        }

        return Task.CompletedTask;
    }

    private void Unregister(Waiter waiter)
    {
        lock (_gate)
        {
            if (_waiters.TryGetValue(waiter.Key, out var set) && set.Remove(waiter) && set.Count == 0)
            {
                _waiters.Remove(waiter.Key);
            }
        }
    }

    private sealed class Waiter(InProcessFillEvents owner, string key) : FillWaiter(owner._timeProvider)
    {
        public string Key { get; } = key;

        protected override void Unregister() => owner.Unregister(this);
    }
}
