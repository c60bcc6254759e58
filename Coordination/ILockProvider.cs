namespace ModMesh.Coordination;

/// <summary>
/// Mutual exclusion across every node that shares this coordinator (in-process: one process; Redis: the cluster).
/// A lock has an owner token and a time to live: if its owner dies, it frees itself when the TTL runs out.
/// </summary>
public interface ILockProvider
{
    /// <summary>
    /// Tries once to take the lock on <paramref name="resource"/> for <paramref name="timeToLive"/>.
    /// Returns the lease, or <c>null</c> when somebody else holds it (contention is a result, not an error).
    /// </summary>
    Task<ILockLease?> TryAcquireAsync(string resource, TimeSpan timeToLive, CancellationToken cancellationToken);
}

/// <summary>A held lock. Disposing it releases it (if still owned).</summary>
public interface ILockLease : IAsyncDisposable
{
    /// <summary>The locked resource name.</summary>
    string Resource { get; }

    /// <summary>The owner token: unique per acquisition.</summary>
    string Token { get; }

    /// <summary>
    /// Extends the TTL to <paramref name="timeToLive"/> from now. Returns false when the lease was lost
    /// (expired and possibly taken by another owner); a lost lease is never silently re-acquired.
    /// </summary>
    Task<bool> RenewAsync(TimeSpan timeToLive, CancellationToken cancellationToken);

    /// <summary>Releases the lock if this lease still owns it; returns whether it did.</summary>
    Task<bool> ReleaseAsync(CancellationToken cancellationToken);
}
