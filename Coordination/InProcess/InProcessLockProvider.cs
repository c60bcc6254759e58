using System.Collections.Concurrent;

namespace ModMesh.Coordination.InProcess;

/// <summary>
/// <see cref="ILockProvider"/> for the single-process embedded mode: one owner token and expiry per resource in a
/// dictionary. Expiry is evaluated lazily against the injected <see cref="TimeProvider"/>; an expired lock is free for
/// anyone, and its old lease can then neither renew nor release it.
/// </summary>
public sealed class InProcessLockProvider : ILockProvider
{
    /// <summary>How often expired entries of resources nobody asks about again are swept.</summary>
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Holder> _holders = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private long _nextSweepTicks;

    /// <summary>Creates the provider with the given clock.</summary>
    public InProcessLockProvider(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
        _nextSweepTicks = (timeProvider.GetUtcNow() + SweepInterval).UtcTicks;
    }

    /// <summary>Entries held, live or expired-but-not-yet-swept (for tests).</summary>
    internal int Count => _holders.Count;

    /// <inheritdoc />
    public Task<ILockLease?> TryAcquireAsync(string resource, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();

        var now = _timeProvider.GetUtcNow();
        SweepIfDue(now);
        var mine = new Holder(Guid.NewGuid().ToString("N"), now + timeToLive);
        while (true)
        {
            if (_holders.TryAdd(resource, mine))
            {
                return Task.FromResult<ILockLease?>(new Lease(this, resource, mine.Token));
            }

            if (!_holders.TryGetValue(resource, out var current))
            {
                continue; // released meanwhile: try to add again.
            }

            if (!current.IsExpired(now))
            {
                return Task.FromResult<ILockLease?>(null);
            }

            if (_holders.TryUpdate(resource, mine, current))
            {
                return Task.FromResult<ILockLease?>(new Lease(this, resource, mine.Token));
            }
        }
    }

    private bool Renew(string resource, string token, TimeSpan timeToLive)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        var now = _timeProvider.GetUtcNow();
        while (true)
        {
            if (!_holders.TryGetValue(resource, out var current) || current.Token != token)
            {
                return false;
            }

            if (current.IsExpired(now))
            {
                // Lost: a lost lease is never silently re-acquired. Drop the stale entry.
                _holders.TryRemove(new KeyValuePair<string, Holder>(resource, current));
                return false;
            }

            if (_holders.TryUpdate(resource, new Holder(token, now + timeToLive), current))
            {
                return true;
            }
        }
    }

    private bool Release(string resource, string token)
    {
        if (!_holders.TryGetValue(resource, out var current) || current.Token != token)
        {
            return false;
        }

        // An expired lease no longer owns the lock (as with a Redis key whose TTL ran out); still clean it up.
        bool owned = !current.IsExpired(_timeProvider.GetUtcNow());
        return _holders.TryRemove(new KeyValuePair<string, Holder>(resource, current)) && owned;
    }

    private void SweepIfDue(DateTimeOffset now)
    {
        long due = Interlocked.Read(ref _nextSweepTicks);
        if (now.UtcTicks < due ||
            Interlocked.CompareExchange(ref _nextSweepTicks, (now + SweepInterval).UtcTicks, due) != due)
        {
            return;
        }

        foreach (var pair in _holders)
        {
            if (pair.Value.IsExpired(now))
            {
                _holders.TryRemove(pair);
            }
        }
    }

    /// <summary>Who holds a resource and until when. A class, so dictionary updates compare by reference.</summary>
    private sealed class Holder(string token, DateTimeOffset expiresAt)
    {
        public string Token { get; } = token;

        public bool IsExpired(DateTimeOffset now) => now >= expiresAt;
    }

    private sealed class Lease(InProcessLockProvider owner, string resource, string token) : ILockLease
    {
        public string Resource { get; } = resource;

        public string Token { get; } = token;

        public Task<bool> RenewAsync(TimeSpan timeToLive, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Task.FromResult(owner.Renew(Resource, Token, timeToLive));
        }

        public Task<bool> ReleaseAsync(CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Task.FromResult(owner.Release(Resource, Token));
        }

        public ValueTask DisposeAsync()
        {
            owner.Release(Resource, Token);
            return ValueTask.CompletedTask;
        }
    }
}
