using System.Collections.Concurrent;

namespace ModMesh.Coordination.InProcess;

/// <summary>
/// <see cref="INegativeCache"/> for the single-process embedded mode. Entries expire by the injected
/// <see cref="TimeProvider"/>; an expired entry is never returned, is dropped when read, and every
/// <see cref="SweepInterval"/> a write sweeps all expired entries.
/// </summary>
public sealed class InProcessNegativeCache : INegativeCache
{
    /// <summary>How often a write sweeps expired entries that nobody reads again.</summary>
    internal static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private long _nextSweepTicks;

    /// <summary>Creates the cache with the given clock.</summary>
    public InProcessNegativeCache(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
        _nextSweepTicks = (timeProvider.GetUtcNow() + SweepInterval).UtcTicks;
    }

    /// <summary>Entries held, live or expired-but-not-yet-swept (for tests).</summary>
    internal int Count => _entries.Count;

    /// <inheritdoc />
    public Task SetAsync(string key, string message, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(message);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();

        var now = _timeProvider.GetUtcNow();
        _entries[key] = new Entry(message, now + timeToLive);
        SweepIfDue(now);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<string?> GetAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();

        if (!_entries.TryGetValue(key, out var entry))
        {
            return Task.FromResult<string?>(null);
        }

        if (entry.IsExpired(_timeProvider.GetUtcNow()))
        {
            _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
            return Task.FromResult<string?>(null);
        }

        return Task.FromResult<string?>(entry.Message);
    }

    /// <inheritdoc />
    public Task RemoveAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        _entries.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    private void SweepIfDue(DateTimeOffset now)
    {
        long due = Interlocked.Read(ref _nextSweepTicks);
        if (now.UtcTicks < due ||
            Interlocked.CompareExchange(ref _nextSweepTicks, (now + SweepInterval).UtcTicks, due) != due)
        {
            return;
        }

        foreach (var pair in _entries)
        {
            if (pair.Value.IsExpired(now))
            {
                _entries.TryRemove(pair);
            }
        }
    }

    /// <summary>A class, so conditional removal compares by reference and never drops a newer entry.</summary>
    private sealed class Entry(string message, DateTimeOffset expiresAt)
    {
        public string Message { get; } = message;

        public bool IsExpired(DateTimeOffset now) => now >= expiresAt;
    }
}
