using System.Collections.Concurrent;

namespace ModMesh.Fetcher;

/// <summary>
/// One running task per key in this process: callers asking for a key that is in flight join its task; the entry is
/// dropped when the task ends, so the next caller starts afresh. The task runs on the thread pool, detached from
/// any caller's cancellation (callers bound their own wait with <c>WaitAsync</c>).
/// </summary>
public sealed class SingleFlight<TKey, TResult>
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Lazy<Task<TResult>>> _flights = new();

    /// <summary>The running task for <paramref name="key"/>, started with <paramref name="start"/> when there is none.</summary>
    public Task<TResult> Run(TKey key, Func<Task<TResult>> start)
    {
        Lazy<Task<TResult>>? created = null;
        var flight = _flights.GetOrAdd(key, _ => created = new Lazy<Task<TResult>>(() => Task.Run(start)));
        if (ReferenceEquals(flight, created))
        {
            // Only the caller whose entry was stored removes it, once, and only that entry.
            _ = flight.Value.ContinueWith(
                _ => _flights.TryRemove(new KeyValuePair<TKey, Lazy<Task<TResult>>>(key, flight)),
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        return flight.Value;
    }
}
