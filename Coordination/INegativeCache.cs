namespace ModMesh.Coordination;

/// <summary>
/// Short-lived "upstream said not found" entries, so repeated misses (the go command asks every path prefix)
/// do not each cost an upstream round trip.
/// </summary>
public interface INegativeCache
{
    /// <summary>Remembers that <paramref name="key"/> was not found, with the upstream's message, for <paramref name="timeToLive"/>.</summary>
    Task SetAsync(string key, string message, TimeSpan timeToLive, CancellationToken cancellationToken);

    /// <summary>The remembered message, or <c>null</c> when there is no live entry.</summary>
    Task<string?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>Forgets an entry (e.g. once the key was filled after all).</summary>
    Task RemoveAsync(string key, CancellationToken cancellationToken);
}
