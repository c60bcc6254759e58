namespace ModMesh.Coordination;

/// <summary>
/// "This key was filled" notifications between fillers and waiters (in-process: events; Redis: pub/sub).
/// A waiter subscribes first, then re-checks the store, then waits: so an event published between the check
/// and the wait is never missed.
/// </summary>
public interface IFillEvents
{
    /// <summary>Starts listening for the outcome of the fill of <paramref name="key"/>.</summary>
    Task<IFillWaiter> SubscribeAsync(string key, CancellationToken cancellationToken);

    /// <summary>Tells every current subscriber of <paramref name="key"/> how its fill ended.</summary>
    Task PublishAsync(string key, Outcome outcome, CancellationToken cancellationToken);
}

/// <summary>One subscription to one key. Dispose it to stop listening.</summary>
public interface IFillWaiter : IAsyncDisposable
{
    /// <summary>
    /// Waits for the first outcome published after the subscription was made, at most <paramref name="timeout"/>.
    /// Returns <see cref="Outcome.Pending"/> when the time runs out. Cancellation throws.
    /// </summary>
    Task<Outcome> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken);
}
