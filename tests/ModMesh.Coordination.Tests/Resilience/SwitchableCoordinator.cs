namespace ModMesh.Coordination.Tests.Resilience;

/// <summary>
/// A stand-in for the shared coordinator (Redis) over working in-process implementations: while <see cref="Failure"/>
/// is set, every call throws it (a Redis outage, or a cancellation); <see cref="BreakPendingWaits"/> makes waits that
/// already run fail mid-wait, as a dropped connection does.
/// </summary>
internal sealed class SwitchableCoordinator
{
    private volatile Exception? _failure;
    private TaskCompletionSource _broken = NewBroken();
    private int _calls;
    private readonly TaskCompletionSource _waitBroken = NewBroken();

    /// <summary>The exception every call throws from now on; null: the coordinator answers.</summary>
    public Exception? Failure
    {
        get => _failure;
        set
        {
            _failure = value;
            if (value is null)
            {
                Interlocked.Exchange(ref _broken, NewBroken());
            }
        }
    }

    /// <summary>Completes once a running wait has thrown the failure of <see cref="BreakPendingWaits"/>.</summary>
    public Task WaitBroken => _waitBroken.Task;

    /// <summary>Calls received (answered or failed).</summary>
    public int Calls => Volatile.Read(ref _calls);

    public SwitchableCoordinator(ILockProvider locks, IFillEvents events, INegativeCache negative)
    {
        Locks = new SwitchableLocks(this, locks);
        Events = new SwitchableEvents(this, events);
        Negative = new SwitchableNegativeCache(this, negative);
    }

    public ILockProvider Locks { get; }

    public IFillEvents Events { get; }

    public INegativeCache Negative { get; }

    /// <summary>Fails every call from now on with <paramref name="failure"/>, waits already running included.</summary>
    public void BreakPendingWaits(Exception failure)
    {
        Failure = failure;
        Volatile.Read(ref _broken).TrySetException(failure);
    }

    private void Enter()
    {
        Interlocked.Increment(ref _calls);
        if (_failure is { } failure)
        {
            throw failure;
        }
    }

    private static TaskCompletionSource NewBroken() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class SwitchableLocks(SwitchableCoordinator owner, ILockProvider inner) : ILockProvider
    {
        public async Task<ILockLease?> TryAcquireAsync(string resource, TimeSpan timeToLive, CancellationToken cancellationToken)
        {
            owner.Enter();
            return await inner.TryAcquireAsync(resource, timeToLive, cancellationToken);
        }
    }

    private sealed class SwitchableEvents(SwitchableCoordinator owner, IFillEvents inner) : IFillEvents
    {
        public async Task<IFillWaiter> SubscribeAsync(string key, CancellationToken cancellationToken)
        {
            owner.Enter();
            return new Waiter(owner, await inner.SubscribeAsync(key, cancellationToken));
        }

        public async Task PublishAsync(string key, Outcome outcome, CancellationToken cancellationToken)
        {
            owner.Enter();
            await inner.PublishAsync(key, outcome, cancellationToken);
        }

        private sealed class Waiter(SwitchableCoordinator owner, IFillWaiter inner) : IFillWaiter
        {
            public async Task<Outcome> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
            {
                owner.Enter();
                var wait = inner.WaitAsync(timeout, cancellationToken);
                var broken = Volatile.Read(ref owner._broken).Task;
                if (await Task.WhenAny(wait, broken) == broken)
                {
                    _ = wait.ContinueWith(t => _ = t.Exception, TaskScheduler.Default); // observed: the wait is abandoned
                    owner._waitBroken.TrySetResult();
                    await broken;
                }

                return await wait;
            }

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }

    private sealed class SwitchableNegativeCache(SwitchableCoordinator owner, INegativeCache inner) : INegativeCache
    {
        public async Task SetAsync(string key, string message, TimeSpan timeToLive, CancellationToken cancellationToken)
        {
            owner.Enter();
            await inner.SetAsync(key, message, timeToLive, cancellationToken);
        }

        public async Task<string?> GetAsync(string key, CancellationToken cancellationToken)
        {
            owner.Enter();
            return await inner.GetAsync(key, cancellationToken);
        }

        public async Task RemoveAsync(string key, CancellationToken cancellationToken)
        {
            owner.Enter();
            await inner.RemoveAsync(key, cancellationToken);
        }
    }
}
