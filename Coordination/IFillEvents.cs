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
    Task PublishAsync(string key, FillOutcome outcome, CancellationToken cancellationToken);
}

/// <summary>One subscription to one key. Dispose it to stop listening.</summary>
public interface IFillWaiter : IAsyncDisposable
{
    /// <summary>
    /// Waits for the first outcome published after the subscription was made, at most <paramref name="timeout"/>.
    /// Returns <see cref="FillOutcome.TimedOut"/> when the time runs out. Cancellation throws.
    /// </summary>
    Task<FillOutcome> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>How a fill ended.</summary>
public enum FillStatus
{
    /// <summary>The version is committed in the store.</summary>
    Filled,

    /// <summary>Every upstream said not found (404/410).</summary>
    NotFound,

    /// <summary>The fill failed (upstream error, verification failure); the message says why.</summary>
    Failed,

    /// <summary>The upstream did not answer in time; nothing was committed.</summary>
    UpstreamTimeout,

    /// <summary>The blob store could not be read or written; nothing was committed. Retryable.</summary>
    StorageUnavailable,

    /// <summary>Nothing was heard in time (only produced by <see cref="IFillWaiter.WaitAsync"/>).</summary>
    TimedOut,
}

/// <summary>The outcome of a fill, with a human-readable message for failures.</summary>
public sealed record FillOutcome(FillStatus Status, string? Message = null)
{
    /// <summary>The version is committed.</summary>
    public static FillOutcome Filled { get; } = new(FillStatus.Filled);

    /// <summary>Nothing was heard in time.</summary>
    public static FillOutcome TimedOut { get; } = new(FillStatus.TimedOut, "timed out waiting for the fill");
}
